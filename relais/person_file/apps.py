from django.apps import AppConfig


class PersonFileConfig(AppConfig):
    """The person file: composes people with the domain apps (exchanges, appointments, requests, messages)."""

    name = "relais.person_file"
    label = "person_file"
    verbose_name = "Dossier de l'usager"
