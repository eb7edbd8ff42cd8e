"""Agents book from a person's file in three clicks (motive → slot → confirm), then follow the
appointment: move, cancel with a reason, mark honoured or no-show, download its calendar file."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from relais.appointments.forms import CancelForm, ConfirmBookingForm
from relais.appointments.ics import appointment_ics
from relais.appointments.models import Agenda, Appointment, Motive
from relais.appointments.policies import appointment_content_visible, may_book_motive, may_manage_agenda, may_manage_appointment
from relais.appointments.selectors import (
    Audience,
    agent_service_point,
    appointment_get,
    collective_sessions_open,
    free_slots,
    motive_get,
    motives_bookable,
    next_free_slots,
    slot_page,
)
from relais.appointments.services import (
    Actor,
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_move,
    appointment_set_outcome,
    session_register,
    session_unregister,
)
from relais.core.http import AgentRequest
from relais.core.redirects import safe_next
from relais.people.policies import persons_visible
from relais.people.selectors import person_get
from relais.privacy.models import AccessLog
from relais.privacy.reads import read_note
from relais.privacy.services import access_log_record
from relais.territory.models import Site
from relais.territory.policies import agent_access_scope

DAYS_SHOWN = 7  # one week of free slots per page, from a chosen date


def _audience(request: AgentRequest, motive: Motive) -> str:
    return Actor.for_scope(agent_access_scope(request.user), motive).audience


def _slot_week(request: AgentRequest, motive: Motive, site_id: int | None) -> dict:
    """A week of free slots from the chosen date (`?du=`), by default from the next free slot, with
    the agenda and the site of each (with « Tous les lieux » the site tells them apart)."""
    audience = _audience(request, motive)
    site_ids = [site_id] if site_id else None
    requested = request.GET.get("du")
    first = [] if requested else next_free_slots(motive=motive, audience=audience, site_ids=site_ids, count=1)
    page = slot_page(requested, days=DAYS_SHOWN, default=first[0].local_start.date() if first else None)
    slots = free_slots(motive=motive, start=page.start, end=page.end, audience=audience, site_ids=site_ids)
    agendas = Agenda.objects.in_bulk({slot.agenda_id for slot in slots})
    sites = Site.objects.in_bulk({slot.site_id for slot in slots if slot.site_id})
    rows = [(slot, agendas[slot.agenda_id], sites.get(slot.site_id or 0)) for slot in slots]
    return {
        "days": [(day, list(items)) for day, items in groupby(rows, key=lambda row: row[0].local_start.date())],
        "page": page,
        "last_day": page.next_from - dt.timedelta(days=1),
        "nothing_before_horizon": not requested and not first,
    }


def book_choose_motive(request: AgentRequest, person_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    person = person_get(scope=scope, public_id=person_id)
    motives = [
        motive for motive in motives_bookable(Audience.AGENT).order_by("service__name", "name") if may_book_motive(scope, motive)
    ]
    own = [m for m in motives if m.service_id in scope.member_service_ids]
    partners = [m for m in motives if m.service_id not in scope.member_service_ids]
    read_note(scope=scope, persons=[person], detail="prise de rendez-vous")
    return render(request, "appointments/book_motive.html", {"person": person, "own": own, "partners": partners, "nav": "people"})


def book_choose_slot(request: AgentRequest, person_id: str, motive_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    person = person_get(scope=scope, public_id=person_id)
    motive = motive_get(public_id=motive_id, audience=Audience.AGENT)
    if not may_book_motive(scope, motive):
        raise Http404("Motif inconnu.")
    read_note(scope=scope, persons=[person], detail="prise de rendez-vous")
    site_id = _int_or_none(request.GET.get("site"))
    context = {"person": person, "motive": motive, "nav": "people", "site_id": site_id}
    if motive.is_collective:
        context["sessions"] = collective_sessions_open(
            motive=motive, after=timezone.now(), until=timezone.now() + dt.timedelta(days=183)
        )
        return render(request, "appointments/book_session.html", context)
    context.update(_slot_week(request, motive, site_id))
    context["sites"] = Site.objects.filter(openings__motives=motive).distinct().order_by("name")
    return render(request, "appointments/book_slot.html", context)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
def book_confirm(request: AgentRequest, person_id: str, motive_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    person = person_get(scope=scope, public_id=person_id)
    motive = motive_get(public_id=motive_id, audience=Audience.AGENT)
    params = request.POST if request.method == "POST" else request.GET
    try:
        start = dt.datetime.fromisoformat(params.get("start", ""))
        agenda = Agenda.objects.select_related("site", "organisation").get(public_id=params.get("agenda", ""), is_active=True)
    except (ValueError, ValidationError, Agenda.DoesNotExist):
        raise Http404("Créneau inconnu.") from None
    service_points = Site.objects.filter(kind=Site.Kind.SERVICE_POINT, organisation_id__in=scope.organisation_ids, is_active=True)
    home_point = agent_service_point(request.user)
    # A mediator booking a visio-guichet books it for someone sitting at their point: the point is
    # where the person must come, so it is asked for (and filled in with the mediator's own point).
    # Other agents may book a visio for someone at home: for them the point stays optional.
    form = ConfirmBookingForm(
        request.POST or None, service_points=service_points, home_point=home_point,
        point_required=motive.is_visio and home_point is not None,
    )  # fmt: skip
    context = {"person": person, "motive": motive, "agenda": agenda, "start": start, "form": form, "nav": "people"}
    if request.method == "POST" and form.is_valid():
        try:
            appointment = appointment_book(
                motive=motive, agenda=agenda, start=start, persons=[person], actor=Actor.for_scope(scope, motive),
                booked_from_site=form.cleaned_data.get("booked_from_site"), notes=form.cleaned_data.get("notes", ""),
            )  # fmt: skip
        except SlotTaken as taken:
            context["taken"] = taken
            agendas = {a.pk: a for a in Agenda.objects.filter(pk__in={s.agenda_id for s in taken.next_slots})}
            context["alternatives"] = [(slot, agendas[slot.agenda_id]) for slot in taken.next_slots]
            return render(request, "appointments/book_confirm.html", context, status=409)
        except (ValidationError, PermissionDenied) as error:
            context["refusal"] = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            return render(request, "appointments/book_confirm.html", context, status=422)
        access_log_record(
            scope=scope, action=AccessLog.Action.EDIT, persons=[person], request=request, detail="rendez-vous réservé"
        )
        messages.success(request, f"Rendez-vous réservé le {timezone.localtime(appointment.start):%d/%m/%Y à %H:%M}.")
        return redirect("appointments:detail", public_id=appointment.public_id)
    return render(request, "appointments/book_confirm.html", context)


@require_POST
def book_session(request: AgentRequest, person_id: str, session_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    person = person_get(scope=scope, public_id=person_id)
    session = Appointment.objects.filter(public_id=session_id, motive__is_collective=True).select_related("motive").first()
    if session is None or not may_book_motive(scope, session.motive):
        raise Http404("Réunion inconnue.")
    try:
        registration = session_register(session=session, person=person, actor=Actor.for_scope(scope, session.motive))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("appointments:book_slot", person_id=person.public_id, motive_id=session.motive.public_id)
    access_log_record(
        scope=scope, action=AccessLog.Action.EDIT, persons=[person], request=request, detail="inscription à une réunion"
    )
    if registration.waiting:
        messages.warning(request, f"La réunion est complète : {person.display_name} est en liste d'attente.")
    else:
        messages.success(request, f"{person.display_name} est inscrit·e (place {registration.participant.seat}).")
    return redirect("people:detail", public_id=person.public_id)


def detail(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    appointment = appointment_get(scope=scope, public_id=public_id)
    all_participants = list(appointment.participants.select_related("person"))
    visible_ids = set(persons_visible(scope).filter(pk__in=[p.person_id for p in all_participants]).values_list("pk", flat=True))
    participants = [p for p in all_participants if p.person_id in visible_ids]
    read_note(scope=scope, persons=[p.person for p in participants], detail="rendez-vous")
    context = {
        "appointment": appointment,
        "participants": participants,
        "content_visible": appointment_content_visible(scope, appointment),
        "may_manage": may_manage_appointment(scope, appointment),
        "may_mark": may_manage_agenda(scope, appointment.agenda),
        "cancel_form": CancelForm(),
        "events": appointment.events.all(),
        "now": timezone.now(),
        "nav": "appointments",
    }
    return render(request, "appointments/detail.html", context)


def _actor(request: AgentRequest, appointment: Appointment) -> Actor:
    return Actor.for_scope(agent_access_scope(request.user), appointment.motive)


@require_POST
def set_outcome(request: AgentRequest, public_id: str) -> HttpResponse:
    appointment = appointment_get(scope=agent_access_scope(request.user), public_id=public_id)
    try:
        appointment_set_outcome(
            appointment=appointment, status=request.POST.get("status", ""), actor=_actor(request, appointment)
        )
        messages.success(request, "Le statut du rendez-vous est enregistré.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error))
    return redirect(safe_next(request, reverse("appointments:detail", kwargs={"public_id": public_id})))


@require_POST
def cancel(request: AgentRequest, public_id: str) -> HttpResponse:
    appointment = appointment_get(scope=agent_access_scope(request.user), public_id=public_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            appointment_cancel(
                appointment=appointment,
                actor=_actor(request, appointment),
                by_person=form.cleaned_data["by_person"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, "Le rendez-vous est annulé ; l'usager est prévenu.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied as error:
            messages.error(request, str(error))
    else:
        messages.error(request, "Indiquez le motif de l'annulation : il sera communiqué à l'usager.")
    return redirect("appointments:detail", public_id=public_id)


@require_http_methods(["GET", "POST"])
def move(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    appointment = appointment_get(scope=scope, public_id=public_id)
    if not may_manage_appointment(scope, appointment):
        raise PermissionDenied("Vous ne pouvez pas déplacer ce rendez-vous.")
    context: dict = {"appointment": appointment, "nav": "appointments", "site_id": None}
    if request.method == "POST":
        try:
            start = dt.datetime.fromisoformat(request.POST.get("start", ""))
            agenda = Agenda.objects.get(public_id=request.POST.get("agenda", ""), is_active=True)
            appointment_move(appointment=appointment, start=start, agenda=agenda, actor=_actor(request, appointment))
            messages.success(request, "Le rendez-vous est déplacé ; l'usager est prévenu.")
            return redirect("appointments:detail", public_id=public_id)
        except (ValueError, ValidationError, Agenda.DoesNotExist) as error:
            context["error"] = (
                " ".join(error.messages) if isinstance(error, ValidationError) else "Choisissez un des créneaux proposés."
            )
        except SlotTaken as taken:
            context["error"] = str(taken)
    context.update(_slot_week(request, appointment.motive, None))
    return render(request, "appointments/move.html", context)


@require_POST
def unregister(request: AgentRequest, public_id: str, person_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    session = appointment_get(scope=scope, public_id=public_id)
    participant = session.participants.filter(person__public_id=person_id).exclude(status="cancelled").first()
    if participant is None or not may_manage_appointment(scope, session):
        raise Http404("Participant introuvable.")
    promoted = session_unregister(participant=participant, actor=_actor(request, session))
    messages.success(
        request,
        "Désinscription enregistrée."
        + (f" {promoted.person.display_name} quitte la liste d'attente et prend la place." if promoted else ""),
    )
    return redirect("appointments:detail", public_id=public_id)


def ics(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    appointment = appointment_get(scope=scope, public_id=public_id)
    restricted = not appointment_content_visible(scope, appointment)
    response = HttpResponse(appointment_ics(appointment, restricted=restricted), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="rendez-vous-{timezone.localtime(appointment.start):%Y%m%d-%H%M}.ics"'
    )
    return response
