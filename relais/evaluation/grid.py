"""The weekly counting grid of a service point: visits per partner and kind of help in one ISO week.

A cell shows its saved count or, until the grid is saved, a prefill from what Relais already knows
of that week at the site:
- counter exchanges recorded at the site → « Information, orientation », for the partner who
  recorded them when it is a partner organisation (a permanence), else « Sans partenaire »;
- visio exchanges recorded at the site → « Visio-guichet », same rule for the partner;
- honoured visio-guichet appointments booked from the site → « Visio-guichet », for the partner
  whose agenda received the person.
Sources are added: an agent who logs an exchange for a visio appointment counts it twice, which
the mediator corrects in the grid (a prefill is a proposal, the saved count is the record).

Saving writes every cell of the grid in one transaction, refuses a closed week and a grid saved by
someone else since it was loaded (`version`), and loses nothing: the caller shows the submitted
values again with the errors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from relais.appointments.models import Appointment, Motive
from relais.core.calendar import PARIS
from relais.evaluation.imports import MAX_WEEKLY_COUNT, week_label
from relais.evaluation.models import SitePartner, VisitCount, VisitKind, WeekClosure, week_monday
from relais.evaluation.policies import may_count, may_manage
from relais.exchanges.models import Channel, Exchange
from relais.territory.models import Agent, Organisation, Site

NO_PARTNER_LABEL = "Sans partenaire"

CellKey = tuple[int | None, str]  # (partner id or None, VisitKind value)


class GridError(Exception):
    """A save, closure or reopening refused; `cells` holds a French message per cell when the values are wrong."""

    def __init__(self, message: str, *, cells: Mapping[CellKey, str] | None = None, conflict: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.cells = dict(cells or {})
        self.conflict = conflict  # someone else saved the grid meanwhile


@dataclass(frozen=True)
class GridCell:
    partner: Organisation | None
    kind: str
    label: str  # read aloud with the input: "CAF92 — Visio-guichet"
    saved: int | None
    prefill: int

    @property
    def key(self) -> CellKey:
        return (self.partner.pk if self.partner else None, self.kind)

    @property
    def name(self) -> str:
        """The form field's name: partner id (0 for none) and kind, nothing else from the browser."""
        return f"cell-{self.partner.pk if self.partner else 0}-{self.kind}"

    @property
    def value(self) -> int:
        return self.saved if self.saved is not None else self.prefill

    @property
    def is_prefilled(self) -> bool:
        return self.saved is None and self.prefill > 0


@dataclass(frozen=True)
class GridRow:
    partner: Organisation | None
    label: str
    cells: list[GridCell]

    @property
    def total(self) -> int:
        return sum(cell.value for cell in self.cells)


@dataclass
class Grid:
    site: Site
    week: dt.date  # the Monday
    rows: list[GridRow]
    kinds: list[tuple[str, str]]
    closure: WeekClosure | None
    version: str  # what the saved cells were when the grid was read
    last_saved_by: Agent | None = None
    last_saved_at: dt.datetime | None = None
    column_totals: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.column_totals = [sum(row.cells[i].value for row in self.rows) for i in range(len(self.kinds))]

    @property
    def total(self) -> int:
        return sum(self.column_totals)

    @property
    def label(self) -> str:
        return week_label(self.week)

    @property
    def sunday(self) -> dt.date:
        return self.week + dt.timedelta(days=6)

    @property
    def has_prefill(self) -> bool:
        return any(cell.is_prefilled for row in self.rows for cell in row.cells)

    def cells(self) -> list[GridCell]:
        return [cell for row in self.rows for cell in row.cells]


