from rest_framework.throttling import SimpleRateThrottle

from relais.api.models import ApiToken


class ApiTokenThrottle(SimpleRateThrottle):
    """A ceiling per integration token, so one runaway script cannot starve the agents."""

    scope = "api_token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None
