from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "relais.evaluation"
    label = "evaluation"
    verbose_name = "Évaluation du réseau"

    def ready(self) -> None:
        from relais.evaluation import merging

        merging.register()  # survey invitations follow a person merge (people/merge_registry.py)