def week_bounds(week: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The ISO week from Monday 00:00 to the next Monday 00:00, Paris time."""
    start = dt.datetime.combine(week, dt.time(0), PARIS)
    return start, dt.datetime.combine(week + dt.timedelta(days=7), dt.time(0), PARIS)


def week_has_ended(week: dt.date, today: dt.date | None = None) -> bool:
    return (today or timezone.localdate()) > week + dt.timedelta(days=6)


def _prefill(site: Site, week: dt.date) -> Counter[CellKey]:
    """What Relais recorded at the site that week, by cell (three grouped queries)."""
    start, end = week_bounds(week)
    counts: Counter[CellKey] = Counter()
    exchanges = (
        Exchange.objects.filter(
            site=site, channel__in=[Channel.COUNTER, Channel.VISIO], occurred_at__gte=start, occurred_at__lt=end
        )
        .values("channel", "organisation_id", "organisation__kind")
        .annotate(n=Count("pk"))
    )
    for group in exchanges:
        partner_id = group["organisation_id"] if group["organisation__kind"] == Organisation.Kind.PARTNER else None
        kind = VisitKind.VISIO if group["channel"] == Channel.VISIO else VisitKind.INFORMATION
        counts[(partner_id, kind)] += group["n"]
    appointments = (
        Appointment.objects.filter(
            booked_from_site=site, motive__channel=Motive.Channel.VISIO, status=Appointment.Status.HONOURED,
            start__gte=start, start__lt=end,
        )
        .values("agenda__organisation_id", "agenda__organisation__kind")
        .annotate(n=Count("pk"))
    )  # fmt: skip
    for booked in appointments:
        partner_id = (
            booked["agenda__organisation_id"] if booked["agenda__organisation__kind"] == Organisation.Kind.PARTNER else None
        )
        counts[(partner_id, VisitKind.VISIO)] += booked["n"]
    return counts


def _version(saved: list[VisitCount]) -> str:
    state = sorted(f"{cell.pk}:{cell.count}:{cell.updated_at.isoformat()}" for cell in saved)
    return hashlib.sha256("|".join(state).encode()).hexdigest()[:16]


def _saved_cells(site: Site, week: dt.date) -> list[VisitCount]:
    return list(VisitCount.objects.filter(site=site, week=week).select_related("updated_by"))


def grid_for(site: Site, week_monday_: dt.date) -> Grid:
    """The grid of a site for a week: one row per partner relevant to the site (declared there,
    counted that week, or met in the week's data) and « Sans partenaire »; one column per kind."""
    week = week_monday(week_monday_)
    saved = _saved_cells(site, week)
    prefill = _prefill(site, week)
    partner_ids = set(SitePartner.objects.filter(site=site).values_list("partner_id", flat=True))
    partner_ids |= {cell.partner_id for cell in saved if cell.partner_id}
    partner_ids |= {partner_id for partner_id, _ in prefill if partner_id}
    partners = sorted(Organisation.objects.filter(pk__in=partner_ids), key=lambda p: (p.name.lower(), p.pk))
    by_key = {(cell.partner_id, cell.kind): cell.count for cell in saved}
    rows = []
    for partner in [*partners, None]:
        head = partner.code if partner else NO_PARTNER_LABEL
        cells = [
            GridCell(
                partner=partner, kind=kind, label=f"{head} — {kind_label}",
                saved=by_key.get((partner.pk if partner else None, kind)), prefill=prefill[(partner.pk if partner else None, kind)],
            )
            for kind, kind_label in VisitKind.choices
        ]  # fmt: skip
        rows.append(
            GridRow(partner=partner, label=f"{partner.name} ({partner.code})" if partner else NO_PARTNER_LABEL, cells=cells)
        )
    latest = max(saved, key=lambda cell: cell.updated_at, default=None)
    closure = WeekClosure.objects.filter(site=site, week=week).select_related("closed_by").first()
    return Grid(
        site=site, week=week, rows=rows, kinds=list(VisitKind.choices), closure=closure, version=_version(saved),
        last_saved_by=latest.updated_by if latest else None, last_saved_at=latest.updated_at if latest else None,
    )  # fmt: skip


def _parse_cell(raw: str) -> tuple[int | None, str | None]:
    """A submitted value: an integer from 0 to MAX_WEEKLY_COUNT (empty reads as 0), or a French message."""
    text = (raw or "").strip().replace("\u202f", "").replace(" ", "")
    if not text:
        return 0, None
    if not text.isdecimal():  # not isdigit(): « ² » is a digit that int() refuses
        if text.startswith("-") and text[1:].isdecimal():
            return None, f"« {raw} » : un nombre de visites ne peut pas être négatif."
        return None, f"« {raw} » : saisissez un nombre entier de visites (0, 1, 2…)."
    value = int(text)
    if value > MAX_WEEKLY_COUNT:
        return None, f"« {raw} » : plus de {MAX_WEEKLY_COUNT} visites en une semaine, vérifiez la saisie."
    return value, None


def _closed_message(closure: WeekClosure) -> str:
    who = f" par {closure.closed_by}" if closure.closed_by else ""
    return (
        f"La semaine {week_label(closure.week)} a été clôturée{who} le {timezone.localtime(closure.closed_at):%d/%m/%Y à %H:%M} : "
        "elle ne se modifie plus. Demandez au responsable du point d'accueil de la rouvrir."
    )


@transaction.atomic
def grid_save(site: Site, week: dt.date, values: Mapping[CellKey, str], agent: Agent, *, version: str) -> int:
    """Record every cell of the grid (the values as typed, keyed by cell); returns how many cells changed.

    Refused, with nothing written: a week closed, a value that is not a whole number of visits
    (a message per cell), a grid saved by someone else since it was read (`version` no longer
    matches). A cell left at 0 without a saved count or a prefill writes no row."""
    if not may_count(agent, site):
        raise PermissionDenied
    week = week_monday(week)
    # One save at a time per site: the row lock orders concurrent saves on PostgreSQL (SQLite's
    # transactions take the write lock at their start).
    Site.objects.select_for_update().filter(pk=site.pk).first()
    if week > timezone.localdate():  # as the import: counts of a week to come are a mistake
        raise GridError(
            f"La semaine {week_label(week)} n'a pas commencé : ses visites se comptent à partir du lundi {week:%d/%m/%Y}."
        )
    current = grid_for(site, week)
    if current.closure is not None:
        raise GridError(_closed_message(current.closure))
    cells = {cell.key: cell for cell in current.cells()}
    parsed: dict[CellKey, int] = {}
    errors: dict[CellKey, str] = {}
    for key, raw in values.items():
        if key not in cells:
            continue  # a partner that is not a row of this grid: nothing the page offered
        value, error = _parse_cell(raw)
        if error:
            errors[key] = error
        elif value is not None:
            parsed[key] = value
    if errors:
        raise GridError(
            "Certaines cases ne sont pas des nombres de visites valides : rien n'a été enregistré, corrigez-les.", cells=errors
        )
    if version != current.version:
        who = current.last_saved_by or "un autre agent"
        when = f" à {timezone.localtime(current.last_saved_at):%H:%M le %d/%m/%Y}" if current.last_saved_at else ""
        raise GridError(
            f"{who} a enregistré cette grille{when}, après que vous l'avez ouverte : vos valeurs n'ont pas été "
            "enregistrées pour ne pas effacer les siennes. Elles sont affichées ci-dessous, avec les valeurs "
            "enregistrées entre-temps ; vérifiez-les puis enregistrez de nouveau.",
            conflict=True,
        )
    existing = {(c.partner_id, c.kind): c for c in VisitCount.objects.select_for_update().filter(site=site, week=week)}
    now = timezone.now()
    new, updated = [], []
    for key, value in parsed.items():
        cell = existing.get(key)
        if cell is None:
            if value == 0 and cells[key].prefill == 0:
                continue
            new.append(VisitCount(site=site, week=week, partner_id=key[0], kind=key[1], count=value, updated_by=agent))
        elif cell.count != value:
            cell.count, cell.source, cell.updated_by, cell.updated_at = value, VisitCount.Source.GRID, agent, now
            updated.append(cell)
    VisitCount.objects.bulk_create(new)
    VisitCount.objects.bulk_update(updated, ["count", "source", "updated_by", "updated_at"])
    return len(new) + len(updated)


@transaction.atomic
def week_close(site: Site, week: dt.date, agent: Agent) -> WeekClosure:
    """The site's manager closes an ended week: its grid no longer changes from the page."""
    if not may_manage(agent, site):
        raise PermissionDenied
    week = week_monday(week)
    Site.objects.select_for_update().filter(pk=site.pk).first()  # as grid_save: a save never lands in a closed week
    if not week_has_ended(week):
        raise GridError(
            f"La semaine {week_label(week)} n'est pas terminée : elle pourra être clôturée "
            f"à partir du lundi {week + dt.timedelta(days=7):%d/%m/%Y}."
        )
    closure, created = WeekClosure.objects.get_or_create(site=site, week=week, defaults={"closed_by": agent})
    if not created:
        raise GridError(_closed_message(closure))
    return closure


@transaction.atomic
def week_reopen(site: Site, week: dt.date, agent: Agent) -> None:
    if not may_manage(agent, site):
        raise PermissionDenied
    Site.objects.select_for_update().filter(pk=site.pk).first()
    deleted, _ = WeekClosure.objects.filter(site=site, week=week_monday(week)).delete()
    if not deleted:
        raise GridError(f"La semaine {week_label(week_monday(week))} n'est pas clôturée.")
