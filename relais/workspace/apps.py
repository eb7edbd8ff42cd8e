from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """The agents' workspace (« Ma journée »): composes exchanges and appointments."""

    name = "relais.workspace"
    label = "workspace"
    verbose_name = "Espace de travail des agents"
