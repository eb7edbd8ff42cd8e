"""The figures of the evaluation report (issue 14, item 4), for any period, site, partner and service.

- Rates are over the answers that answered that question (an empty satisfaction is not "not
  satisfied"), given as a fraction between 0 and 1 with their denominator; None without answers.
- Visits come from the weekly counting grid. A week belongs to the period when its Thursday does
  (the ISO rule that gives a week to a year), so that each week counts in exactly one month.
- Visio-guichet sessions are the grid's "visio" cells; the appointments give the honoured sessions
  and the no-shows at service points, and the travel avoided.
- Travel avoided, for each person at an honoured visio-guichet held at a service point: the round
  trip from their commune to the partner's nearest office, minus the round trip to the service
  point, never below zero; distances between town halls as the crow flies times
  EVALUATION_ROAD_FACTOR. The CO₂ is those km times EVALUATION_EMISSION_FACTOR_KG_PER_KM.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from relais.appointments.models import Appointment, AppointmentQuerySet, Motive, Participant
from relais.evaluation.models import NO, SATISFIED, YES, Expectation, Reason, Satisfaction, SurveyResponse, VisitCount, VisitKind
from relais.territory.models import Commune, Organisation, Service, Site
from relais.territory.selectors import commune_distance_km

RATE_DIGITS = 4

_Rows = TypeVar("_Rows", bound=QuerySet)


@dataclass(frozen=True)
class Scope:
    """What a report covers: a period (both days included), and optionally sites, a partner, a service."""

    date_from: dt.date
    date_to: dt.date
    sites: tuple[Site, ...] = ()
    partner: Organisation | None = None
    service: Service | None = None

    @property
    def site_ids(self) -> list[int]:
        return [site.pk for site in self.sites]

    def narrow(self, rows: _Rows, *, site: str, partner: str, service: str | None = None) -> _Rows:
        """The rows of the chosen sites, partner and service, each named by its lookup in the rows'
        model (visit counts have no service: they leave it out)."""
        lookups: dict[str, Any] = {}
        if self.sites:
            lookups[f"{site}__in"] = self.site_ids
        if self.partner:
            lookups[partner] = self.partner
        if self.service and service:
            lookups[service] = self.service
        return rows.filter(**lookups)


def rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, RATE_DIGITS) if denominator else None


def weeks_of_period(date_from: dt.date, date_to: dt.date) -> Q:
    """The Mondays of the weeks whose Thursday falls in the period."""
    return Q(week__gte=date_from - dt.timedelta(days=3), week__lte=date_to - dt.timedelta(days=3))


# --- answers ---------------------------------------------------------------------------------------


def responses_in(scope: Scope) -> QuerySet[SurveyResponse]:
    responses = SurveyResponse.objects.filter(answered_on__gte=scope.date_from, answered_on__lte=scope.date_to)
    return scope.narrow(responses, site="site", partner="partner", service="service")


@dataclass
class SurveyFigures:
    answers: int
    satisfaction: dict[str, int]
    expectation: dict[str, int]
    recommend: dict[str, int]
    reasons: dict[str, int]
    by_channel: dict[str, int]
    reasons_answered: int = 0  # answers giving at least one reason

    @property
    def satisfaction_answered(self) -> int:
        return sum(self.satisfaction.values())

    @property
    def expectation_answered(self) -> int:
        return sum(self.expectation.values())

    @property
    def recommend_answered(self) -> int:
        return self.recommend[YES] + self.recommend[NO]

    @property
    def satisfied_rate(self) -> float | None:
        return rate(sum(self.satisfaction[level] for level in SATISFIED), self.satisfaction_answered)

    @property
    def very_satisfied_rate(self) -> float | None:
        return rate(self.satisfaction[Satisfaction.VERY], self.satisfaction_answered)

    @property
    def fully_met_rate(self) -> float | None:
        return rate(self.expectation[Expectation.FULLY], self.expectation_answered)

    @property
    def recommend_rate(self) -> float | None:
        return rate(self.recommend[YES], self.recommend_answered)


def survey_figures(responses: QuerySet[SurveyResponse]) -> SurveyFigures:
    satisfaction: Counter[str] = Counter()
    expectation: Counter[str] = Counter()
    recommend: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    answers = reasons_answered = 0
    rows = responses.values_list("satisfaction", "expectation", "recommend", "reasons", "channel")
    for level, met, would_recommend, reason_codes, channel in rows.iterator(chunk_size=2000):
        answers += 1
        if level:
            satisfaction[level] += 1
        if met:
            expectation[met] += 1
        if would_recommend is not None:
            recommend[YES if would_recommend else NO] += 1
        if reason_codes:
            reasons_answered += 1
            reasons.update(reason_codes)
        by_channel[channel] += 1
    return SurveyFigures(
        answers=answers,
        satisfaction={level: satisfaction[level] for level in Satisfaction.values},
        expectation={met: expectation[met] for met in Expectation.values},
        recommend={YES: recommend[YES], NO: recommend[NO]},
        reasons={reason: reasons[reason] for reason in Reason.values},
        by_channel=dict(by_channel.most_common()),
        reasons_answered=reasons_answered,
    )


# --- visits ----------------------------------------------------------------------------------------


def counts_in(scope: Scope) -> QuerySet[VisitCount]:
    counts = VisitCount.objects.filter(weeks_of_period(scope.date_from, scope.date_to))
    return scope.narrow(counts, site="site", partner="partner")


@dataclass
class VisitFigures:
    total: int
    by_partner: dict[str, int]  # partner code → visits, most visited first
    without_partner: int
    by_kind: dict[str, int]
    visio_sessions: int
    weeks: int  # site-weeks with at least one count


def visit_figures(counts: QuerySet[VisitCount]) -> VisitFigures:
    by_partner = Counter[str]()
    by_kind = Counter[str]()
    without_partner = 0
    for partner_code, kind, count in counts.values_list("partner__code", "kind").annotate(n=Sum("count")).order_by():
        by_kind[kind] += count
        if partner_code:
            by_partner[partner_code] += count
        else:
            without_partner += count
    # Ties in the ranking go by code, so that two runs print the same order.
    ranked = dict(sorted(by_partner.items(), key=lambda item: (-item[1], item[0])))
    return VisitFigures(
        total=sum(by_kind.values()),
        by_partner=ranked,
        without_partner=without_partner,
        by_kind={kind: by_kind[kind] for kind in VisitKind.values},
        visio_sessions=by_kind[VisitKind.VISIO],
        weeks=counts.values("site", "week").distinct().count(),
    )


# --- visio-guichet appointments and travel avoided -------------------------------------------------


def visio_appointments_in(scope: Scope) -> AppointmentQuerySet:
    """Visio-guichet appointments taken from a service point, by their day in Paris time."""
    start = timezone.make_aware(dt.datetime.combine(scope.date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(scope.date_to + dt.timedelta(days=1), dt.time.min))
    appointments = Appointment.objects.real().filter(
        start__gte=start, start__lt=end, motive__channel=Motive.Channel.VISIO,
        booked_from_site__kind=Site.Kind.SERVICE_POINT,
    )  # fmt: skip
    return scope.narrow(appointments, site="booked_from_site", partner="agenda__organisation", service="motive__service")


@dataclass
class TravelFigures:
    km_avoided: float
    trips_counted: int  # persons at honoured sessions whose avoided trip could be measured
    trips_unknown: int  # … whose commune, or whose partner's office, has no known position
    road_factor: float
    emission_factor_kg_per_km: float
    emission_factor_source: str

    @property
    def co2_avoided_kg(self) -> float:
        return round(self.km_avoided * self.emission_factor_kg_per_km, 1)


def _offices_by_partner(partner_ids: Iterable[int]) -> dict[int, list[Commune]]:
    offices: dict[int, list[Commune]] = {}
    sites = (
        Site.objects.filter(organisation__in=list(partner_ids), is_active=True, commune__latitude__isnull=False)
        .exclude(kind=Site.Kind.SERVICE_POINT)
        .select_related("commune")
    )
    for site in sites:
        assert site.commune is not None  # filtered above
        offices.setdefault(site.organisation_id, []).append(site.commune)
    return offices


def travel_avoided(appointments: AppointmentQuerySet) -> TravelFigures:
    honoured = appointments.filter(status=Appointment.Status.HONOURED)
    attendances = list(
        Participant.objects.filter(appointment__in=honoured, status=Participant.Status.REGISTERED).values_list(
            "person__commune_code", "appointment__agenda__organisation_id", "appointment__booked_from_site__commune_id"
        )
    )
    communes = Commune.objects.in_bulk({code for row in attendances for code in (row[0], row[2]) if code})
    offices = _offices_by_partner({row[1] for row in attendances})
    road = settings.EVALUATION_ROAD_FACTOR
    km = 0.0
    counted = unknown = 0
    for home_code, partner_id, point_code in attendances:
        home, point = communes.get(home_code), communes.get(point_code)
        partner_offices = offices.get(partner_id, [])
        to_point = commune_distance_km(home, point) if home and point else None
        to_offices = [d for office in partner_offices if home and (d := commune_distance_km(home, office)) is not None]
        if to_point is None or not to_offices:
            unknown += 1
            continue
        counted += 1
        km += max(0.0, 2 * road * (min(to_offices) - to_point))
    return TravelFigures(
        km_avoided=round(km, 1), trips_counted=counted, trips_unknown=unknown, road_factor=road,
        emission_factor_kg_per_km=settings.EVALUATION_EMISSION_FACTOR_KG_PER_KM,
        emission_factor_source=settings.EVALUATION_EMISSION_FACTOR_SOURCE,
    )  # fmt: skip


@dataclass
class VisioFigures:
    booked: int  # not cancelled: booked, honoured or missed
    honoured: int
    no_shows: int

    @property
    def no_show_rate(self) -> float | None:
        return rate(self.no_shows, self.honoured + self.no_shows)


def visio_figures(appointments: AppointmentQuerySet) -> VisioFigures:
    statuses: Counter[str] = Counter(appointments.not_cancelled().values_list("status", flat=True))
    return VisioFigures(
        booked=sum(statuses.values()),
        honoured=statuses[Appointment.Status.HONOURED],
        no_shows=statuses[Appointment.Status.NO_SHOW],
    )


# --- the report ------------------------------------------------------------------------------------


@dataclass
class EvaluationFigures:
    scope: Scope
    survey: SurveyFigures
    visits: VisitFigures
    visio: VisioFigures
    travel: TravelFigures


def evaluation_figures(scope: Scope) -> EvaluationFigures:
    appointments = visio_appointments_in(scope)
    return EvaluationFigures(
        scope=scope,
        survey=survey_figures(responses_in(scope)),
        visits=visit_figures(counts_in(scope)),
        visio=visio_figures(appointments),
        travel=travel_avoided(appointments),
    )


def report_json(figures: EvaluationFigures) -> dict[str, Any]:
    """The JSON of `relais evaluation-report` (its keys are a public interface: README)."""
    survey, visits, travel = figures.survey, figures.visits, figures.travel
    return {
        "period": {"from": figures.scope.date_from.isoformat(), "to": figures.scope.date_to.isoformat()},
        "sites": [site.code for site in figures.scope.sites],
        "answers": survey.answers,
        "satisfied_rate": survey.satisfied_rate,
        "very_satisfied_rate": survey.very_satisfied_rate,
        "fully_met_rate": survey.fully_met_rate,
        "recommend_rate": survey.recommend_rate,
        "denominators": {
            "satisfied_rate": survey.satisfaction_answered,
            "very_satisfied_rate": survey.satisfaction_answered,
            "fully_met_rate": survey.expectation_answered,
            "recommend_rate": survey.recommend_answered,
        },
        "satisfaction": survey.satisfaction,
        "expectation": survey.expectation,
        "reasons": survey.reasons,
        "reasons_answered": survey.reasons_answered,
        "visits_total": visits.total,
        "visits_by_partner": visits.by_partner,
        "visits_without_partner": visits.without_partner,
        "visits_by_kind": visits.by_kind,
        "visio_sessions": visits.visio_sessions,
        "visio_appointments": {
            "booked": figures.visio.booked,
            "honoured": figures.visio.honoured,
            "no_shows": figures.visio.no_shows,
            "no_show_rate": figures.visio.no_show_rate,
        },
        "km_avoided": travel.km_avoided,
        "co2_avoided_kg": travel.co2_avoided_kg,
        "emission_factor_kg_per_km": travel.emission_factor_kg_per_km,
        "emission_factor_source": travel.emission_factor_source,
        "travel": {
            "trips_counted": travel.trips_counted,
            "trips_unknown": travel.trips_unknown,
            "road_factor": travel.road_factor,
        },
    }


# --- month by month --------------------------------------------------------------------------------

MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]


def months_of(scope: Scope) -> list[tuple[int, int]]:
    months, (year, month) = [], (scope.date_from.year, scope.date_from.month)
    while (year, month) <= (scope.date_to.year, scope.date_to.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_label(year: int, month: int) -> str:
    return f"{MONTHS[month - 1]} {year}"


@dataclass
class MonthFigures:
    label: str
    visits: int
    visio_sessions: int
    answers: int
    satisfied: int
    satisfaction_answered: int

    @property
    def satisfied_rate(self) -> float | None:
        return rate(self.satisfied, self.satisfaction_answered)


def monthly_figures(scope: Scope) -> list[MonthFigures]:
    """Visits (weeks by their Thursday), visio sessions and answers, month by month."""
    visits: Counter[tuple[int, int]] = Counter()
    visio: Counter[tuple[int, int]] = Counter()
    for week, kind, count in counts_in(scope).values_list("week", "kind").annotate(n=Sum("count")).order_by():
        thursday = week + dt.timedelta(days=3)
        visits[(thursday.year, thursday.month)] += count
        if kind == VisitKind.VISIO:
            visio[(thursday.year, thursday.month)] += count
    answers: Counter[tuple[int, int]] = Counter()
    satisfied: Counter[tuple[int, int]] = Counter()
    answered: Counter[tuple[int, int]] = Counter()
    for day, level in responses_in(scope).values_list("answered_on", "satisfaction").iterator(chunk_size=2000):
        key = (day.year, day.month)
        answers[key] += 1
        if level:
            answered[key] += 1
            satisfied[key] += level in SATISFIED
    return [
        MonthFigures(month_label(*key), visits[key], visio[key], answers[key], satisfied[key], answered[key])
        for key in months_of(scope)
    ]
