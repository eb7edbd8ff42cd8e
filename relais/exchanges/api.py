"""API views for exchanges: list (with filters) and create."""

from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from relais.api.pagination import Pagination
from relais.api.schema import DATE_OR_EMPTY, UUID_OR_EMPTY
from relais.api.scopes import request_acting_organisation, request_agent, request_scope, request_token
from relais.api.serializers import StrictInput
from relais.exchanges.models import Channel, Topic
from relais.exchanges.policies import exchange_content_visible
from relais.exchanges.selectors import ExchangeFilters, exchange_list, exchange_visible_persons
from relais.exchanges.services import ExchangeData, exchange_create
from relais.people.policies import persons_visible
from relais.privacy.models import AccessLog
from relais.privacy.reads import read_note
from relais.privacy.services import access_log_record
from relais.territory.models import Service


class ExchangeOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    channel = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(allow_null=True)
    organisation = serializers.CharField(source="organisation.code")
    service = serializers.CharField(source="service.code")
    site = serializers.CharField(source="site.name", allow_null=True, default=None)
    persons = serializers.SerializerMethodField()
    content_visible = serializers.SerializerMethodField()
    topic = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    follow_up = serializers.SerializerMethodField()
    follow_up_due = serializers.SerializerMethodField()

    def _readable(self, exchange) -> bool:
        return exchange_content_visible(self.context["scope"], exchange)

    def get_persons(self, exchange) -> list[str]:
        return [str(person.public_id) for person in exchange_visible_persons(exchange)]

    def get_content_visible(self, exchange) -> bool:
        return self._readable(exchange)

    def get_topic(self, exchange) -> str | None:
        return exchange.topic.name if exchange.topic and self._readable(exchange) else None

    def get_summary(self, exchange) -> str | None:
        return exchange.summary if self._readable(exchange) else None

    def get_follow_up(self, exchange) -> str | None:
        return exchange.follow_up if self._readable(exchange) else None

    def get_follow_up_due(self, exchange) -> str | None:
        return exchange.follow_up_due.isoformat() if exchange.follow_up_due and self._readable(exchange) else None


class ExchangeInput(StrictInput):
    persons = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=20)
    channel = serializers.ChoiceField(choices=Channel.choices)
    occurred_at = serializers.DateTimeField()
    service = serializers.CharField(help_text="Code du service, ex. 92-ACCUEIL")
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=1440)
    topic = serializers.IntegerField(required=False, allow_null=True)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    follow_up = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    follow_up_due = serializers.DateField(required=False, allow_null=True)


class ExchangeListApi(APIView):
    pagination_class = Pagination  # documents the list as paginated (count, next, previous, results)

    @extend_schema(
        operation_id="exchanges_list",
        summary="Lister les échanges visibles",
        parameters=[
            OpenApiParameter("person", UUID_OR_EMPTY, description="Identifiant (UUID) de l'usager"),
            OpenApiParameter("channel", str, enum=Channel.values),
            OpenApiParameter("service", str, description="Code du service"),
            OpenApiParameter("since", DATE_OR_EMPTY, description="Date de début AAAA-MM-JJ"),
            OpenApiParameter("until", DATE_OR_EMPTY, description="Date de fin AAAA-MM-JJ"),
        ],
        responses=ExchangeOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        scope = request_scope(request)
        params = request.query_params
        errors = {}
        try:
            since = serializers.DateField().to_internal_value(params["since"]) if params.get("since") else None
            until = serializers.DateField().to_internal_value(params["until"]) if params.get("until") else None
        except serializers.ValidationError:
            errors["since"] = ["Date attendue au format AAAA-MM-JJ."]
            since = until = None
        if params.get("channel") and params["channel"] not in Channel.values:
            errors["channel"] = [f"Canal inconnu. Valeurs possibles : {', '.join(Channel.values)}."]
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        service_id = None
        if params.get("service"):
            service_id = Service.objects.filter(code=params["service"]).values_list("pk", flat=True).first() or -1
        queryset = exchange_list(
            scope=scope,
            filters=ExchangeFilters(channel=params.get("channel", ""), service_id=service_id, date_from=since, date_to=until),
        )
        if params.get("person"):
            try:
                queryset = queryset.filter(person_links__person__public_id=params["person"])
            except ValidationError:
                return Response({"person": ["Identifiant d'usager invalide."]}, status=400)
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        persons = {person.pk: person for exchange in page or [] for person in exchange_visible_persons(exchange)}
        read_note(scope=scope, persons=persons.values(), detail="API échanges")
        return paginator.get_paginated_response(ExchangeOutput(page, many=True, context={"scope": scope}).data)

    @extend_schema(
        operation_id="exchanges_create", summary="Enregistrer un échange", request=ExchangeInput, responses={201: ExchangeOutput}
    )
    def post(self, request: Request) -> Response:
        scope = request_scope(request)
        serializer = ExchangeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        service = Service.objects.filter(code=data["service"], pk__in=scope.loggable_service_ids).first()
        if service is None:
            return Response({"service": ["Service inconnu ou hors du périmètre de cette intégration."]}, status=400)
        persons = list(persons_visible(scope).filter(public_id__in=data["persons"]))
        if len(persons) != len(set(data["persons"])):
            return Response({"persons": ["Usager introuvable."]}, status=400)
        topic = None
        if data.get("topic"):
            topic = Topic.objects.filter(pk=data["topic"], service=service).first()
            if topic is None:
                return Response({"topic": ["Ce thème n'appartient pas au service."]}, status=400)
        organisation = request_acting_organisation(request, service_id=service.pk)
        if organisation is None:
            raise PermissionDenied("Vous n'êtes membre d'aucune organisation pour ce service.")
        exchange = exchange_create(
            data=ExchangeData(
                channel=data["channel"],
                occurred_at=data["occurred_at"],
                service=service,
                persons=persons,
                duration_minutes=data.get("duration_minutes"),
                topic=topic,
                summary=data.get("summary", ""),
                follow_up=data.get("follow_up", ""),
                follow_up_due=data.get("follow_up_due"),
            ),
            organisation=organisation,
            scope=scope,
            acting_user=request_agent(request),
            api_token=request_token(request),
        )
        access_log_record(
            scope=scope, action=AccessLog.Action.EDIT, persons=persons, request=request, detail="API échange ajouté"
        )
        created = exchange_list(scope=scope).get(pk=exchange.pk)
        return Response(ExchangeOutput(created, context={"scope": scope}).data, status=status.HTTP_201_CREATED)
