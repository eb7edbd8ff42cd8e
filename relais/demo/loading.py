"""`relais demo`: a realistic world for the two départements, generated deterministically."""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from relais.demo.appointments import build_appointments
from relais.demo.duplicates import build_duplicates
from relais.demo.evaluation import build_evaluation
from relais.demo.insertion import build_insertion
from relais.demo.population import generate_exchanges, generate_people, give_demo_agents_a_day, save_population
from relais.demo.requests import build_requests
from relais.demo.world import build_world, demo_logins
from relais.evaluation.surveys import invitations_send
from relais.territory.models import Organisation

if TYPE_CHECKING:
    from relais.api.models import ApiToken


def demo_is_loaded() -> bool:
    return Organisation.objects.filter(code="78").exists()


@transaction.atomic
def load_demo(*, persons: int = 5000, exchanges: int = 20000, seed: int = 2026) -> dict[str, float]:
    started = time.monotonic()
    rng = random.Random(seed)
    today = timezone.localdate()
    world = build_world(settings.DEMO_PASSWORD)
    people = generate_people(rng, persons, today)
    activity = generate_exchanges(rng, world, people, exchanges, today)
    give_demo_agents_a_day(world, activity, today, {email for _, email, _ in demo_logins()})
    save_population(rng, world, people, activity)
    booked = build_appointments(rng, world, people)
    requests = build_requests(rng, world, people)
    linkage = build_duplicates(rng, world, people)
    insertion = build_insertion(rng, world, people)
    evaluation = build_evaluation(rng, world, today)
    # The survey links of the last days' visits, sent now (and recorded as sent with the rest of the
    # demo's outbox) rather than printed by the worker when the demo starts.
    evaluation["survey_invitations"] = invitations_send()
    return {
        "persons": len(people),
        "exchanges": len(activity),
        **booked,
        **requests,
        **linkage,
        **insertion,
        **evaluation,
        "seconds": round(time.monotonic() - started, 1),
    }


def forget_demo_outbox() -> None:
    """The demo's letters and e-mails belong to its invented past: record them as sent and drop their
    send tasks, so the worker does not print two hundred old messages when the demo starts."""
    from django_tasks_db.models import DBTaskResult

    from relais.notifications.models import OutgoingMessage

    OutgoingMessage.objects.filter(status=OutgoingMessage.Status.QUEUED).update(
        status=OutgoingMessage.Status.SENT, sent_at=timezone.now()
    )
    DBTaskResult.objects.filter(status="READY").delete()


DEMO_API_TOKEN_NAME = "démonstration"  # noqa: S105 — the name of the integration, not a secret


def demo_api_token(organisation_code: str = "92") -> tuple[ApiToken, str]:
    """The demo's API token for an organisation, with a new secret (the old one stops working)."""
    from relais.api.models import ApiToken
    from relais.api.services import api_token_create, api_token_rotate

    organisation = Organisation.objects.get(code=organisation_code)
    token = ApiToken.objects.filter(organisation=organisation, name=DEMO_API_TOKEN_NAME).first()
    if token is None:
        return api_token_create(organisation=organisation, name=DEMO_API_TOKEN_NAME)
    return token, api_token_rotate(token)
