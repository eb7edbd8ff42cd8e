"""Every write about exchanges: log one (with its attachments), close its follow-up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from relais.core.uploads import check_upload
from relais.exchanges.models import Attachment, Channel, Exchange, ExchangePerson, Topic
from relais.exchanges.policies import exchange_may_log_for_service
from relais.people.models import Person
from relais.people.policies import persons_visible
from relais.people.services import person_link_organisation
from relais.territory.models import Agent, Organisation, Service, Site
from relais.territory.policies import AccessScope

# An agent's clock and the server's may differ by a few minutes; beyond that, a future date is a typo.
FUTURE_TOLERANCE = dt.timedelta(minutes=15)


@dataclass
class ExchangeData:
    channel: str
    occurred_at: dt.datetime
    service: Service
    persons: Sequence[Person]
    duration_minutes: int | None = None
    site: Site | None = None
    topic: Topic | None = None
    summary: str = ""
    follow_up: str = ""
    follow_up_due: dt.date | None = None
    files: Sequence[UploadedFile] = field(default_factory=list)


def _validate(data: ExchangeData, scope: AccessScope) -> None:
    errors: dict[str, list[str]] = {}
    if data.channel not in Channel.values:
        errors.setdefault("channel", []).append("Canal inconnu.")
    if timezone.is_naive(data.occurred_at):
        errors.setdefault("occurred_at", []).append("La date de l'échange doit porter un fuseau horaire.")
    elif data.occurred_at > timezone.now() + FUTURE_TOLERANCE:
        errors.setdefault("occurred_at", []).append("La date de l'échange ne peut pas être dans le futur.")
    if not exchange_may_log_for_service(scope, data.service.pk):
        errors.setdefault("service", []).append("Vous ne pouvez pas enregistrer d'échange pour ce service.")
    if data.topic is not None and data.topic.service_id != data.service.pk:
        errors.setdefault("topic", []).append("Ce thème n'appartient pas au service choisi.")
    if data.duration_minutes is not None and not 0 <= data.duration_minutes <= 24 * 60:
        errors.setdefault("duration_minutes", []).append("La durée doit être comprise entre 0 et 1 440 minutes.")
    if data.follow_up_due and not data.follow_up.strip():
        errors.setdefault("follow_up", []).append("Décrivez la suite à donner pour lui fixer une échéance.")
    if data.follow_up_due and data.follow_up_due < timezone.localdate(data.occurred_at):
        errors.setdefault("follow_up_due", []).append("L'échéance ne peut pas précéder la date de l'échange.")
    if not data.persons:
        errors.setdefault("persons", []).append("Un échange concerne au moins un usager.")
    else:
        visible = set(persons_visible(scope).filter(pk__in=[p.pk for p in data.persons]).values_list("pk", flat=True))
        if any(person.pk not in visible for person in data.persons):
            errors.setdefault("persons", []).append("Usager introuvable.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def exchange_create(
    *,
    data: ExchangeData,
    organisation: Organisation,
    scope: AccessScope,
    acting_user: Agent | None = None,
    api_token=None,
) -> Exchange:
    """Record an exchange for the persons concerned; they become known to `organisation`."""
    if organisation.pk not in scope.organisation_ids:
        raise PermissionDenied("Organisation hors de votre périmètre.")
    if acting_user is None and api_token is None:
        raise PermissionDenied("Un échange a toujours un auteur.")
    _validate(data, scope)
    checked_files = []
    file_errors = []
    for upload in data.files:
        try:
            checked_files.append(check_upload(upload))
        except ValidationError as exc:
            file_errors.extend(exc.messages)
    if file_errors:
        raise ValidationError({"files": file_errors})

    exchange = Exchange.objects.create(
        channel=data.channel,
        occurred_at=data.occurred_at,
        duration_minutes=data.duration_minutes,
        organisation=organisation,
        service=data.service,
        site=data.site,
        agent=acting_user,
        api_token=api_token,
        topic=data.topic,
        summary=data.summary.strip(),
        follow_up=data.follow_up.strip(),
        follow_up_due=data.follow_up_due,
    )
    ExchangePerson.objects.bulk_create([ExchangePerson(exchange=exchange, person=person) for person in data.persons])
    for person in data.persons:
        person_link_organisation(person=person, organisation_id=organisation.pk)
    for checked in checked_files:
        attachment = Attachment(
            exchange=exchange,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=acting_user,
        )
        attachment.file.save(checked.name, checked.upload, save=False)
        attachment.save()
    return exchange


@transaction.atomic
def exchange_close_follow_up(*, exchange: Exchange, scope: AccessScope, acting_user: Agent) -> Exchange:
    if not exchange.follow_up:
        raise ValidationError("Cet échange n'a pas de suite à donner.")
    if not exchange_may_log_for_service(scope, exchange.service_id):
        raise PermissionDenied("Seul le service concerné peut clore cette suite.")
    if exchange.follow_up_done_at is None:
        exchange.follow_up_done_at = timezone.now()
        exchange.save(update_fields=["follow_up_done_at"])
    return exchange
