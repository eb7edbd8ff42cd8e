from rest_framework.permissions import BasePermission

from relais.api.models import ApiToken
from relais.territory.models import Agent


class IsAgentOrApiToken(BasePermission):
    message = "Authentification requise : jeton d'intégration ou session d'agent."

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiToken):
            return True
        return isinstance(request.user, Agent) and request.user.is_active
