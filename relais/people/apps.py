from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "relais.people"
    label = "people"
    verbose_name = "Usagers"

    def ready(self) -> None:
        from relais.people import merging, merging_messages

        merging.register()  # how its rows follow a person merge (people/merge_registry.py)
        merging_messages.register()  # and the messages sent to the person (the outbox lies beneath people)
