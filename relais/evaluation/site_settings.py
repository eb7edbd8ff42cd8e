"""What a service point declares for the label checks, edited by its managers: opening hours its
agendas do not say, and the partners present there."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from relais.evaluation.models import WEEKDAYS, DeclaredOpening, SitePartner
from relais.evaluation.policies import may_manage
from relais.territory.models import Agent, Organisation, Site


def _check_manager(agent: Agent, site: Site) -> None:
    if not may_manage(agent, site):
        raise PermissionDenied


@transaction.atomic
def declared_opening_add(*, site: Site, weekday: int, start: dt.time, end: dt.time, agent: Agent) -> DeclaredOpening:
    """Refused in French when the range ends before it starts or overlaps another one of that day."""
    _check_manager(agent, site)
    if not 0 <= weekday <= 6:
        raise ValidationError("Choisissez un jour de la semaine.")
    if end <= start:
        raise ValidationError(f"L'heure de fin ({end:%H:%M}) doit être après l'heure de début ({start:%H:%M}).")
    Site.objects.select_for_update().filter(pk=site.pk).first()  # two managers adding at once see each other
    overlapping = (
        DeclaredOpening.objects.filter(site=site, weekday=weekday, start_time__lt=end, end_time__gt=start)
        .order_by("start_time")
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            f"Ces horaires chevauchent ceux déjà déclarés le {WEEKDAYS[weekday]} "
            f"({overlapping.start_time:%H:%M}–{overlapping.end_time:%H:%M}) : modifiez-les ou supprimez-les d'abord."
        )
    return DeclaredOpening.objects.create(site=site, weekday=weekday, start_time=start, end_time=end)


@transaction.atomic
def declared_opening_remove(*, site: Site, opening_id: int, agent: Agent) -> None:
    _check_manager(agent, site)
    deleted, _ = DeclaredOpening.objects.filter(site=site, pk=opening_id).delete()
    if not deleted:
        raise ValidationError("Ces horaires n'étaient plus déclarés : rien n'a été supprimé.")


@transaction.atomic
def site_partner_add(*, site: Site, partner: Organisation, agent: Agent) -> SitePartner:
    _check_manager(agent, site)
    if not partner.is_partner:
        raise ValidationError("Seul un organisme partenaire peut être déclaré présent au point d'accueil.")
    declared, _ = SitePartner.objects.get_or_create(site=site, partner=partner)
    return declared


@transaction.atomic
def site_partner_remove(*, site: Site, partner_id: int, agent: Agent) -> None:
    _check_manager(agent, site)
    deleted, _ = SitePartner.objects.filter(site=site, partner_id=partner_id).delete()
    if not deleted:
        raise ValidationError("Ce partenaire n'était plus déclaré : rien n'a été supprimé.")
