from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "relais.appointments"
    label = "appointments"
    verbose_name = "Rendez-vous"
