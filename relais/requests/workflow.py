"""The lifecycle of a request, declared once: which status may follow which.

received → incomplete (documents requested) ⇄ complete → under review → accepted | rejected;
at the legal date, silence makes it implicitly accepted or rejected; at any open stage it may be
forwarded to the competent service or withdrawn by the person; decided requests are then closed.
"""

from __future__ import annotations

from relais.requests.models import CitizenRequest

S = CitizenRequest.Status

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.RECEIVED: (S.INCOMPLETE, S.COMPLETE, S.UNDER_REVIEW, S.ACCEPTED, S.REJECTED, S.IMPLICITLY_ACCEPTED, S.IMPLICITLY_REJECTED, S.FORWARDED, S.WITHDRAWN),
    S.INCOMPLETE: (S.COMPLETE, S.IMPLICITLY_REJECTED, S.REJECTED, S.FORWARDED, S.WITHDRAWN),
    S.COMPLETE: (S.UNDER_REVIEW, S.INCOMPLETE, S.ACCEPTED, S.REJECTED, S.IMPLICITLY_ACCEPTED, S.IMPLICITLY_REJECTED, S.FORWARDED, S.WITHDRAWN),
    S.UNDER_REVIEW: (S.INCOMPLETE, S.ACCEPTED, S.REJECTED, S.IMPLICITLY_ACCEPTED, S.IMPLICITLY_REJECTED, S.WITHDRAWN),
    S.ACCEPTED: (S.CLOSED,),
    S.REJECTED: (S.CLOSED,),
    S.IMPLICITLY_ACCEPTED: (S.CLOSED,),
    S.IMPLICITLY_REJECTED: (S.CLOSED,),
    S.FORWARDED: (),
    S.WITHDRAWN: (S.CLOSED,),
    S.CLOSED: (),
}  # fmt: skip

# What an agent may choose on the request page (the others happen through dedicated actions:
# documents, forward, the scheduled implicit decisions).
AGENT_CHOICES = (S.COMPLETE, S.UNDER_REVIEW, S.ACCEPTED, S.REJECTED, S.WITHDRAWN, S.CLOSED)

# Statuses whose clock still runs: the scheduler records the implicit decision when its date passes.
CLOCK_RUNNING = (S.RECEIVED, S.INCOMPLETE, S.COMPLETE, S.UNDER_REVIEW)


class TransitionRefused(Exception):
    pass


def allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, ())


def check(from_status: str, to_status: str) -> None:
    if not allowed(from_status, to_status):
        labels = dict(S.choices)
        raise TransitionRefused(
            f"Une demande « {labels[from_status].lower()} » ne peut pas passer à « {labels.get(to_status, to_status).lower()} »."
        )


def next_choices(status: str) -> list[tuple[str, str]]:
    labels = dict(S.choices)
    return [(choice, labels[choice]) for choice in TRANSITIONS.get(status, ()) if choice in AGENT_CHOICES]
