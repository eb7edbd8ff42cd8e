from django.apps import AppConfig


class ExchangesConfig(AppConfig):
    name = "relais.exchanges"
    label = "exchanges"
    verbose_name = "Échanges"
