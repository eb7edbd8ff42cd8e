from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

# Django's own messages (get_object_or_404, the URL resolver) are English and say nothing useful
# to an agent or a citizen; the project's messages are French and are shown.
_ENGLISH_DEFAULT = ("No ", "The requested resource", "Resolver404")


def _reason(exception: BaseException | None) -> str:
    message = exception.args[0] if exception is not None and exception.args else ""
    if not isinstance(message, str) or message.startswith(_ENGLISH_DEFAULT):
        return ""
    return message


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@login_not_required
def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):  # an API client reads JSON, not a page
        return JsonResponse({"detail": "Requête invalide : elle n'a pas pu être lue."}, status=400)
    return render(request, "400.html", status=400)


@login_not_required
def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _reason(exception) or "Accès refusé."}, status=403)
    return render(request, "403.html", {"reason": _reason(exception)}, status=403)


@login_not_required
def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    # Under /api/ too when no route matches, e.g. a malformed identifier in the path (`<uuid:…>`).
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Ressource introuvable."}, status=404)
    return render(request, "404.html", {"reason": _reason(exception)}, status=404)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Erreur interne du serveur. L'équipe technique a été prévenue."}, status=500)
    # No request context: the database or a context processor may be what failed.
    return HttpResponse(loader.get_template("500.html").render({"csrf_token": ""}), status=500)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
