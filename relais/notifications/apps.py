from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "relais.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from relais.notifications import merging

        merging.register()  # how its rows follow a person merge (people/merge_registry.py)
