"""Agents' calendars (week and day, grid and table), today's appointments per site, collective
sessions, openings and absences of an agenda, its private feed, and the indicators."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from relais.appointments.calendar import PARIS
from relais.appointments.forms import AbsenceForm, IndicatorForm, OpeningForm, SessionForm
from relais.appointments.ics import agenda_feed_ics, feed_window
from relais.appointments.models import Agenda, Appointment, Motive
from relais.appointments.policies import may_manage_agenda
from relais.appointments.selectors import (
    agendas_visible,
    agent_usual_site_id,
    appointment_indicators,
    appointments_between,
    persons_shown,
    site_day,
)
from relais.appointments.services import (
    Actor,
    SlotTaken,
    absence_delete,
    absence_save,
    opening_delete,
    opening_save,
    session_create,
)
from relais.core.csv_export import ExcelCsv
from relais.core.forms import apply_errors
from relais.core.http import AgentRequest
from relais.privacy.reads import read_note
from relais.territory.models import Service, Site
from relais.territory.policies import AccessScope, agent_access_scope

DAY_START, DAY_END = 8, 19  # hours shown on the grid
ROW_MINUTES = 15
# The grid places cells with classes (cal-row-N, cal-span-N in relais.css, no style attribute under the
# Content-Security-Policy): a block spans at most a day's rows.
MAX_SPAN = 24 * 60 // ROW_MINUTES


def _day_param(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


def _agenda_for(scope: AccessScope, public_id: str | None) -> Agenda | None:
    if not public_id:
        return None
    try:
        return agendas_visible(scope).get(public_id=public_id)
    except (Agenda.DoesNotExist, ValidationError, ValueError):
        raise Http404("Agenda inconnu.") from None


def calendar(request: AgentRequest) -> HttpResponse:
    """Week or day, for one agenda, a site or a service; a grid and, beside it, the same as a table."""
    scope = agent_access_scope(request.user)
    view = "day" if request.GET.get("vue") == "jour" else "week"
    day = _day_param(request)
    first = day if view == "day" else day - dt.timedelta(days=day.weekday())
    days = [first + dt.timedelta(days=i) for i in range(1 if view == "day" else 6)]
    agenda = _agenda_for(scope, request.GET.get("agenda"))
    site = (
        Site.objects.filter(pk=_int(request.GET.get("site")), organisation_id__in=scope.organisation_ids).first()
        if request.GET.get("site")
        else None
    )
    service = (
        Service.objects.filter(pk=_int(request.GET.get("service")), pk__in=scope.member_service_ids).first()
        if request.GET.get("service")
        else None
    )
    if agenda is None and site is None and service is None:
        agenda = agendas_visible(scope).filter(agent=request.user).first()
    start = dt.datetime.combine(days[0], dt.time.min, PARIS)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time.min, PARIS)
    appointments = list(
        appointments_between(
            scope=scope,
            start=start,
            end=end,
            agenda_ids=[agenda.pk] if agenda else None,
            site_id=site.pk if site else None,
            service_id=service.pk if service else None,
        )
    )
    read_note(scope=scope, persons=persons_shown(appointments), detail="agenda")
    columns = []
    for index, column_day in enumerate(days):
        items = [a for a in appointments if timezone.localtime(a.start).date() == column_day]
        blocks = []
        for appointment in items:
            local_start, local_end = timezone.localtime(appointment.start), timezone.localtime(appointment.end)
            row = max(1, (local_start.hour - DAY_START) * 60 // ROW_MINUTES + local_start.minute // ROW_MINUTES + 1)
            span = min(MAX_SPAN, max(1, int((local_end - local_start).total_seconds() // 60) // ROW_MINUTES))
            blocks.append({"appointment": appointment, "row": row, "span": span})
        columns.append({"day": column_day, "appointments": items, "blocks": blocks, "column": index + 2})
    context = {
        "nav": "appointments", "view": view, "day": day, "columns": columns, "agenda": agenda, "site": site, "service": service,
        "agendas": agendas_visible(scope).order_by("name"),
        "sites": Site.objects.filter(organisation_id__in=scope.organisation_ids, is_active=True).order_by("name"),
        "services": Service.objects.filter(pk__in=scope.member_service_ids).order_by("name"),
        "previous": first - dt.timedelta(days=1 if view == "day" else 7), "next": first + dt.timedelta(days=1 if view == "day" else 7),
        "hours": [(f"{h:02d}:00", 2 + i * 60 // ROW_MINUTES) for i, h in enumerate(range(DAY_START, DAY_END))],
        "query": _query_without(request, "date"), "scope": scope,
    }  # fmt: skip
    template = "appointments/includes/calendar_body.html" if request.htmx else "appointments/calendar.html"
    return render(request, template, context)


def _int(value: str | None) -> int:
    """An id from the query string, or 0 (which matches nothing) when absent or malformed."""
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def today(request: AgentRequest) -> HttpResponse:
    """Today's appointments at a site (the agent's usual site by default), to welcome people."""
    scope = agent_access_scope(request.user)
    sites = Site.objects.filter(organisation_id__in=scope.organisation_ids, is_active=True).order_by("name")
    site = sites.filter(pk=_int(request.GET.get("site")) or agent_usual_site_id(request.user) or 0).first() or sites.first()
    day = timezone.localdate()
    at_site = site_day(scope=scope, site=site, day=day)
    read_note(
        scope=scope,
        persons=persons_shown(at_site.appointments),
        detail="accueil du jour",
    )
    context = {
        "nav": "appointments",
        "site": site,
        "sites": sites,
        "appointments": at_site.appointments,
        "partner_visits": at_site.partner_visits,
        "day": day,
        "now": timezone.now(),
    }
    return render(request, "appointments/today.html", context)


def sessions(request: AgentRequest) -> HttpResponse:
    scope = agent_access_scope(request.user)
    manageable = [agenda for agenda in agendas_visible(scope) if may_manage_agenda(scope, agenda)]
    motives = Motive.objects.filter(is_collective=True, is_active=True, service_id__in=scope.member_service_ids)
    form = SessionForm(request.POST or None, motives=motives)
    if request.method == "POST" and form.is_valid():
        motive = form.cleaned_data["motive"]
        agenda = next((a for a in manageable if a.pk == _int(request.POST.get("agenda"))), None) or next(
            (a for a in manageable if a.service_id == motive.service_id), None
        )
        if agenda is None:
            form.add_error(None, "Aucun agenda de votre service ne peut accueillir cette réunion.")
        else:
            try:
                session = session_create(
                    motive=motive, agenda=agenda, start=form.start(), actor=Actor.for_scope(scope, motive),
                    capacity=form.cleaned_data.get("capacity"), title=form.cleaned_data.get("title", ""),
                )  # fmt: skip
                messages.success(request, "La réunion est programmée.")
                return redirect("appointments:detail", public_id=session.public_id)
            except ValidationError as error:
                apply_errors(form, error)
            except SlotTaken as taken:
                form.add_error(None, f"{taken} L'agenda est déjà occupé à cette heure.")
    rows = (
        appointments_between(scope=scope, start=timezone.now(), end=timezone.now() + dt.timedelta(days=183))
        .filter(motive__is_collective=True)
        .annotate(
            registered=Count("participants", filter=Q(participants__status="registered"), distinct=True),
            waiting=Count("participants", filter=Q(participants__status="waiting"), distinct=True),
        )
    )
    context = {"nav": "appointments", "rows": rows, "form": form if motives.exists() else None, "agendas": manageable}
    return render(request, "appointments/sessions.html", context)


def agendas(request: AgentRequest) -> HttpResponse:
    scope = agent_access_scope(request.user)
    rows = [(agenda, may_manage_agenda(scope, agenda)) for agenda in agendas_visible(scope).order_by("name")]
    return render(request, "appointments/agendas.html", {"nav": "appointments", "rows": rows})


def _managed_agenda(request: AgentRequest, public_id: str) -> tuple[AccessScope, Agenda]:
    scope = agent_access_scope(request.user)
    agenda = _agenda_for(scope, public_id)
    if agenda is None or not may_manage_agenda(scope, agenda):
        raise Http404("Agenda inconnu.")
    return scope, agenda


def agenda_detail(request: AgentRequest, public_id: str) -> HttpResponse:
    scope, agenda = _managed_agenda(request, public_id)
    motives = Motive.objects.filter(service=agenda.service, is_active=True)
    sites = Site.objects.filter(organisation=agenda.organisation, is_active=True)
    opening_form = OpeningForm(
        request.POST if request.POST.get("form") == "opening" else None, motives=motives, sites=sites, prefix="opening"
    )
    absence_form = AbsenceForm(request.POST if request.POST.get("form") == "absence" else None, prefix="absence")
    if request.method == "POST":
        try:
            if request.POST.get("form") == "opening" and opening_form.is_valid():
                data = opening_form.cleaned_data
                opening_save(
                    scope=scope, agenda=agenda, motives=list(data["motives"]), weekdays=data["weekdays"], start_time=data["start_time"],
                    end_time=data["end_time"], valid_from=data["valid_from"], valid_until=data.get("valid_until"),
                    every_n_weeks=data["every_n_weeks"], site=data.get("site"), open_on_holidays=data["open_on_holidays"],
                )  # fmt: skip
                messages.success(request, "Plage d'ouverture enregistrée.")
                return redirect("appointments:agenda", public_id=public_id)
            if request.POST.get("form") == "absence" and absence_form.is_valid():
                starts_at, ends_at = absence_form.bounds()
                absence_save(
                    scope=scope, agenda=agenda, starts_at=starts_at, ends_at=ends_at, reason=absence_form.cleaned_data["reason"],
                    repeat_weekly_until=absence_form.cleaned_data.get("repeat_weekly_until"),
                )  # fmt: skip
                clashing = (
                    appointments_between(scope=scope, start=starts_at, end=ends_at, agenda_ids=[agenda.pk])
                    .filter(status="booked")
                    .count()
                )
                messages.success(
                    request,
                    "Absence enregistrée."
                    + (f" Attention : {clashing} rendez-vous déjà pris sur cette période sont à déplacer." if clashing else ""),
                )
                return redirect("appointments:agenda", public_id=public_id)
        except ValidationError as error:
            target = opening_form if request.POST.get("form") == "opening" else absence_form
            for field, errors in error.message_dict.items():
                target.add_error(field if field in target.fields else None, errors)
    context = {
        "nav": "appointments", "agenda": agenda, "openings": agenda.openings.prefetch_related("motives").select_related("site"),
        "absences": agenda.absences.filter(ends_at__gte=timezone.now() - dt.timedelta(days=1)).order_by("starts_at"),
        "opening_form": opening_form, "absence_form": absence_form,
        "feed_url": request.build_absolute_uri(f"/calendrier/{agenda.feed_token}.ics") if agenda.feed_token else "",
    }  # fmt: skip
    return render(request, "appointments/agenda.html", context)


@require_POST
def opening_remove(request: AgentRequest, public_id: str, opening_id: int) -> HttpResponse:
    scope, agenda = _managed_agenda(request, public_id)
    opening = agenda.openings.filter(pk=opening_id).first()
    if opening is None:
        raise Http404("Plage inconnue.")
    opening_delete(scope=scope, opening=opening)
    messages.success(request, "Plage d'ouverture supprimée. Les rendez-vous déjà pris sont conservés.")
    return redirect("appointments:agenda", public_id=public_id)


@require_POST
def absence_remove(request: AgentRequest, public_id: str, absence_id: int) -> HttpResponse:
    scope, agenda = _managed_agenda(request, public_id)
    absence = agenda.absences.filter(pk=absence_id).first()
    if absence is None:
        raise Http404("Absence inconnue.")
    absence_delete(scope=scope, absence=absence)
    messages.success(request, "Absence supprimée.")
    return redirect("appointments:agenda", public_id=public_id)


@require_POST
def feed_token(request: AgentRequest, public_id: str) -> HttpResponse:
    """Create (or replace) the private feed URL, or revoke it: an old URL stops working at once."""
    _scope, agenda = _managed_agenda(request, public_id)
    if agenda.agent_id not in (None, request.user.pk) and agenda.kind == Agenda.Kind.AGENT:
        raise PermissionDenied("Seul l'agent peut gérer le flux de son agenda.")
    agenda.feed_token = "" if request.POST.get("action") == "revoke" else agenda.new_feed_token()
    agenda.save(update_fields=["feed_token"])
    messages.success(
        request, "Flux révoqué." if not agenda.feed_token else "Nouvelle adresse de flux créée ; l'ancienne ne fonctionne plus."
    )
    return redirect("appointments:agenda", public_id=public_id)


@login_not_required
def feed(request: HttpRequest, token: str) -> HttpResponse:
    agenda = Agenda.objects.filter(feed_token=token, is_active=True).exclude(feed_token="").first() if len(token) >= 20 else None
    if agenda is None:
        raise Http404("Flux inconnu ou révoqué.")
    start, end = feed_window()
    appointments = (
        Appointment.objects.real()
        .filter(agenda=agenda, start__gte=start, start__lt=end)
        .select_related("motive__service", "site__commune")
        .order_by("start")
    )
    return HttpResponse(agenda_feed_ics(agenda.name, appointments), content_type="text/calendar; charset=utf-8")


def indicators(request: AgentRequest) -> HttpResponse:
    scope = agent_access_scope(request.user)
    today_ = timezone.localdate()
    # One default period, shown in the form and used for the figures (they once disagreed).
    default = {"date_from": today_ - dt.timedelta(days=90), "date_to": today_, "group_by": "motive"}
    form = IndicatorForm(request.GET or None, initial=default)
    if form.is_bound and form.is_valid():
        date_from, date_to, group_by = form.cleaned_data["date_from"], form.cleaned_data["date_to"], form.cleaned_data["group_by"]
    else:
        date_from, date_to, group_by = default["date_from"], default["date_to"], default["group_by"]
    rows = appointment_indicators(scope=scope, start=date_from, end=date_to, group_by=group_by)
    total = sum(r.total for r in rows)
    honoured, no_show = sum(r.honoured for r in rows), sum(r.no_show for r in rows)
    if request.GET.get("format") == "csv":
        writer = ExcelCsv(["Regroupement", "Rendez-vous", "Honorés", "Non honorés", "Annulés", "Taux d'absence (%)"])
        for row in rows:
            rate = f"{row.no_show_rate * 100:.1f}".replace(".", ",") if row.no_show_rate is not None else ""
            writer.writerow([row.label, row.total, row.honoured, row.no_show, row.cancelled, rate])
        return writer.response(f"rendez-vous-{date_from}-{date_to}.csv")
    context = {
        "nav": "appointments", "form": form, "rows": rows, "total": total, "date_from": date_from, "date_to": date_to,
        "no_show_rate": no_show / (honoured + no_show) if honoured + no_show else None, "query": request.GET.urlencode(),
    }  # fmt: skip
    return render(request, "appointments/indicators.html", context)
