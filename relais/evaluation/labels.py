"""A service point checked against a label's rules (`Label`, data the administrator edits): its
weekly opening, its partners and its mediators, and in French what is missing.

Opening hours are the union of what Relais knows — the opening periods of the active agendas that
receive at the site (an opening placed at the site, or a counter agenda of the site without a place
of its own) — and of the hours the site declares (`DeclaredOpening`). Overlaps count once.
An opening every N weeks counts 1/N of its hours: the week is averaged over the N-week cycle (the
cycle of every opening, weeks counted from the Monday of its validity start as for bookings), so
two alternating fortnightly openings make a full weekly one. A day counts as an opening day when it
is open every week of the cycle: a Saturday open one week in two adds its hours, not a day.

Every read is grouped for all the sites checked at once (`label_checks` makes the same handful of
queries for one site or a hundred).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from relais.appointments.models import Agenda, Appointment, Motive, OpeningPeriod
from relais.evaluation.models import WEEKDAYS, DeclaredOpening, Label, SitePartner
from relais.territory.models import Membership, Organisation, Site

PRESENCE_DAYS = 90  # visio-guichet appointments booked from the site in that many days make a partner present
MAX_CYCLE_WEEKS = 12

Interval = tuple[int, int]  # minutes from midnight, [start, end)


class Source:
    DECLARED = "déclaré par le point d'accueil"
    AGENDA = "agenda au point d'accueil"
    VISIO = "visio-guichet réservé depuis le point d'accueil"


@dataclass(frozen=True)
class Opening:
    """A site's typical week: per weekday (0 = Monday), the merged time ranges (of any week of the
    cycle) and the average hours over the cycle."""

    intervals: dict[int, list[Interval]]
    hours_by_day: dict[int, Decimal]
    regular_days: frozenset[int]

    @property
    def weekly_hours(self) -> Decimal:
        return sum(self.hours_by_day.values(), Decimal(0))

    @property
    def open_days(self) -> int:
        return len(self.regular_days)

    def describe(self) -> list[str]:
        """« lundi : 09:00–12:00, 14:00–17:00 » per open day."""
        return [
            f"{WEEKDAYS[day]} : " + ", ".join(f"{_hhmm(start)}–{_hhmm(end)}" for start, end in self.intervals[day])
            + ("" if day in self.regular_days else " (certaines semaines)")
            for day in sorted(self.intervals)
            if self.intervals[day]
        ]  # fmt: skip


@dataclass(frozen=True)
class PartnerPresence:
    partner: Organisation
    sources: tuple[str, ...]


@dataclass
class LabelCheck:
    site: Site
    label: Label
    on: dt.date
    opening: Opening
    partners: list[PartnerPresence]
    mediators: int
    missing: list[str] = field(default_factory=list)

    @property
    def weekly_hours(self) -> Decimal:
        return self.opening.weekly_hours

    @property
    def open_days(self) -> int:
        return self.opening.open_days

    @property
    def partner_count(self) -> int:
        return len(self.partners)

    @property
    def ok(self) -> bool:
        return not self.missing


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(time: dt.time) -> int:
    return time.hour * 60 + time.minute


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def format_hours(hours: Decimal) -> str:
    """18 → « 18 h », 22.5 → « 22,5 h », 22.25 → « 22,25 h »."""
    text = f"{hours.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " h"


# --- reading -----------------------------------------------------------------------------------------


def _periods_by_site(sites: Sequence[Site], on: dt.date) -> dict[int, list[OpeningPeriod]]:
    """The opening periods valid on `on` of active agendas receiving at each site: one query."""
    ids = [site.pk for site in sites]
    periods = (
        OpeningPeriod.objects.filter(agenda__is_active=True, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .filter(Q(site__in=ids) | Q(site__isnull=True, agenda__kind=Agenda.Kind.COUNTER, agenda__site__in=ids))
        .select_related("agenda__organisation")
    )
    result: dict[int, list[OpeningPeriod]] = defaultdict(list)
    for period in periods:
        site_id = period.site_id or period.agenda.site_id
        if site_id is not None:
            result[site_id].append(period)
    return result


def _declared_by_site(sites: Sequence[Site]) -> dict[int, list[DeclaredOpening]]:
    result: dict[int, list[DeclaredOpening]] = defaultdict(list)
    for declared in DeclaredOpening.objects.filter(site__in=[site.pk for site in sites]):
        result[declared.site_id].append(declared)
    return result


def _opening(periods: Sequence[OpeningPeriod], declared: Sequence[DeclaredOpening], on: dt.date) -> Opening:
    cycle = 1
    for period in periods:
        cycle = math.lcm(cycle, max(1, period.every_n_weeks))
    cycle = min(cycle, MAX_CYCLE_WEEKS)
    monday = on - dt.timedelta(days=on.weekday())
    weekly: dict[int, list[Interval]] = defaultdict(list)
    for item in declared:
        weekly[item.weekday].append((_minutes(item.start_time), _minutes(item.end_time)))
    minutes_by_day: dict[int, int] = defaultdict(int)
    every_union: dict[int, list[Interval]] = defaultdict(list)
    open_weeks: dict[int, int] = defaultdict(int)
    for offset in range(cycle):
        week_start = monday + dt.timedelta(weeks=offset)
        days: dict[int, list[Interval]] = defaultdict(list, {day: list(ranges) for day, ranges in weekly.items()})
        for period in periods:
            anchor = period.valid_from - dt.timedelta(days=period.valid_from.weekday())
            if ((week_start - anchor).days // 7) % max(1, period.every_n_weeks):
                continue
            for day in period.weekdays:
                days[int(day)].append((_minutes(period.start_time), _minutes(period.end_time)))
        for day, ranges in days.items():
            merged = _merge(ranges)
            if merged:
                open_weeks[day] += 1
                minutes_by_day[day] += sum(end - start for start, end in merged)
                every_union[day].extend(merged)
    return Opening(
        intervals={day: _merge(ranges) for day, ranges in every_union.items()},
        hours_by_day={day: Decimal(total) / Decimal(60 * cycle) for day, total in minutes_by_day.items() if total},
        regular_days=frozenset(day for day, weeks in open_weeks.items() if weeks == cycle),
    )


def _openings(sites: Sequence[Site], on: dt.date, periods: dict[int, list[OpeningPeriod]] | None = None) -> dict[int, Opening]:
    periods = _periods_by_site(sites, on) if periods is None else periods
    declared = _declared_by_site(sites)
    return {site.pk: _opening(periods.get(site.pk, []), declared.get(site.pk, []), on) for site in sites}


def weekly_opening(site: Site, on: dt.date | None = None) -> Opening:
    """The site's opening hours in a typical week around `on` (today by default)."""
    day = on or timezone.localdate()
    return _openings([site], day)[site.pk]


