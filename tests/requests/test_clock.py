"""The legal clock: worked examples (also in docs/legal-clock.md) and properties."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from relais.requests.clock import DelayUnit, MissingDocuments, Regime, add_months, implicit_decision

D = dt.date

WORKED_EXAMPLES = [
    # (received, regime, months, competent, documents, expected)
    (D(2026, 1, 15), "acceptance", 2, None, None, D(2026, 3, 15)),
    (D(2025, 12, 31), "acceptance", 2, None, None, D(2026, 2, 28)),
    (D(2027, 12, 31), "acceptance", 2, None, None, D(2028, 2, 29)),
    (D(2026, 8, 31), "rejection", 1, None, None, D(2026, 9, 30)),
    (D(2026, 3, 10), "acceptance", 2, D(2026, 3, 24), None, D(2026, 5, 24)),
    (D(2026, 3, 10), "rejection", 2, D(2026, 3, 24), None, D(2026, 5, 10)),
    (D(2026, 3, 10), "acceptance", 2, None, MissingDocuments(D(2026, 3, 20), D(2026, 4, 20), D(2026, 4, 2)), D(2026, 6, 2)),
    (D(2026, 3, 10), "acceptance", 2, None, MissingDocuments(D(2026, 3, 20), D(2026, 4, 20), None), None),
    (D(2026, 3, 10), "rejection", 2, None, MissingDocuments(D(2026, 3, 20), D(2026, 4, 20), D(2026, 4, 2)), D(2026, 5, 23)),
    (D(2026, 3, 10), "rejection", 2, None, MissingDocuments(D(2026, 3, 20), D(2026, 4, 20), None), D(2026, 6, 10)),
    (D(2026, 1, 5), "acceptance", 4, None, None, D(2026, 5, 5)),
]


@pytest.mark.parametrize(("received", "regime", "months", "competent", "documents", "expected"), WORKED_EXAMPLES)
def test_worked_examples(received, regime, months, competent, documents, expected):
    result = implicit_decision(
        received_on=received, regime=Regime(regime), delay=months, competent_received_on=competent, missing_documents=documents
    )
    assert result.implicit_decision_date == expected


def test_days_delays_and_the_optional_shift_to_a_working_day():
    saturday = implicit_decision(received_on=D(2026, 3, 6), regime=Regime.ACCEPTANCE, delay=15, unit=DelayUnit.DAYS)
    assert saturday.implicit_decision_date == D(2026, 3, 21)
    shifted = implicit_decision(
        received_on=D(2026, 3, 6), regime=Regime.ACCEPTANCE, delay=15, unit=DelayUnit.DAYS, shift_non_working_days=True
    )
    assert shifted.implicit_decision_date == D(2026, 3, 23) and "premier jour ouvré" in shifted.explanation
    holiday = implicit_decision(
        received_on=D(2026, 3, 14),
        regime=Regime.ACCEPTANCE,
        delay=2,
        shift_non_working_days=True,
        is_holiday=lambda d: d == D(2026, 5, 14),
    )
    assert holiday.implicit_decision_date == D(2026, 5, 15)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="positif"):
        implicit_decision(received_on=D(2026, 1, 1), regime=Regime.ACCEPTANCE, delay=0)
    with pytest.raises(ValueError, match="compétent"):
        implicit_decision(received_on=D(2026, 1, 10), regime=Regime.ACCEPTANCE, delay=2, competent_received_on=D(2026, 1, 5))


dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31))


@given(day=dates, months=st.integers(1, 24))
def test_months_run_from_date_to_same_date_or_the_last_day(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or (result.day < day.day and (result + dt.timedelta(days=1)).day == 1)


@given(day=dates, months=st.integers(1, 12), regime=st.sampled_from(list(Regime)))
def test_the_decision_always_comes_after_receipt_and_later_receipt_never_makes_it_earlier(day, months, regime):
    first = implicit_decision(received_on=day, regime=regime, delay=months).implicit_decision_date
    later = implicit_decision(received_on=day + dt.timedelta(days=1), regime=regime, delay=months).implicit_decision_date
    assert day < first <= later


@given(day=dates, months=st.integers(1, 6), gap=st.integers(1, 60), allowed=st.integers(1, 90), answer=st.integers(0, 120))
def test_missing_documents_never_bring_the_decision_earlier(day, months, gap, allowed, answer):
    requested = day + dt.timedelta(days=gap)
    documents = MissingDocuments(requested, requested + dt.timedelta(days=allowed), requested + dt.timedelta(days=answer))
    for regime in Regime:
        plain = implicit_decision(received_on=day, regime=regime, delay=months).implicit_decision_date
        with_documents = implicit_decision(received_on=day, regime=regime, delay=months, missing_documents=documents)
        assert with_documents.implicit_decision_date >= plain
        if regime == Regime.REJECTION:
            assert with_documents.suspended_days <= allowed  # the suspension never exceeds the time given


@given(day=dates, months=st.integers(1, 6), delay_days=st.integers(0, 30))
def test_forwarding_delays_acceptance_but_not_rejection(day, months, delay_days):
    competent = day + dt.timedelta(days=delay_days)
    acceptance = implicit_decision(received_on=day, regime=Regime.ACCEPTANCE, delay=months, competent_received_on=competent)
    rejection = implicit_decision(received_on=day, regime=Regime.REJECTION, delay=months, competent_received_on=competent)
    assert acceptance.implicit_decision_date == add_months(competent, months)
    assert rejection.implicit_decision_date == add_months(day, months)


def test_relais_deadline_prints_json(db):
    out = StringIO()
    call_command(
        "deadline", "--received", "2026-03-10", "--regime", "rejection", "--months", "2",
        "--documents-requested-on", "2026-03-20", "--documents-deadline", "2026-04-20", "--documents-received-on", "2026-04-02", stdout=out,
    )  # fmt: skip
    result = json.loads(out.getvalue())
    assert result["implicit_decision_date"] == "2026-05-23" and result["regime"] == "rejection" and result["suspended_days"] == 13


def test_relais_deadline_explains_bad_arguments(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        call_command("deadline", "--received", "10/03/2026", "--regime", "acceptance", "--months", "2")
    with pytest.raises(CommandError, match="--procedure CODE"):
        call_command("deadline", "--received", "2026-03-10")
