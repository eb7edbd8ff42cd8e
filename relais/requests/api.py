"""API for requests: the catalogue, registering (any channel, and e-mails received by a mail
server), reading, and moving a request through its lifecycle."""

from __future__ import annotations

import base64
import binascii

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request as ApiRequest
from rest_framework.response import Response
from rest_framework.views import APIView

from relais.api.pagination import Pagination
from relais.api.schema import UUID_OR_EMPTY
from relais.api.scopes import request_agent, request_scope, request_token
from relais.api.serializers import StrictInput
from relais.people.policies import persons_visible
from relais.privacy.models import AccessLog
from relais.privacy.reads import read_note
from relais.privacy.services import access_log_record
from relais.requests import workflow
from relais.requests.inbound import InboundFile, request_register_from_email
from relais.requests.models import CitizenRequest, Procedure
from relais.requests.policies import may_file_inbound_email, may_handle_request, request_content_visible, requests_visible
from relais.requests.selectors import request_get
from relais.requests.services import (
    RequestActor,
    request_ask_documents,
    request_forward,
    request_receive_documents,
    request_register,
    request_transition,
)


def _actor(request: ApiRequest) -> RequestActor:
    scope = request_scope(request)
    return RequestActor(label=scope.label, agent=request_agent(request), scope=scope)


class ProcedureOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    organisation = serializers.CharField(source="organisation.code")
    service = serializers.CharField(source="service.code")
    regime = serializers.CharField()
    delay_value = serializers.IntegerField()
    delay_unit = serializers.CharField()
    online_open = serializers.BooleanField()
    required_documents = serializers.ListField(source="documents_list", child=serializers.CharField())
    legal_source = serializers.CharField()
    is_example = serializers.BooleanField()


class ProcedureListApi(APIView):
    @extend_schema(operation_id="procedures_list", summary="Catalogue des procédures", responses=ProcedureOutput(many=True))
    def get(self, request: ApiRequest) -> Response:
        procedures = Procedure.objects.filter(is_active=True).select_related("organisation", "service").order_by("code")
        return Response(ProcedureOutput(procedures, many=True).data)


class RequestOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    reference = serializers.CharField()
    procedure = serializers.CharField(source="procedure.code")
    service = serializers.CharField(source="service.code")
    person = serializers.UUIDField(source="person.public_id")
    channel = serializers.CharField()
    status = serializers.CharField()
    received_on = serializers.DateField()
    competent_received_on = serializers.DateField(allow_null=True)
    implicit_decision_date = serializers.DateField(allow_null=True)
    regime = serializers.CharField(source="procedure.regime")
    subject = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    def get_subject(self, item: CitizenRequest) -> str | None:
        return item.subject if request_content_visible(self.context["scope"], item) else None

    def get_allowed_transitions(self, item: CitizenRequest) -> list[str]:
        return [*workflow.TRANSITIONS.get(item.status, ())]


class RequestInput(StrictInput):
    procedure = serializers.SlugField()
    person = serializers.UUIDField()
    channel = serializers.ChoiceField(choices=CitizenRequest.Channel.choices)
    subject = serializers.CharField(max_length=255)
    details = serializers.CharField(required=False, allow_blank=True, default="")
    received_at = serializers.DateTimeField(required=False, help_text="Par défaut : maintenant")
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")


class RequestListApi(APIView):
    pagination_class = Pagination  # documents the list as paginated (count, next, previous, results)

    @extend_schema(
        operation_id="requests_list",
        summary="Demandes visibles",
        parameters=[
            OpenApiParameter("status", str),
            OpenApiParameter("procedure", str),
            OpenApiParameter("person", UUID_OR_EMPTY),
        ],
        responses=RequestOutput(many=True),
    )
    def get(self, request: ApiRequest) -> Response:
        scope = request_scope(request)
        queryset = requests_visible(scope).select_related("procedure", "service", "person").order_by("-received_at")
        params = request.query_params
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("procedure"):
            queryset = queryset.filter(procedure__code=params["procedure"])
        if params.get("person"):
            try:
                queryset = queryset.filter(person__public_id=params["person"])
            except ValidationError:
                return Response({"person": ["Identifiant d'usager invalide."]}, status=400)
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        read_note(
            scope=scope,
            persons=[item.person for item in page],
            detail="API demandes",
        )
        return paginator.get_paginated_response(RequestOutput(page, many=True, context={"scope": scope}).data)

    @extend_schema(
        operation_id="requests_create", summary="Enregistrer une demande", request=RequestInput, responses={201: RequestOutput}
    )
    def post(self, request: ApiRequest) -> Response:
        scope = request_scope(request)
        serializer = RequestInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        procedure = Procedure.objects.filter(
            code=data["procedure"], is_active=True, organisation_id__in=scope.organisation_ids
        ).first()
        if procedure is None:
            return Response({"procedure": ["Procédure inconnue ou hors du périmètre de cette intégration."]}, status=400)
        person = persons_visible(scope).filter(public_id=data["person"]).first()
        if person is None:
            return Response({"person": ["Usager introuvable."]}, status=400)
        item = request_register(
            procedure=procedure, person=person, channel=data["channel"], subject=data["subject"], details=data["details"],
            received_at=data.get("received_at"), contact_email=data["contact_email"], actor=_actor(request),
        )  # fmt: skip
        access_log_record(
            scope=scope, action=AccessLog.Action.EDIT, persons=[person], request=request, detail=f"API demande {item.reference}"
        )
        return Response(RequestOutput(item, context={"scope": scope}).data, status=status.HTTP_201_CREATED)


