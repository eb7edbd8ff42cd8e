from rest_framework.throttling import SimpleRateThrottle

from relais.api.models import ApiToken


class ApiTokenThrottle(SimpleRateThrottle):
    """A ceiling per integration token, so one runaway script cannot starve the agents."""

    scope = "api_token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None


class AgentSessionThrottle(SimpleRateThrottle):
    """A ceiling per agent calling the API with their login session (a script riding a browser's
    cookie), which the token's ceiling does not cover."""

    scope = "api_agent"

    def get_cache_key(self, request, view):
        if request.auth is None and request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
        return None
