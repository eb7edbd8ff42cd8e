"""Insertion indicators (issue 13 item 7): per département, adviser (referent), sector and employer.

For the proposals made in a period (by their creation date), of the candidates the départements hold:
- candidates: active profiles (département, adviser: those held; sector, employer: those proposed to);
- proposals, accepted by the person (the proposal reached « acceptée par la personne »), acceptance
  rate (accepted / proposals), interviews and hires (the proposal reached those steps, whenever);
- median days from the proposal to the hire (the day the hire was recorded);
- candidates with no proposal for 90 days: active profiles followed for 90 days or more, none of whose
  proposals is younger than 90 days (today, whatever the period);
- congestion: proposals per open position over the offers proposed in the period (mean, median,
  maximum) and its spread, the share of the proposals that went to the 10 % most-proposed offers;
- refusal reasons, counted per département.

Sectors group ROME domains (the first three characters of the code) as the issue names them."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max

from relais.core.tables import IndicatorTable, find_table
from relais.insertion.models import CandidateProfile, Proposal, ProposalEvent

# Sector → the ROME domains it groups; any other domain is « Autres secteurs ».
SECTORS: list[tuple[str, tuple[str, ...]]] = [
    ("Hôtellerie-restauration", ("G15", "G16", "G17", "G18")),
    ("Sécurité", ("K25",)),
    ("Aide à domicile", ("K13",)),
    ("Propreté", ("K22", "K23")),
    ("Bâtiment et travaux publics", ("F15", "F16", "F17")),
    ("Commerce", ("D11", "D12", "D14", "D15")),
    ("Logistique et transport", ("N11", "N41", "N42")),
    ("Emplois de bureau", ("M16",)),
]
OTHER_SECTOR = "Autres secteurs"
SECTOR_OF_DOMAIN = {domain: label for label, domains in SECTORS for domain in domains}
SECTOR_ORDER = [label for label, _ in SECTORS] + [OTHER_SECTOR]

NO_PROPOSAL_DAYS = 90
TOP_SHARE = 0.10  # the 10 % most-proposed offers

METRIC_HEADERS = [
    "Candidats actifs",
    "Propositions",
    "Acceptées par la personne",
    "Taux d'acceptation (%)",
    "Entretiens",
    "Embauches",
    "Délai médian proposition → embauche (jours)",
    "Sans proposition depuis 90 jours",
    "Propositions par poste : moyenne",
    "Propositions par poste : médiane",
    "Propositions par poste : maximum",
    "Part des propositions aux 10 % d'offres les plus sollicitées (%)",
]


def sector_of(rome_code_or_domain: str) -> str:
    return SECTOR_OF_DOMAIN.get(rome_code_or_domain[:3], OTHER_SECTOR)


@dataclass(frozen=True)
class ChartBar:
    label: str
    proposals: int
    hires: int
    y: int
    proposals_width: int
    hires_width: int


@dataclass
class InsertionIndicators:
    start: dt.date
    end: dt.date
    tables: list[IndicatorTable]
    totals: dict[str, Any] = field(default_factory=dict)
    chart: list[ChartBar] = field(default_factory=list)

    def table(self, key: str) -> IndicatorTable | None:
        return find_table(self.tables, key)


@dataclass
class _Row:
    """A proposal of the period, as the indicators read it."""

    pk: int
    created: dt.date
    status: str
    refusal_reason: str
    profile_id: int
    organisation: str
    adviser: str
    sector: str
    employer: str
    offer_id: int
    positions: int
    reached: set[str]
    hired_on: dt.date | None


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def congestion(proposals_per_offer: dict[int, int], positions: dict[int, int]) -> tuple[float | None, ...]:
    """(mean, median, max) of proposals per open position, and the share (%) of proposals that went
    to the 10 % most-proposed offers (at least one offer)."""
    if not proposals_per_offer:
        return (None, None, None, None)
    ratios = [count / max(positions[offer], 1) for offer, count in proposals_per_offer.items()]
    counts = sorted(proposals_per_offer.values(), reverse=True)
    top = max(1, math.ceil(TOP_SHARE * len(counts)))
    return (
        _number(statistics.fmean(ratios)),
        _number(statistics.median(ratios)),
        _number(max(ratios)),
        _percent(sum(counts[:top]), sum(counts)),
    )


def _metrics(rows: list[_Row], *, candidates: int, idle: int | None) -> list:
    agreed = sum(1 for row in rows if Proposal.Status.CANDIDATE_AGREED in row.reached)
    interviews = sum(1 for row in rows if Proposal.Status.INTERVIEW in row.reached)
    hires = [row for row in rows if Proposal.Status.HIRED in row.reached]
    delays = [(row.hired_on - row.created).days for row in hires if row.hired_on is not None]
    per_offer = Counter(row.offer_id for row in rows)
    positions = {row.offer_id: row.positions for row in rows}
    return [
        candidates,
        len(rows),
        agreed,
        _percent(agreed, len(rows)),
        interviews,
        len(hires),
        statistics.median(delays) if delays else None,
        idle,
        *congestion(per_offer, positions),
    ]


def _adviser_label(first: str | None, last: str | None, email: str | None) -> str:
    if not email:
        return "Sans référent"
    return f"{first or ''} {last or ''}".strip() or email


def insertion_indicators(*, organisation_ids: Iterable[int], start: dt.date, end: dt.date, today: dt.date) -> InsertionIndicators:
    organisation_ids = list(organisation_ids)
    proposals = (
        Proposal.objects.filter(
            profile__organisation_id__in=organisation_ids, created_at__date__gte=start, created_at__date__lte=end
        )
        .values(
            "pk", "created_at", "status", "refusal_reason", "profile_id", "profile__organisation__name",
            "profile__referent__first_name", "profile__referent__last_name", "profile__referent__email",
            "offer_id", "offer__positions", "offer__metier__domain", "offer__company__name",
        )
        .order_by("pk")
    )  # fmt: skip
    rows: dict[int, _Row] = {}
    for p in proposals:
        rows[p["pk"]] = _Row(
            pk=p["pk"],
            created=p["created_at"].date() if hasattr(p["created_at"], "date") else p["created_at"],
            status=p["status"],
            refusal_reason=p["refusal_reason"],
            profile_id=p["profile_id"],
            organisation=p["profile__organisation__name"],
            adviser=_adviser_label(
                p["profile__referent__first_name"], p["profile__referent__last_name"], p["profile__referent__email"]
            ),
            sector=sector_of(p["offer__metier__domain"]),
            employer=p["offer__company__name"],
            offer_id=p["offer_id"],
            positions=p["offer__positions"],
            reached={p["status"]},
            hired_on=None,
        )
    for proposal_id, to_status, at in ProposalEvent.objects.filter(proposal_id__in=list(rows)).values_list(
        "proposal_id", "to_status", "at"
    ):
        row = rows[proposal_id]
        row.reached.add(to_status)
        if to_status == Proposal.Status.HIRED:
            row.hired_on = at.date()
    all_rows = list(rows.values())

    # Active profiles held, and those without a proposal for 90 days (today).
    cutoff = today - dt.timedelta(days=NO_PROPOSAL_DAYS)
    profiles = (
        CandidateProfile.objects.filter(organisation_id__in=organisation_ids, is_active=True)
        .annotate(last_proposal=Max("proposals__created_at"))
        .values(
            "pk", "created_at", "last_proposal", "organisation__name",
            "referent__first_name", "referent__last_name", "referent__email",
        )
    )  # fmt: skip
    held: dict[str, Counter[str]] = {"organisation": Counter(), "adviser": Counter()}
    idle: dict[str, Counter[str]] = {"organisation": Counter(), "adviser": Counter()}
    active_ids: set[int] = set()
    for profile in profiles:
        active_ids.add(profile["pk"])
        keys = {
            "organisation": profile["organisation__name"],
            "adviser": _adviser_label(
                profile["referent__first_name"], profile["referent__last_name"], profile["referent__email"]
            ),
        }
        is_idle = profile["created_at"].date() <= cutoff and (
            profile["last_proposal"] is None or profile["last_proposal"].date() <= cutoff
        )
        for dimension, key in keys.items():
            held[dimension][key] += 1
            if is_idle:
                idle[dimension][key] += 1

    def breakdown(
        key: str, caption: str, label: str, group: Callable[[_Row], str], *, held_counts: str | None, order: list[str] | None
    ) -> IndicatorTable:
        grouped: dict[str, list[_Row]] = defaultdict(list)
        for row in all_rows:
            grouped[group(row)].append(row)
        names = set(grouped) | (set(held[held_counts]) if held_counts else set())
        ordered = [name for name in order if name in names] if order else sorted(names, key=str.casefold)
        table_rows = []
        for name in ordered:
            members = grouped.get(name, [])
            if held_counts:
                candidates, idle_count = held[held_counts][name], idle[held_counts][name]
            else:
                candidates, idle_count = len({r.profile_id for r in members if r.profile_id in active_ids}), None
            table_rows.append([name, *_metrics(members, candidates=candidates, idle=idle_count)])
        return IndicatorTable(key, caption, [label, *METRIC_HEADERS], table_rows)

    by_sector = breakdown("secteur", "Par secteur", "Secteur", lambda r: r.sector, held_counts=None, order=SECTOR_ORDER)
    tables = [
        breakdown(
            "departement", "Par département", "Département", lambda r: r.organisation, held_counts="organisation", order=None
        ),
        breakdown(
            "referent", "Par conseiller référent", "Conseiller référent", lambda r: r.adviser, held_counts="adviser", order=None
        ),
        by_sector,
        breakdown("employeur", "Par employeur", "Employeur", lambda r: r.employer, held_counts=None, order=None),
    ]
    organisations = sorted({row.organisation for row in all_rows}, key=str.casefold)
    reasons = dict(Proposal.RefusalReason.choices)
    refused = [row for row in all_rows if row.status == Proposal.Status.REFUSED]
    refusal_rows: list[list[Any]] = []
    for reason, reason_label in reasons.items():
        per_org = Counter(row.organisation for row in refused if row.refusal_reason == reason)
        total = sum(per_org.values())
        if total:
            refusal_rows.append([reason_label, total, *(per_org[org] for org in organisations)])
    refusal_rows.sort(key=lambda r: (-r[1], r[0]))
    tables.append(IndicatorTable("refus", "Motifs de refus", ["Motif du refus", "Refus", *organisations], refusal_rows))

    overall = _metrics(all_rows, candidates=len(active_ids), idle=sum(idle["organisation"].values()))
    totals = {
        "candidates": overall[0], "proposals": overall[1], "agreed": overall[2], "acceptance": overall[3], "interviews": overall[4], "hires": overall[5],
        "median_days": overall[6], "idle": overall[7], "mean_per_position": overall[8], "max_per_position": overall[10],
        "top_share": overall[11],
    }  # fmt: skip
    return InsertionIndicators(start=start, end=end, tables=tables, totals=totals, chart=_chart(by_sector))


CHART_WIDTH = 360  # px of the longest bar
CHART_ROW = 44


def _chart(table: IndicatorTable) -> list[ChartBar]:
    """Proposals and hires per sector as SVG bars (sizes as attributes: no inline style under the CSP)."""
    rows = [row for row in table.rows if row[2]]
    largest = max((row[2] for row in rows), default=0)
    bars = []
    for index, row in enumerate(rows):
        proposals, hires = row[2], row[6]
        bars.append(
            ChartBar(
                label=row[0],
                proposals=proposals,
                hires=hires,
                y=index * CHART_ROW,
                proposals_width=max(1, round(CHART_WIDTH * proposals / largest)) if largest else 0,
                hires_width=round(CHART_WIDTH * hires / largest) if largest else 0,
            )
        )
    return bars
