"""The project's URLs plus one view that fails, to see the 500 page as users would."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from relais.config.urls import handler400, handler403, handler404, handler500
from relais.config.urls import urlpatterns as project_urls


@login_not_required
def failing_view(request):
    raise RuntimeError("panne simulée")


urlpatterns = [path("panne/", failing_view), *project_urls]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
