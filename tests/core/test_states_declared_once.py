"""Status sets are declared once, on their model (appointments/models.py, requests/models.py) and
the lifecycles in workflow.py: code says `.real()`, `.live(now)`, `.open()`, `CitizenRequest.DECIDED_STATUSES`,
never a tuple of literal statuses that would drift from the others."""

import re
from pathlib import Path

from relais.appointments.models import Appointment
from relais.requests.models import CitizenRequest

STATUSES = "|".join(sorted({*Appointment.Status.values, *CitizenRequest.Status.values}))
# Two quoted statuses in a row: ("held", "expired"), ["complete", "under_review"]… on a line that
# speaks of a status (so that annotation names such as ("total", "honoured", "no_show") are not taken).
STATUS_SET = re.compile(rf"""(?i:status).*["']({STATUSES})["']\s*,\s*["']({STATUSES})["']""")
ROOT = Path(__file__).resolve().parents[2] / "relais"


def test_no_module_spells_out_a_status_set():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        # Migrations are history; the demo picks statuses at random with weights, it does not query them.
        if "migrations" in path.parts or "demo" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if STATUS_SET.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_detector_finds_a_literal_set():
    assert STATUS_SET.search('.exclude(status__in=("held", "expired"))')
    assert STATUS_SET.search("status__in=['complete','under_review']")
    assert STATUS_SET.search('BUSY_STATUSES = ("booked", "honoured", "no_show")')
    assert not STATUS_SET.search('status="held"')
    assert not STATUS_SET.search('for name in ("total", "honoured", "no_show"):')


def test_request_sets_agree_with_the_lifecycle():
    from relais.requests import workflow

    # The legal clock runs exactly while the request is open, and a finished request goes nowhere but closed.
    assert set(workflow.CLOCK_RUNNING) == set(CitizenRequest.Status.values) - set(CitizenRequest.FINISHED_STATUSES)
    for status in CitizenRequest.FINISHED_STATUSES:
        assert set(workflow.TRANSITIONS[status]) <= {CitizenRequest.Status.CLOSED}
    assert set(CitizenRequest.DECIDED_STATUSES) == {
        *CitizenRequest.EXPLICITLY_DECIDED_STATUSES,
        *CitizenRequest.IMPLICITLY_DECIDED_STATUSES,
    }
