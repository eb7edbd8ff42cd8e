from django.contrib import admin
from django.urls import include, path

from relais.core import views as core_views
from relais.portal import views as portal_views

urlpatterns = [
    path("", include("relais.workspace.urls")),
    path("", include("relais.exchanges.urls")),
    path("", include("relais.appointments.urls")),
    path("usagers/", include("relais.person_file.urls")),
    path("compte/", include("relais.territory.urls")),
    path("employeurs/", include("relais.insertion.employer_urls")),  # the employer space (insertion)
    path("insertion/", include("relais.insertion.urls")),
    path("accessibilite/", core_views.accessibility, name="accessibility"),
    path("api/", include("relais.config.api_urls")),
    path("rendez-vous-en-ligne/", include("relais.portal.urls")),
    path("r/<str:code>/", portal_views.short_link, name="short_link"),  # the personal link in an SMS: short
    path("demarches/", include("relais.portal.urls_requests")),
    path("", include("relais.requests.urls")),
    path("evaluation/", include("relais.evaluation.urls")),
    path("avis/", include("relais.evaluation.urls_public")),
    path("insertion/indicateurs/", include("relais.insertion.urls_indicators", namespace="insertion-indicators")),
    path("admin/", admin.site.urls),
]

# French pages in the site's layout, with the reason when the project gave one.
handler400 = "relais.core.views.bad_request"
handler403 = "relais.core.views.permission_denied"
handler404 = "relais.core.views.page_not_found"
handler500 = "relais.core.views.server_error"
