from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "relais.people"
    label = "people"
    verbose_name = "Usagers"
