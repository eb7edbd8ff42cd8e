from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "relais.requests"
    label = "requests"
    verbose_name = "Demandes (saisines)"

    def ready(self) -> None:
        from relais.requests import merging

        merging.register()  # how its rows follow a person merge (people/merge_registry.py)
