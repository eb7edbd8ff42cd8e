from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "relais.notifications"
    label = "notifications"
    verbose_name = "Notifications"
