from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "relais.territory"
    label = "territory"
    verbose_name = "Territoire"