def _partners(
    sites: Sequence[Site], on: dt.date, periods: dict[int, list[OpeningPeriod]] | None = None
) -> dict[int, list[PartnerPresence]]:
    """Partners present at each site, with what says so (three queries for every site)."""
    ids = [site.pk for site in sites]
    found: dict[int, dict[int, tuple[Organisation, list[str]]]] = defaultdict(dict)

    def add(site_id: int, partner: Organisation, source: str) -> None:
        entry = found[site_id].setdefault(partner.pk, (partner, []))
        if source not in entry[1]:
            entry[1].append(source)

    for declared in SitePartner.objects.filter(site__in=ids).select_related("partner"):
        add(declared.site_id, declared.partner, Source.DECLARED)
    for site_id, site_periods in (_periods_by_site(sites, on) if periods is None else periods).items():
        for period in site_periods:
            if period.agenda.organisation.is_partner:
                add(site_id, period.agenda.organisation, Source.AGENDA)
    since = dt.datetime.combine(on - dt.timedelta(days=PRESENCE_DAYS), dt.time(0), tzinfo=dt.UTC)
    until = dt.datetime.combine(on + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    booked = (
        Appointment.objects.filter(
            booked_from_site__in=ids, motive__channel=Motive.Channel.VISIO, status__in=Appointment.BUSY_STATUSES,
            start__gte=since, start__lt=until, agenda__organisation__kind=Organisation.Kind.PARTNER,
        )
        .values_list("booked_from_site_id", "agenda__organisation_id")
        .distinct()
    )  # fmt: skip
    pairs = list(booked)
    organisations = Organisation.objects.in_bulk({partner_id for _, partner_id in pairs})
    for site_id, partner_id in pairs:
        add(site_id, organisations[partner_id], Source.VISIO)
    return {
        site.pk: sorted(
            (PartnerPresence(partner=partner, sources=tuple(sources)) for partner, sources in found[site.pk].values()),
            key=lambda presence: presence.partner.name,
        )
        for site in sites
    }


def site_partners(site: Site, on: dt.date | None = None) -> list[PartnerPresence]:
    """The partners present at the site: declared, receiving there by an agenda, or met by
    visio-guichet appointments booked from it in the last 90 days; each with its sources."""
    return _partners([site], on or timezone.localdate())[site.pk]


def _mediator_counts(sites: Sequence[Site]) -> dict[int, int]:
    counts: dict[int, set[int]] = defaultdict(set)
    memberships = Membership.objects.filter(
        site__in=[site.pk for site in sites], role=Membership.Role.MEDIATOR, is_active=True, agent__is_active=True
    ).values_list("site_id", "agent_id")
    for site_id, agent_id in memberships:
        counts[site_id].add(agent_id)
    return {site.pk: len(counts[site.pk]) for site in sites}


def mediators(site: Site) -> int:
    """Active mediators whose usual site is this one."""
    return _mediator_counts([site])[site.pk]


# --- checking ------------------------------------------------------------------------------------------


def _missing(check: LabelCheck, required: Sequence[Organisation]) -> list[str]:
    label, missing = check.label, []
    hours, wanted = check.weekly_hours, Decimal(label.min_weekly_hours)
    if hours < wanted:
        lacking = wanted - hours
        word = "manquantes" if lacking >= 2 else "manquante"
        missing.append(
            f"Ouverture : {format_hours(hours)} par semaine, il en faut {format_hours(wanted)[:-2]} "
            f"({format_hours(lacking)} {word})."
        )
    if check.open_days < label.min_open_days:
        missing.append(f"Jours d'ouverture : {check.open_days}, il en faut {label.min_open_days}.")
    if check.partner_count < label.min_partners:
        missing.append(f"Partenaires : {check.partner_count}, il en faut au moins {label.min_partners}.")
    if label.max_partners is not None and check.partner_count > label.max_partners:
        missing.append(f"Partenaires : {check.partner_count}, il en faut au plus {label.max_partners}.")
    present = {presence.partner.pk for presence in check.partners}
    missing += [f"Partenaire exigé absent : {partner.name}." for partner in required if partner.pk not in present]
    if check.mediators < label.min_mediators:
        missing.append(f"Médiateurs : {check.mediators}, il en faut au moins {label.min_mediators}.")
    return missing


def label_checks(sites: Iterable[Site], labels: Iterable[Label] | None = None, on: dt.date | None = None) -> list[LabelCheck]:
    """Each site checked against each label (every active label by default), site by site."""
    day = on or timezone.localdate()
    site_list = list(sites)
    label_list = (
        list(labels) if labels is not None else list(Label.objects.filter(is_active=True).prefetch_related("required_partners"))
    )
    if not site_list or not label_list:
        return []
    required = {label.pk: sorted(label.required_partners.all(), key=lambda partner: partner.name) for label in label_list}
    periods = _periods_by_site(site_list, day)
    openings, partners = _openings(site_list, day, periods), _partners(site_list, day, periods)
    mediator_counts = _mediator_counts(site_list)
    checks = []
    for site in site_list:
        for label in label_list:
            check = LabelCheck(
                site=site, label=label, on=day, opening=openings[site.pk], partners=partners[site.pk],
                mediators=mediator_counts[site.pk],
            )  # fmt: skip
            check.missing = _missing(check, required[label.pk])
            checks.append(check)
    return checks


def check_site(site: Site, label: Label, on: dt.date | None = None) -> LabelCheck:
    return label_checks([site], [label], on)[0]
