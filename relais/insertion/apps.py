from django.apps import AppConfig


class InsertionConfig(AppConfig):
    name = "relais.insertion"
    label = "insertion"
    verbose_name = "Insertion"

    def ready(self) -> None:
        from relais.insertion import merging

        merging.register()  # how its rows follow a person merge (people/merge_registry.py)