class RequestDetailApi(APIView):
    @extend_schema(operation_id="requests_retrieve", summary="Lire une demande", responses=RequestOutput)
    def get(self, request: ApiRequest, public_id: str) -> Response:
        scope = request_scope(request)
        item = request_get(scope=scope, public_id=public_id)
        read_note(
            scope=scope,
            persons=[item.person],
            detail=f"API demande {item.reference}",
        )
        return Response(RequestOutput(item, context={"scope": scope}).data)


class TransitionInput(StrictInput):
    to = serializers.ChoiceField(choices=[*CitizenRequest.Status.choices, ("documents_received", "Pièces reçues")])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    items = serializers.CharField(required=False, help_text="Pour « incomplete » : pièces manquantes, une par ligne")
    deadline = serializers.DateField(required=False, help_text="Pour « incomplete » : date limite")
    procedure = serializers.SlugField(required=False, help_text="Pour « forwarded » : procédure du service compétent")


class RequestTransitionApi(APIView):
    @extend_schema(
        operation_id="requests_transition",
        summary="Faire avancer une demande",
        description="`to` : complete, under_review, accepted, rejected (avec `note`), withdrawn, closed ; incomplete (avec `items` et "
        "`deadline`) ; documents_received ; forwarded (avec `procedure`). Les décisions implicites sont enregistrées par Relais.",
        request=TransitionInput,
        responses={200: RequestOutput, 409: None},
    )
    def post(self, request: ApiRequest, public_id: str) -> Response:
        scope = request_scope(request)
        item = request_get(scope=scope, public_id=public_id)
        if not may_handle_request(scope, item):
            return Response({"detail": "Seul le service compétent peut instruire cette demande."}, status=403)
        serializer = TransitionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, actor = serializer.validated_data, _actor(request)
        try:
            if data["to"] == CitizenRequest.Status.INCOMPLETE:
                if not data.get("items") or not data.get("deadline"):
                    return Response({"detail": "« items » et « deadline » sont requis pour demander des pièces."}, status=400)
                request_ask_documents(request=item, items=data["items"], deadline=data["deadline"], actor=actor)
            elif data["to"] == "documents_received":
                request_receive_documents(request=item, actor=actor)
            elif data["to"] == CitizenRequest.Status.FORWARDED:
                target = Procedure.objects.filter(code=data.get("procedure", ""), is_active=True).first()
                if target is None:
                    return Response({"procedure": ["Procédure inconnue."]}, status=400)
                item = request_forward(request=item, to_procedure=target, actor=actor, note=data["note"])
            else:
                request_transition(request=item, to_status=data["to"], actor=actor, note=data["note"])
        except workflow.TransitionRefused as refused:
            return Response({"detail": str(refused)}, status=409)
        item = CitizenRequest.objects.select_related("procedure", "service", "person").get(pk=item.pk)
        return Response(RequestOutput(item, context={"scope": scope}).data)


class InboundEmailInput(StrictInput):
    to = serializers.EmailField()
    sender = serializers.EmailField(help_text="L'expéditeur, sous le nom « from » dans la requête")
    display_name = serializers.CharField(required=False, allow_blank=True, default="")
    subject = serializers.CharField(required=False, allow_blank=True, default="")
    text = serializers.CharField(required=False, allow_blank=True, default="")
    received_at = serializers.DateTimeField(required=False)
    attachments = serializers.ListField(
        child=serializers.DictField(), required=False, default=list, help_text="[{filename, content_type, content_base64}]"
    )

    def get_fields(self):  # type: ignore[no-untyped-def]
        # "from" is a Python keyword: declared as `sender`, exposed under its e-mail name.
        fields = super().get_fields()
        fields["from"] = fields.pop("sender")
        return fields


class InboundEmailApi(APIView):
    @extend_schema(
        operation_id="inbound_email",
        summary="Courriel reçu par un service : l'enregistrer comme demande",
        description="Appelé par le serveur de messagerie avec le jeton du service destinataire (`create-api-token --service`) : "
        "un jeton n'accepte que les courriels adressés à son service. Le champ `from` est l'expéditeur.",
        request=InboundEmailInput,
        responses={201: RequestOutput},
    )
    def post(self, request: ApiRequest) -> Response:
        scope = request_scope(request)
        payload = dict(request.data) if isinstance(request.data, dict) else {}
        serializer = InboundEmailInput(data=payload)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            files = [
                InboundFile(
                    a.get("filename", "piece-jointe"),
                    a.get("content_type", "application/octet-stream"),
                    base64.b64decode(a.get("content_base64", ""), validate=True),
                )
                for a in data["attachments"]
            ]
        except (binascii.Error, ValueError):
            return Response({"attachments": ["Pièce jointe mal encodée (base64 attendu)."]}, status=400)
        if not may_file_inbound_email(request_token(request), data["to"]):
            return Response(
                {
                    "detail": "Seul le jeton du service destinataire (créé avec --service) peut déposer un courriel à cette adresse."
                },
                status=403,
            )
        item = request_register_from_email(
            to_address=data["to"], from_address=data["from"], display_name=data["display_name"], subject=data["subject"], text=data["text"],
            files=files, received_at=data.get("received_at"),
        )  # fmt: skip
        return Response(RequestOutput(item, context={"scope": scope}).data, status=status.HTTP_201_CREATED)
