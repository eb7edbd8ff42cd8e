from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "relais.appointments"
    label = "appointments"
    verbose_name = "Rendez-vous"

    def ready(self) -> None:
        from relais.appointments import merging

        merging.register()  # how its rows follow a person merge (people/merge_registry.py)
