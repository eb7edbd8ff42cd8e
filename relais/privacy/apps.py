from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "relais.privacy"
    label = "privacy"
    verbose_name = "Données personnelles"

    def ready(self) -> None:
        from relais.privacy import checks  # noqa: F401 - registers the deployment check
