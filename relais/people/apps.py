from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "relais.people"
    label = "people"
    verbose_name = "Usagers"

    def ready(self) -> None:
        from relais.people import merging

        merging.register()  # how its rows follow a person merge (people/merge_registry.py)
