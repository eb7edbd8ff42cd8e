"""Citizens' online booking, without an account: motive → place → slot (held ten minutes) → identity
→ confirmation; and the signed link to cancel or move. Nothing here ever shows a person's data
other than what the booker typed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from relais.appointments.links import InvalidLink, ManageLink, manage_token, read_manage_token, read_short_code
from relais.appointments.models import Agenda, AgendaWindow, Appointment, Motive
from relais.appointments.notifications import person_reachable
from relais.appointments.selectors import (
    Audience,
    collective_sessions_open,
    free_slots,
    motive_get,
    motive_territory,
    motives_bookable,
    sites_near,
    slot_is_free,
    slot_page,
)
from relais.appointments.services import (
    Actor,
    HoldExpired,
    SlotTaken,
    TooManyHolds,
    appointment_cancel,
    appointment_confirm_hold,
    appointment_hold,
    appointment_move,
    holds_release,
    session_register,
    session_unregister,
)
from relais.core.calendar import PARIS
from relais.core.http import PublicRequest
from relais.core.ratelimit import rate_limited
from relais.core.requests import client_key
from relais.people.citizen_form import CitizenIdentityForm
from relais.people.services import person_find_or_create_for_booking
from relais.portal.communes import communes_sorted
from relais.portal.forms import CancelForm, PlaceForm
from relais.territory.models import Site

SESSION_HOLDS = "portal_holds"
DAYS_PER_PAGE = 14


def _too_many(request: PublicRequest) -> HttpResponse:
    return render(request, "portal/too_many.html", status=429)


@login_not_required
def index(request: PublicRequest) -> HttpResponse:
    motives = list(motives_bookable(Audience.PUBLIC).order_by("service__name", "name"))
    services = [(service, list(items)) for service, items in groupby(motives, key=lambda motive: motive.service)]
    return render(request, "portal/index.html", {"services": services})


@login_not_required
def place(request: PublicRequest, motive_id: str) -> HttpResponse:
    motive = motive_get(public_id=motive_id, audience=Audience.PUBLIC)
    restricted = motive.communes.exists()
    form = PlaceForm(request.GET or None, territory=communes_sorted(motive_territory(motive)), restricted=restricted)
    offered = Site.objects.filter(
        Exists(AgendaWindow.objects.filter(site=OuterRef("pk"), opening__motives=motive, start__gte=timezone.now()))
    ).select_related("commune")
    sites = list(offered.order_by("name"))
    distances: dict[int, float] = {}
    if form.is_valid() and form.cleaned_data.get("commune"):
        commune = form.cleaned_data["commune"]
        distances = dict(sites_near(commune, km=1000))
        sites.sort(key=lambda site: distances.get(site.pk, float("inf")))
    context = {"motive": motive, "form": form, "sites": [(site, distances.get(site.pk)) for site in sites]}
    return render(request, "portal/place.html", context)


@dataclass(frozen=True)
class PortalSlot:
    start: dt.datetime
    agenda_public_id: str

    @property
    def local_start(self) -> dt.datetime:
        return self.start.astimezone(PARIS)


def _slot_days(motive: Motive, site: Site, start: dt.datetime) -> list[tuple[dt.date, list[PortalSlot]]]:
    """Free slots of the next two weeks at the site, one button per time (several counters may share it).
    Agendas are named by their public id: the browser never sees a database key."""
    slots = free_slots(
        motive=motive, start=start, end=start + dt.timedelta(days=DAYS_PER_PAGE), audience=Audience.PUBLIC, site_ids=[site.pk]
    )
    public_ids = dict(Agenda.objects.filter(pk__in={slot.agenda_id for slot in slots}).values_list("pk", "public_id"))
    seen: set[dt.datetime] = set()
    unique = []
    for slot in slots:
        if slot.start not in seen:
            seen.add(slot.start)
            unique.append(PortalSlot(start=slot.start, agenda_public_id=str(public_ids[slot.agenda_id])))
    return [(day, list(items)) for day, items in groupby(unique, key=lambda slot: slot.local_start.date())]


@login_not_required
def slots(request: PublicRequest, motive_id: str, site_id: int) -> HttpResponse:
    motive = motive_get(public_id=motive_id, audience=Audience.PUBLIC)
    site = Site.objects.filter(pk=site_id, is_active=True).first()
    if site is None:
        raise Http404("Lieu inconnu.")
    page = slot_page(request.GET.get("du"), days=DAYS_PER_PAGE)
    if motive.is_collective:
        sessions = collective_sessions_open(
            motive=motive, after=timezone.now(), until=timezone.now() + dt.timedelta(days=183)
        ).filter(site=site)
        return render(request, "portal/sessions.html", {"motive": motive, "site": site, "sessions": sessions})
    context = {
        "motive": motive, "site": site, "days": _slot_days(motive, site, page.start),
        "next_from": page.next_from.isoformat(), "previous_from": page.previous_from.isoformat() if page.previous_from else "",
    }  # fmt: skip
    return render(request, "portal/slots.html", context)


@login_not_required
@require_POST
def hold(request: PublicRequest, motive_id: str, site_id: int) -> HttpResponse:
    """Take the chosen slot for ten minutes, then ask who it is for."""
    if rate_limited(request, bucket="portal-hold", limit=30, per_seconds=3600):
        return _too_many(request)
    motive = motive_get(public_id=motive_id, audience=Audience.PUBLIC)
    try:
        start = dt.datetime.fromisoformat(request.POST.get("start", ""))
        agenda = Agenda.objects.get(public_id=request.POST.get("agenda", ""), is_active=True)
    except (ValueError, ValidationError, Agenda.DoesNotExist):
        raise Http404("Créneau inconnu.") from None
    if timezone.is_naive(start):
        raise Http404("Créneau inconnu.")
    # A visitor holds one slot at a time: choosing another gives the previous one back at once.
    previous = request.session.get(SESSION_HOLDS, [])
    holds_release(public_ids=previous)
    try:
        held = appointment_hold(motive=motive, agenda=agenda, start=start, owner=client_key(request))
    except (SlotTaken, ValidationError, PermissionDenied, TooManyHolds) as error:
        # Back to the slots, saying why: taken (with the next free ones), refused, or too many holds.
        site = get_object_or_404(Site, pk=site_id)
        context = {
            "motive": motive,
            "site": site,
            "days": _slot_days(motive, site, timezone.now()),
            "next_from": "",
            "previous_from": "",
        }
        if isinstance(error, SlotTaken):
            return render(request, "portal/slots.html", {**context, "taken": error}, status=409)
        reasons = error.messages if isinstance(error, ValidationError) else [str(error)]
        status = 429 if isinstance(error, TooManyHolds) else 422
        return render(request, "portal/slots.html", {**context, "refusal": " ".join(reasons)}, status=status)
    request.session[SESSION_HOLDS] = [*request.session.get(SESSION_HOLDS, [])[-9:], str(held.public_id)]
    return redirect("portal:details", hold_id=held.public_id)


def _own_hold(request: PublicRequest, hold_id: str) -> Appointment:
    """Only the browser that took the hold may see or fill it in."""
    if str(hold_id) not in request.session.get(SESSION_HOLDS, []):
        raise Http404("Réservation introuvable.")
    found = (
        Appointment.objects.select_related("motive__service", "site__commune", "agenda")
        .filter(public_id=hold_id, booked_online=True)
        .first()
    )
    if found is None:
        raise Http404("Réservation introuvable.")
    return found


@login_not_required
@require_http_methods(["GET", "POST"])
def details(request: PublicRequest, hold_id: str) -> HttpResponse:
    held = _own_hold(request, hold_id)
    if held.status == Appointment.Status.BOOKED:
        return redirect("portal:confirmed", hold_id=held.public_id)
    expired = held.status != Appointment.Status.HELD or (
        held.hold_expires_at is not None and held.hold_expires_at <= timezone.now()
    )
    form = CitizenIdentityForm(request.POST or None)
    if request.method == "POST" and not expired and form.is_valid():
        if rate_limited(request, bucket="portal-book", limit=10, per_seconds=3600):
            return _too_many(request)
        postcode = form.cleaned_data.get("postcode") or ""
        if held.motive.communes.exists() and not (
            postcode and held.motive.communes.filter(postcodes__contains=postcode).exists()
        ):
            names = ", ".join(held.motive.communes.values_list("name", flat=True)[:10])
            form.add_error("postcode", f"Ce motif est réservé aux habitants de : {names}. Indiquez votre code postal.")
        else:
            try:
                person = person_find_or_create_for_booking(
                    data=form.to_data(),
                    organisation_id=held.agenda.organisation_id,
                    origin=f"rendez-vous en ligne ({held.motive.name})",
                )
                appointment_confirm_hold(hold=held, persons=[person])
                return redirect("portal:confirmed", hold_id=held.public_id)
            except ValidationError as error:
                form.add_service_errors(error)
            except HoldExpired:
                expired = True
    return render(
        request, "portal/details.html", {"hold": held, "form": form, "expired": expired}, status=200 if not form.errors else 422
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def session_details(request: PublicRequest, session_id: str) -> HttpResponse:
    """Register for a collective session: a seat if one is free, else the waiting list."""
    session = (
        Appointment.objects.filter(public_id=session_id, motive__is_collective=True, motive__bookable_by=Motive.BookableBy.PUBLIC)
        .select_related("motive__service", "site__commune", "agenda")
        .first()
    )
    if session is None or session.status != Appointment.Status.BOOKED or session.start <= timezone.now():
        raise Http404("Réunion introuvable ou close.")
    form = CitizenIdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if rate_limited(request, bucket="portal-book", limit=10, per_seconds=3600):
            return _too_many(request)
        try:
            person = person_find_or_create_for_booking(
                data=form.to_data(),
                organisation_id=session.agenda.organisation_id,
                origin=f"réunion en ligne ({session.motive.name})",
            )
            registration = session_register(session=session, person=person, actor=Actor.citizen())
            return render(request, "portal/session_registered.html", {"session": session, "waiting": registration.waiting})
        except ValidationError as error:
            form.add_service_errors(error)
    return render(request, "portal/session_details.html", {"session": session, "form": form}, status=422 if form.errors else 200)


@login_not_required
def confirmed(request: PublicRequest, hold_id: str) -> HttpResponse:
    appointment = _own_hold(request, hold_id)
    if appointment.status != Appointment.Status.BOOKED:
        return redirect("portal:details", hold_id=appointment.public_id)
    # The browser that booked may keep the personal link at once (the message may be slow, or, with
    # a landline only, never come).
    person = appointment.persons.get()
    context = {
        "appointment": appointment,
        "manage_path": reverse("portal:manage", args=[manage_token(appointment, person)]),
        "reachable": person_reachable(person),
    }
    return render(request, "portal/confirmed.html", context)


def _link_actor(link: ManageLink) -> Actor:
    return Actor(label=f"{link.person.first_name} (lien personnel)", audience=Audience.PUBLIC)


def _move_proposal(link: ManageLink, params: QueryDict) -> tuple[dt.datetime, Agenda] | None:
    """The slot chosen to move to, if it is a real free slot of this motive (else None)."""
    try:
        start = dt.datetime.fromisoformat(params.get("start", ""))
        agenda = Agenda.objects.get(public_id=params.get("agenda", ""), is_active=True)
    except (ValueError, ValidationError, Agenda.DoesNotExist):
        return None
    if timezone.is_naive(start) or not slot_is_free(
        motive=link.appointment.motive, agenda=agenda, start=start, audience=Audience.PUBLIC
    ):
        return None
    return start, agenda


@login_not_required
@require_http_methods(["GET", "POST"])
def manage(request: PublicRequest, token: str) -> HttpResponse:
    """The personal link: see, cancel or move one's appointment until it starts.

    Each change redirects to this page, which then shows the appointment as it now is; a move is
    done only once the person has seen the old and the new time side by side and confirmed."""
    if rate_limited(request, bucket="portal-manage", limit=60, per_seconds=3600):
        return _too_many(request)
    try:
        link = read_manage_token(token)
    except InvalidLink as error:
        return render(request, "portal/invalid_link.html", {"reason": str(error)}, status=410)
    appointment = link.appointment
    changeable = appointment.status == Appointment.Status.BOOKED and not link.unregistered
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = CancelForm(request.POST if action == "cancel" else None)
    context: dict = {"appointment": appointment, "link": link, "form": form, "changeable": changeable}
    status = 200
    if changeable and action == "cancel":
        if form.is_valid():
            if appointment.motive.is_collective:
                # Leaving a collective session frees one seat (for the waiting list), not the session.
                session_unregister(participant=link.participant, actor=_link_actor(link))
                messages.success(request, "Votre inscription est annulée. Un message de confirmation vous a été envoyé.")
            else:
                appointment_cancel(appointment=appointment, actor=_link_actor(link), by_person=True)
                messages.success(request, "Votre rendez-vous est annulé. Un message de confirmation vous a été envoyé.")
            return redirect(request.path)
        status = 422
    elif changeable and action == "move":
        try:
            start = dt.datetime.fromisoformat(request.POST.get("start", ""))
            agenda = Agenda.objects.get(public_id=request.POST.get("agenda", ""), is_active=True)
            appointment_move(appointment=appointment, start=start, agenda=agenda, actor=_link_actor(link))
            messages.success(request, "Votre rendez-vous est déplacé. Un message de confirmation vous a été envoyé.")
            return redirect(request.path)
        except (ValueError, ValidationError, Agenda.DoesNotExist) as error:
            context["error"] = (
                " ".join(error.messages) if isinstance(error, ValidationError) else "Choisissez un des créneaux proposés."
            )
            status = 422
        except SlotTaken as taken:
            context["error"] = f"{taken} Choisissez un autre horaire."
            status = 409
    if changeable and appointment.site is not None and not appointment.motive.is_collective:
        if request.method == "GET" and "start" in request.GET:
            context["proposal"] = _move_proposal(link, request.GET)
            if context["proposal"] is None:
                context["error"] = "Ce créneau n'est plus libre : choisissez-en un autre."
        if not context.get("proposal"):
            page = slot_page(request.GET.get("du"), days=DAYS_PER_PAGE)
            context["days"] = _slot_days(appointment.motive, appointment.site, page.start)
            context["next_from"] = page.next_from.isoformat()
            context["previous_from"] = page.previous_from.isoformat() if page.previous_from else ""
    return render(request, "portal/manage.html", context, status=status)


@login_not_required
def short_link(request: PublicRequest, code: str) -> HttpResponse:
    """The short link sent by SMS: leads to the personal page, and fails the way the long link does."""
    if rate_limited(request, bucket="portal-manage", limit=60, per_seconds=3600):
        return _too_many(request)
    try:
        token = read_short_code(code)
    except InvalidLink as error:
        return render(request, "portal/invalid_link.html", {"reason": str(error)}, status=410)
    return redirect("portal:manage", token=token)
