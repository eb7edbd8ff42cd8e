from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demonstration data and `relais demo`: the top of the layers, it may use every app."""

    name = "relais.demo"
    label = "demo"
    verbose_name = "Démonstration"
