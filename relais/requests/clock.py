"""The legal clock of a request (Code des relations entre le public et l'administration).

Pure functions, no Django: the same code answers the agents' pages, the queues, the scheduled
implicit decisions and `relais deadline`. Worked examples are in docs/legal-clock.md.

Rules implemented
- L231-1 / L231-4: at the end of the delay, silence means acceptance or rejection (the regime).
- L114-3: a rejection delay runs from receipt by the first administration seized; an acceptance
  delay only from receipt by the competent one (after a forward, its own receipt date).
- L114-5: missing documents. For acceptance, the delay starts only when the documents arrive
  (no implicit acceptance while they are missing). For rejection, the delay is suspended during
  the time given to provide them, and the suspension ends early when they arrive.
- Months are counted "de quantième à quantième" (15 January + 2 months = 15 March); when that day
  does not exist, the last day of the month (31 December + 2 months = 28 or 29 February).
- Whether a date falling on a Saturday, Sunday or public holiday moves to the next working day is
  not settled for implicit decisions: `shift_non_working_days` (default False) decides.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from relais.core.wording import count_of


class Regime(StrEnum):
    ACCEPTANCE = "acceptance"  # silence vaut accord
    REJECTION = "rejection"  # silence vaut rejet


class DelayUnit(StrEnum):
    MONTHS = "months"
    DAYS = "days"


@dataclass(frozen=True)
class MissingDocuments:
    requested_on: dt.date
    deadline: dt.date
    received_on: dt.date | None = None


@dataclass(frozen=True)
class ClockResult:
    regime: Regime
    starts_on: dt.date | None  # when the delay starts running (None: it has not started)
    implicit_decision_date: dt.date | None  # None while the clock cannot run (acceptance, documents missing)
    suspended_days: int
    explanation: str


def add_months(day: dt.date, months: int) -> dt.date:
    """From date to same date; the last day of the month when that date does not exist."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_delay(day: dt.date, value: int, unit: DelayUnit) -> dt.date:
    return add_months(day, value) if unit == DelayUnit.MONTHS else day + dt.timedelta(days=value)


def next_working_day(day: dt.date, is_holiday: Callable[[dt.date], bool]) -> dt.date:
    while day.weekday() >= 5 or is_holiday(day):
        day += dt.timedelta(days=1)
    return day


def implicit_decision(
    *,
    received_on: dt.date,
    regime: Regime,
    delay: int,
    unit: DelayUnit = DelayUnit.MONTHS,
    competent_received_on: dt.date | None = None,
    missing_documents: MissingDocuments | None = None,
    shift_non_working_days: bool = False,
    is_holiday: Callable[[dt.date], bool] = lambda day: False,
) -> ClockResult:
    """When silence becomes a decision, and why."""
    if delay <= 0:
        raise ValueError("Le délai doit être positif.")
    if competent_received_on and competent_received_on < received_on:
        raise ValueError("La réception par le service compétent ne peut précéder la première réception.")
    regime = Regime(regime)
    notes: list[str] = []
    if regime == Regime.ACCEPTANCE:
        start = competent_received_on or received_on
        if competent_received_on:
            notes.append(
                f"délai courant à compter de la réception par le service compétent ({competent_received_on:%d/%m/%Y}, L114-3)"
            )
        suspended = 0
        if missing_documents:
            if missing_documents.received_on is None:
                return ClockResult(
                    regime, None, None, 0,
                    "demande incomplète : le délai d'acceptation ne court qu'à réception des pièces manquantes (L114-5)",
                )  # fmt: skip
            start = max(start, missing_documents.received_on)
            notes.append(f"délai courant à compter de la réception des pièces ({missing_documents.received_on:%d/%m/%Y}, L114-5)")
        result = add_delay(start, delay, unit)
    else:
        start = received_on
        if competent_received_on:
            notes.append("délai de rejet courant dès la réception par la première administration saisie (L114-3)")
        suspended = 0
        if missing_documents:
            end = missing_documents.deadline
            if missing_documents.received_on and missing_documents.received_on < end:
                end = missing_documents.received_on
            suspended = max((end - missing_documents.requested_on).days, 0)
            notes.append(f"délai suspendu {count_of(suspended, 'jour')} pendant la demande de pièces (L114-5)")
        result = add_delay(start, delay, unit) + dt.timedelta(days=suspended)
    if shift_non_working_days:
        shifted = next_working_day(result, is_holiday)
        if shifted != result:
            notes.append(f"reporté du {result:%d/%m/%Y} au premier jour ouvré")
            result = shifted
    # Written whole: "d'" before a vowel only ("d'acceptation", "de rejet").
    label = "décision implicite d'acceptation" if regime == Regime.ACCEPTANCE else "décision implicite de rejet"
    explanation = f"{label} le {result:%d/%m/%Y}" + (f" ({'; '.join(notes)})" if notes else "")
    return ClockResult(regime, start, result, suspended, explanation)
