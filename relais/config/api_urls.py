"""The API's routes: every app's endpoints under /api/v1/, the schema, the reference and the console.
Routing composes the apps, so it lives with the project's configuration, above them all."""

from django.urls import path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from relais.api.reference import api_reference
from relais.appointments.api import (
    AppointmentDetailApi,
    AppointmentListApi,
    MotiveListApi,
    RegistrationApi,
    SessionListApi,
    SlotListApi,
)
from relais.exchanges.api import ExchangeListApi
from relais.insertion.api import (
    CandidateDetailApi,
    CandidateListApi,
    CandidateOffersApi,
    CompanyDetailApi,
    CompanyListApi,
    OfferCandidatesApi,
    OfferDetailApi,
    OfferListApi,
    OfferStatusApi,
    ProposalDetailApi,
    ProposalListApi,
    ProposalTransitionApi,
)
from relais.people.api import PersonDetailApi, PersonListApi
from relais.requests.api import InboundEmailApi, ProcedureListApi, RequestDetailApi, RequestListApi, RequestTransitionApi

urlpatterns = [
    path("v1/persons/", PersonListApi.as_view(), name="api-persons"),
    path("v1/persons/<uuid:public_id>/", PersonDetailApi.as_view(), name="api-person"),
    path("v1/exchanges/", ExchangeListApi.as_view(), name="api-exchanges"),
    path("v1/motives/", MotiveListApi.as_view(), name="api-motives"),
    path("v1/slots/", SlotListApi.as_view(), name="api-slots"),
    path("v1/appointments/", AppointmentListApi.as_view(), name="api-appointments"),
    path("v1/appointments/<uuid:public_id>/", AppointmentDetailApi.as_view(), name="api-appointment"),
    path("v1/sessions/", SessionListApi.as_view(), name="api-sessions"),
    path("v1/sessions/<uuid:public_id>/registrations/", RegistrationApi.as_view(), name="api-session-registrations"),
    path("v1/procedures/", ProcedureListApi.as_view(), name="api-procedures"),
    path("v1/requests/", RequestListApi.as_view(), name="api-requests"),
    path("v1/requests/<uuid:public_id>/", RequestDetailApi.as_view(), name="api-request"),
    path("v1/requests/<uuid:public_id>/transitions/", RequestTransitionApi.as_view(), name="api-request-transitions"),
    path("v1/inbound-email/", InboundEmailApi.as_view(), name="api-inbound-email"),
    path("v1/insertion/companies/", CompanyListApi.as_view(), name="api-insertion-companies"),
    path("v1/insertion/companies/<int:id>/", CompanyDetailApi.as_view(), name="api-insertion-company"),
    path("v1/insertion/offers/", OfferListApi.as_view(), name="api-insertion-offers"),
    path("v1/insertion/offers/<int:id>/", OfferDetailApi.as_view(), name="api-insertion-offer"),
    path("v1/insertion/offers/<int:id>/status/", OfferStatusApi.as_view(), name="api-insertion-offer-status"),
    path("v1/insertion/offers/<int:id>/candidates/", OfferCandidatesApi.as_view(), name="api-insertion-offer-candidates"),
    path("v1/insertion/candidates/", CandidateListApi.as_view(), name="api-insertion-candidates"),
    path("v1/insertion/candidates/<int:id>/", CandidateDetailApi.as_view(), name="api-insertion-candidate"),
    path("v1/insertion/candidates/<int:id>/offers/", CandidateOffersApi.as_view(), name="api-insertion-candidate-offers"),
    path("v1/insertion/proposals/", ProposalListApi.as_view(), name="api-insertion-proposals"),
    path("v1/insertion/proposals/<int:id>/", ProposalDetailApi.as_view(), name="api-insertion-proposal"),
    path(
        "v1/insertion/proposals/<int:id>/transitions/", ProposalTransitionApi.as_view(), name="api-insertion-proposal-transitions"
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_reference, name="api-docs"),
    # Swagger UI under the site's Content-Security-Policy, not a relaxed one: the "split" view serves its
    # start-up code as a script of its own (?script) instead of an inline <script>, and our template
    # takes its page styles from a static file instead of an inline <style>. Swagger UI itself
    # (drf-spectacular-sidecar, served from static) needs neither eval nor inline code.
    path(
        "console/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-console",
    ),
    # Redoc cannot run under that policy (its styled-components inject <style> elements, its page
    # loads Google Fonts): the old address leads to /api/docs/, the same reference, accessible.
    path("redoc/", RedirectView.as_view(pattern_name="api-docs", permanent=True), name="api-redoc"),
]
