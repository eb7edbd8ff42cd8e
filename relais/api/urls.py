from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

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
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_reference, name="api-docs"),
    path("console/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-console"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
