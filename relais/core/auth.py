from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect

# Set in the session at login (territory.apps) for an account that is only an employer contact:
# such a session reaches the employer space (and logout, password pages, the accessibility statement)
# and nothing else — a 403 on agent pages and on the API, the home page sending it to its space.
EMPLOYER_SESSION_KEY = "employer_space"
EMPLOYER_HOME = "/employeurs/"
EMPLOYER_ALLOWED_PREFIXES = (EMPLOYER_HOME, "/compte/", "/accessibilite/", "/static/")


class AgentLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a logged-in agent unless marked @login_not_required.

    The API authenticates its own way (integration tokens) and answers 401/403 rather than redirecting.
    An employer contact's session is kept to the employer space.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.user.is_authenticated and request.session.get(EMPLOYER_SESSION_KEY):
            return self._employer_only(request)
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    @staticmethod
    def _employer_only(request):
        path = request.path_info
        if path.startswith(EMPLOYER_ALLOWED_PREFIXES):
            return None
        if path.startswith("/api/"):
            return JsonResponse({"detail": "Accès refusé : ce compte est celui de l'espace employeur."}, status=403)
        if path == "/" and request.method in ("GET", "HEAD"):
            return redirect(EMPLOYER_HOME)  # where the login lands (LOGIN_REDIRECT_URL)
        raise PermissionDenied("Cette page est réservée aux agents. Votre compte donne accès à l'espace employeur.")
