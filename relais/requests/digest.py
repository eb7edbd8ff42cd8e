"""The daily digest of each service: what reaches its legal date, what is due within a week."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from relais.notifications.services import message_queue_email
from relais.requests.models import CitizenRequest
from relais.territory.models import Service


def send_service_digests(*, today: dt.date) -> int:
    """One e-mail per service with open requests to watch; queued once a day (dedupe key)."""
    sent = 0
    soon = today + dt.timedelta(days=7)
    for service in Service.objects.exclude(email="").filter(requests__isnull=False).distinct():
        open_requests = CitizenRequest.objects.open().filter(service=service)
        overdue = list(open_requests.filter(implicit_decision_date__lte=today).order_by("implicit_decision_date")[:50])
        due_soon = list(
            open_requests.filter(implicit_decision_date__gt=today, implicit_decision_date__lte=soon).order_by(
                "implicit_decision_date"
            )[:50]
        )
        awaiting = open_requests.awaiting_decision().count()
        if not (overdue or due_soon or awaiting):
            continue
        lines = [f"Demandes ouvertes du service {service.name} au {today:%d/%m/%Y}", ""]
        lines.append(f"Échéance atteinte aujourd'hui ou dépassée : {len(overdue)}")
        lines += [f"  - {r.reference} ({r.implicit_decision_date:%d/%m/%Y}) : {r.procedure.name}" for r in overdue]
        lines.append(f"Échéance dans les 7 jours : {len(due_soon)}")
        lines += [f"  - {r.reference} ({r.implicit_decision_date:%d/%m/%Y}) : {r.procedure.name}" for r in due_soon]
        lines += [
            f"Complètes, en attente de décision : {awaiting}",
            "",
            f"File de travail : {settings.SITE_URL}/demandes/?service={service.pk}",
        ]
        message_queue_email(
            recipient=service.email, subject=f"Relais — demandes à surveiller ({today:%d/%m/%Y})", body="\n".join(lines),
            kind="requests_digest", dedupe_key=f"digest:{service.pk}:{today.isoformat()}",
        )  # fmt: skip
        sent += 1
    return sent
