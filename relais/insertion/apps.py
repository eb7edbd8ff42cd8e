from django.apps import AppConfig


class InsertionConfig(AppConfig):
    name = "relais.insertion"
    label = "insertion"
    verbose_name = "Insertion"
    default_auto_field = "django.db.models.BigAutoField"
