"""API for appointments: motives, free slots, booking (idempotent), reading and changing an
appointment, collective sessions and registrations. Same policies as the pages."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from relais.api.idempotency import idempotent_answer
from relais.api.pagination import Pagination
from relais.api.schema import DATE_OR_DATETIME, UUID_OR_EMPTY
from relais.api.scopes import request_acting_organisation, request_agent, request_scope
from relais.api.serializers import StrictInput
from relais.appointments import workflow
from relais.appointments.calendar import PARIS
from relais.appointments.models import Agenda, AgendaWindow, Appointment, Motive
from relais.appointments.policies import RESTRICTED_LABEL, appointment_content_visible, may_book_motive
from relais.appointments.selectors import (
    Audience,
    appointment_get,
    appointments_visible,
    collective_sessions_open,
    free_slots,
    motives_bookable,
)
from relais.appointments.services import (
    Actor,
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_move,
    appointment_set_outcome,
    session_register,
)
from relais.people.api import PersonInput
from relais.people.models import Person
from relais.people.policies import persons_visible
from relais.people.services import PersonData, person_create
from relais.privacy.models import AccessLog
from relais.privacy.reads import read_note
from relais.privacy.services import access_log_record
from relais.territory.models import Site

MAX_SLOT_RANGE = dt.timedelta(days=31)


def _motive_for(request: Request, public_id: str) -> Motive:
    if not public_id:
        raise serializers.ValidationError({"motive": ["Ce paramètre est obligatoire : l'identifiant du motif."]})
    if not _is_uuid(public_id):
        raise serializers.ValidationError({"motive": ["Identifiant de motif invalide."]})
    scope = request_scope(request)
    motive = motives_bookable(Audience.AGENT).filter(public_id=public_id).first()
    if motive is None or not may_book_motive(scope, motive):
        raise Http404
    return motive


class MotiveOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    service = serializers.CharField(source="service.code")
    channel = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    is_collective = serializers.BooleanField()
    bookable_by = serializers.CharField()
    sites = serializers.SerializerMethodField()

    def get_sites(self, motive: Motive) -> list[dict]:
        sites = self.context["sites"].get(motive.pk, [])
        return [{"id": site_id, "name": name} for site_id, name in sites]


class MotiveListApi(APIView):
    @extend_schema(
        operation_id="motives_list", summary="Motifs réservables par cette intégration", responses=MotiveOutput(many=True)
    )
    def get(self, request: Request) -> Response:
        scope = request_scope(request)
        motives = [
            motive
            for motive in motives_bookable(Audience.AGENT).order_by("service__code", "name")
            if may_book_motive(scope, motive)
        ]
        sites: dict[int, list[tuple[int, str]]] = {}
        rows = (
            AgendaWindow.objects.filter(opening__motives__in=motives, start__gte=timezone.now(), site__isnull=False)
            .values_list("opening__motives", "site_id", "site__name")
            .distinct()
        )
        for motive_id, site_id, name in rows:
            sites.setdefault(motive_id, [])
            if (site_id, name) not in sites[motive_id]:
                sites[motive_id].append((site_id, name))
        return Response(MotiveOutput(motives, many=True, context={"sites": sites}).data)


class SlotOutput(serializers.Serializer):
    agenda = serializers.UUIDField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    site = serializers.IntegerField(allow_null=True)


class SlotListApi(APIView):
    @extend_schema(
        operation_id="slots_list",
        summary="Créneaux libres d'un motif",
        parameters=[
            OpenApiParameter("motive", OpenApiTypes.UUID, required=True, description="Identifiant du motif"),
            OpenApiParameter("site", int, description="Lieu (facultatif)"),
            OpenApiParameter(
                "start", DATE_OR_DATETIME, description="Début (AAAA-MM-JJ ou date-heure ISO 8601) ; défaut : maintenant"
            ),
            OpenApiParameter("end", DATE_OR_DATETIME, description="Fin ; défaut : début + 7 jours ; 31 jours au plus"),
        ],
        responses=SlotOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        motive = _motive_for(request, request.query_params.get("motive", ""))
        try:
            start = _parse_moment(request.query_params.get("start")) or timezone.now()
            end = _parse_moment(request.query_params.get("end")) or start + dt.timedelta(days=7)
        except ValueError:
            return Response({"detail": "Dates attendues au format AAAA-MM-JJ ou ISO 8601."}, status=400)
        if end <= start or end - start > MAX_SLOT_RANGE:
            return Response({"detail": "La période doit être positive et durer 31 jours au plus."}, status=400)
        site = request.query_params.get("site")
        try:
            site_ids = [int(site)] if site else None
        except ValueError:
            return Response({"site": ["Identifiant de lieu invalide : nombre entier attendu."]}, status=400)
        audience = Actor.for_scope(request_scope(request), motive).audience
        slots = free_slots(motive=motive, start=start, end=end, audience=audience, site_ids=site_ids)
        agendas = dict(Agenda.objects.filter(pk__in={s.agenda_id for s in slots}).values_list("pk", "public_id"))
        data = [{"agenda": agendas[s.agenda_id], "start": s.start, "end": s.end, "site": s.site_id} for s in slots]
        return Response(SlotOutput(data, many=True).data)


def _parse_moment(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    if len(value) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time.min, PARIS)
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=PARIS)


class AppointmentOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    motive = serializers.UUIDField(source="motive.public_id")
    motive_name = serializers.SerializerMethodField()
    service = serializers.CharField(source="motive.service.code")
    agenda = serializers.UUIDField(source="agenda.public_id")
    site = serializers.IntegerField(source="site_id", allow_null=True)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    status = serializers.CharField()
    capacity = serializers.IntegerField()
    visio_url = serializers.CharField()
    booked_from_site = serializers.IntegerField(source="booked_from_site_id", allow_null=True)
    persons = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    cancel_reason = serializers.CharField()

    def get_persons(self, appointment: Appointment) -> list[str]:
        visible = self.context["visible_person_ids"]
        return [
            str(p.person.public_id) for p in appointment.participants.all() if p.person_id in visible and p.status != "cancelled"
        ]

    def get_motive_name(self, appointment: Appointment) -> str:
        visible = appointment_content_visible(self.context["scope"], appointment)
        return appointment.motive.name if visible else RESTRICTED_LABEL

    def get_notes(self, appointment: Appointment) -> str | None:
        return appointment.notes if appointment_content_visible(self.context["scope"], appointment) else None


def _output(request: Request, appointments: list[Appointment], *, log_read: bool = False) -> list[dict] | dict:
    """The appointments as the caller may see them; `log_read` records the persons shown in the access log."""
    scope = request_scope(request)
    person_ids = {p.person_id for a in appointments for p in a.participants.all()}
    visible = list(persons_visible(scope).filter(pk__in=person_ids))
    if log_read:
        read_note(scope=scope, persons=visible, detail="API rendez-vous")
    context = {"scope": scope, "visible_person_ids": {person.pk for person in visible}}
    return AppointmentOutput(appointments, many=True, context=context).data


class BookingInput(StrictInput):
    motive = serializers.UUIDField()
    agenda = serializers.UUIDField()
    start = serializers.DateTimeField()
    person = serializers.UUIDField(required=False, help_text="Usager existant…")
    new_person = PersonInput(required=False, help_text="…ou identité d'un nouvel usager")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    booked_from_site = serializers.IntegerField(
        required=False, allow_null=True, help_text="Point France services d'où la personne est reçue"
    )

    def validate(self, attrs: dict) -> dict:
        if bool(attrs.get("person")) == bool(attrs.get("new_person")):
            raise serializers.ValidationError("Indiquez soit « person » (usager existant), soit « new_person » (nouvel usager).")
        return attrs


class AppointmentListApi(APIView):
    pagination_class = Pagination  # documents the list as paginated (count, next, previous, results)

    @extend_schema(
        operation_id="appointments_list",
        summary="Rendez-vous visibles",
        parameters=[
            OpenApiParameter("person", UUID_OR_EMPTY, description="Identifiant de l'usager"),
            OpenApiParameter("start", DATE_OR_DATETIME, description="À partir de (AAAA-MM-JJ)"),
            OpenApiParameter("end", DATE_OR_DATETIME, description="Jusqu'à (AAAA-MM-JJ)"),
        ],
        responses=AppointmentOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        scope = request_scope(request)
        queryset = appointments_visible(scope).real()
        try:
            if request.query_params.get("start"):
                queryset = queryset.filter(start__gte=_parse_moment(request.query_params["start"]))
            if request.query_params.get("end"):
                queryset = queryset.filter(start__lt=_parse_moment(request.query_params["end"]))
            if request.query_params.get("person"):
                queryset = queryset.filter(participants__person__public_id=request.query_params["person"])
        except (ValueError, ValidationError):
            return Response({"detail": "Paramètre invalide (dates AAAA-MM-JJ, usager par son identifiant)."}, status=400)
        queryset = (
            queryset.select_related("motive__service", "agenda")
            .prefetch_related("participants__person")
            .order_by("start")
            .distinct()
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        return paginator.get_paginated_response(_output(request, page, log_read=True))

    @extend_schema(
        operation_id="appointments_create",
        summary="Réserver un créneau",
        description="Envoyez un en-tête `Idempotency-Key` unique par réservation : une requête rejouée avec la même clé renvoie la "
        "même réponse sans réserver deux fois. 409 si le créneau vient d'être pris (avec les prochains créneaux libres).",
        parameters=[OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False)],
        request=BookingInput,
        responses={
            201: AppointmentOutput,
            409: inline_serializer("SlotTaken", {"detail": serializers.CharField(), "next_slots": SlotOutput(many=True)}),
        },
    )
    def post(self, request: Request) -> Response:
        return idempotent_answer(request, lambda: self._book(request))

    def _book(self, request: Request) -> tuple[int, dict]:
        scope = request_scope(request)
        serializer = BookingInput(data=request.data)
        if not serializer.is_valid():
            return 400, serializer.errors
        data = serializer.validated_data
        try:
            motive = _motive_for(request, str(data["motive"]))
            agenda = Agenda.objects.get(public_id=data["agenda"], is_active=True)
        except (Http404, Agenda.DoesNotExist):
            return 404, {"detail": "Motif ou agenda introuvable."}
        if data.get("person"):
            person = persons_visible(scope).filter(public_id=data["person"]).first()
            if person is None:
                return 404, {"person": ["Usager introuvable."]}
        else:
            organisation = request_acting_organisation(request)
            if organisation is None or not scope.may_edit_identity:
                return 403, {"detail": "Cette intégration ne peut pas créer d'usager."}
            person = person_create(
                data=PersonData(**data["new_person"]), organisation=organisation, scope=scope, acting_user=request_agent(request)
            )
            access_log_record(scope=scope, action=AccessLog.Action.CREATE, persons=[person], request=request)
        site = (
            Site.objects.filter(pk=data.get("booked_from_site"), organisation_id__in=scope.organisation_ids).first()
            if data.get("booked_from_site")
            else None
        )
        try:
            appointment = appointment_book(
                motive=motive,
                agenda=agenda,
                start=data["start"],
                persons=[person],
                actor=Actor.for_scope(scope, motive),
                booked_from_site=site,
                notes=data.get("notes", ""),
            )
        except SlotTaken as taken:
            agendas = dict(Agenda.objects.filter(pk__in={s.agenda_id for s in taken.next_slots}).values_list("pk", "public_id"))
            next_slots = [
                {"agenda": agendas[s.agenda_id], "start": s.start, "end": s.end, "site": s.site_id} for s in taken.next_slots
            ]
            return 409, {"detail": str(taken), "next_slots": SlotOutput(next_slots, many=True).data}
        access_log_record(scope=scope, action=AccessLog.Action.EDIT, persons=[person], request=request, detail="API rendez-vous")
        appointment = (
            Appointment.objects.select_related("motive__service", "agenda")
            .prefetch_related("participants")
            .get(pk=appointment.pk)
        )
        return 201, _output(request, [appointment])[0]


class AppointmentPatch(StrictInput):
    status = serializers.ChoiceField(
        choices=[status.value for status in (*Appointment.CANCELLED_STATUSES, *workflow.OUTCOMES)], required=False
    )
    cancel_reason = serializers.CharField(required=False, allow_blank=True, default="")
    start = serializers.DateTimeField(required=False, help_text="Nouvel horaire (déplacement)")
    agenda = serializers.UUIDField(required=False, help_text="Nouvel agenda (déplacement), par défaut le même")


class AppointmentDetailApi(APIView):
    @extend_schema(operation_id="appointments_retrieve", summary="Lire un rendez-vous", responses=AppointmentOutput)
    def get(self, request: Request, public_id: str) -> Response:
        appointment = appointment_get(scope=request_scope(request), public_id=public_id)
        return Response(_output(request, [appointment], log_read=True)[0])

    @extend_schema(
        operation_id="appointments_partial_update",
        summary="Annuler, déplacer ou indiquer l'issue d'un rendez-vous",
        request=AppointmentPatch,
        responses={200: AppointmentOutput, 409: None},
    )
    def patch(self, request: Request, public_id: str) -> Response:
        scope = request_scope(request)
        appointment = appointment_get(scope=scope, public_id=public_id)
        serializer = AppointmentPatch(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        actor = Actor.for_scope(scope, appointment.motive)
        if data.get("start"):
            agenda = (
                Agenda.objects.filter(public_id=data["agenda"], is_active=True).first()
                if data.get("agenda")
                else appointment.agenda
            )
            if agenda is None:
                return Response({"agenda": ["Agenda introuvable."]}, status=400)
            try:
                appointment = appointment_move(appointment=appointment, start=data["start"], agenda=agenda, actor=actor)
            except SlotTaken as taken:
                return Response({"detail": str(taken)}, status=409)
        elif data.get("status") in Appointment.CANCELLED_STATUSES:
            appointment = appointment_cancel(
                appointment=appointment,
                actor=actor,
                by_person=data["status"] == Appointment.Status.CANCELLED_BY_PERSON,
                reason=data.get("cancel_reason", ""),
            )
        elif data.get("status"):
            appointment = appointment_set_outcome(appointment=appointment, status=data["status"], actor=actor)
        else:
            return Response({"detail": "Rien à modifier : indiquez « status » ou « start »."}, status=400)
        return Response(_output(request, [appointment_get(scope=scope, public_id=public_id)])[0])


class SessionOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    motive = serializers.UUIDField(source="motive.public_id")
    title = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    site = serializers.IntegerField(source="site_id", allow_null=True)
    capacity = serializers.IntegerField()
    registered = serializers.IntegerField()


class SessionListApi(APIView):
    @extend_schema(
        operation_id="sessions_list",
        summary="Réunions collectives à venir d'un motif",
        parameters=[OpenApiParameter("motive", OpenApiTypes.UUID, required=True, description="Identifiant du motif")],
        responses=SessionOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        motive = _motive_for(request, request.query_params.get("motive", ""))
        sessions = collective_sessions_open(motive=motive, after=timezone.now(), until=timezone.now() + dt.timedelta(days=183))
        return Response(SessionOutput(sessions, many=True).data)


class RegistrationApi(APIView):
    @extend_schema(
        operation_id="sessions_register",
        summary="Inscrire un usager à une réunion collective (liste d'attente si complète)",
        request=inline_serializer("RegistrationInput", {"person": serializers.UUIDField()}),
        responses={
            201: inline_serializer(
                "Registration", {"status": serializers.CharField(), "seat": serializers.IntegerField(allow_null=True)}
            )
        },
    )
    def post(self, request: Request, public_id: str) -> Response:
        scope = request_scope(request)
        session = Appointment.objects.filter(public_id=public_id, motive__is_collective=True).select_related("motive").first()
        if session is None or not may_book_motive(scope, session.motive):
            raise Http404
        raw = str(request.data.get("person", "")) if isinstance(request.data, dict) else ""
        person: Person | None = persons_visible(scope).filter(public_id=raw).first() if _is_uuid(raw) else None
        if person is None:
            return Response({"person": ["Usager introuvable."]}, status=400)
        registration = session_register(session=session, person=person, actor=Actor.for_scope(scope, session.motive))
        access_log_record(scope=scope, action=AccessLog.Action.EDIT, persons=[person], request=request, detail="API inscription")
        return Response(
            {"status": registration.participant.status, "seat": registration.participant.seat}, status=status.HTTP_201_CREATED
        )


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
