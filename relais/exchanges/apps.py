from django.apps import AppConfig


class ExchangesConfig(AppConfig):
    name = "relais.exchanges"
    label = "exchanges"
    verbose_name = "Échanges"

    def ready(self) -> None:
        from relais.exchanges import merging

        merging.register()  # how its rows follow a person merge (people/merge_registry.py)
