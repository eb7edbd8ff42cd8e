"""The lifecycles of offers and proposals, declared once: which status may follow which.

Offer: draft → published → filled | closed; a draft may be closed without being published; a
filled offer may be published again (a hire that fell through). Closed is final.

Proposal: proposed → candidate_agreed (the person was told and agrees) → shared_with_employer (the
employer sees the pseudonymised profile) → interview → hired; refused (with a reason from a fixed
list) or withdrawn from any open status. Hired, refused and withdrawn are final: proposing the same
offer again makes a new proposal.
"""

from __future__ import annotations

from relais.insertion.models import Offer, Proposal

O = Offer.Status  # noqa: E741 - the table reads as a table
P = Proposal.Status

OFFER_TRANSITIONS: dict[str, tuple[str, ...]] = {
    O.DRAFT: (O.PUBLISHED, O.CLOSED),
    O.PUBLISHED: (O.FILLED, O.CLOSED),
    O.FILLED: (O.PUBLISHED, O.CLOSED),
    O.CLOSED: (),
}  # fmt: skip

PROPOSAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    P.PROPOSED: (P.CANDIDATE_AGREED, P.REFUSED, P.WITHDRAWN),
    P.CANDIDATE_AGREED: (P.SHARED_WITH_EMPLOYER, P.REFUSED, P.WITHDRAWN),
    P.SHARED_WITH_EMPLOYER: (P.INTERVIEW, P.REFUSED, P.WITHDRAWN),
    P.INTERVIEW: (P.HIRED, P.REFUSED, P.WITHDRAWN),
    P.HIRED: (),
    P.REFUSED: (),
    P.WITHDRAWN: (),
}  # fmt: skip

OPEN_PROPOSAL_STATUSES = tuple(status for status, nexts in PROPOSAL_TRANSITIONS.items() if nexts)

# What an employer contact may do with a proposal their company received (the others are the adviser's).
EMPLOYER_CHOICES = (P.INTERVIEW, P.HIRED, P.REFUSED)


class TransitionRefused(Exception):
    pass


def offer_allowed(from_status: str, to_status: str) -> bool:
    return to_status in OFFER_TRANSITIONS.get(from_status, ())


def proposal_allowed(from_status: str, to_status: str) -> bool:
    return to_status in PROPOSAL_TRANSITIONS.get(from_status, ())


def offer_check(from_status: str, to_status: str) -> None:
    if not offer_allowed(from_status, to_status):
        labels = dict(O.choices)
        raise TransitionRefused(
            f"Une offre « {labels[from_status].lower()} » ne peut pas passer à « {labels.get(to_status, to_status).lower()} »."
        )


def proposal_check(from_status: str, to_status: str) -> None:
    if not proposal_allowed(from_status, to_status):
        labels = dict(P.choices)
        raise TransitionRefused(
            f"Une proposition « {labels[from_status].lower()} » ne peut pas passer à "
            f"« {labels.get(to_status, to_status).lower()} »."
        )


def proposal_next_choices(status: str) -> list[tuple[str, str]]:
    labels = dict(P.choices)
    return [(choice, labels[choice]) for choice in PROPOSAL_TRANSITIONS.get(status, ())]
