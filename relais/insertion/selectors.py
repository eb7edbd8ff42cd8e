"""What the matching engine reads, built from the database: profiles and offers as engine rows, and
the state of the proposals already made (open ones take room, past pairs are not proposed again)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from relais.insertion.matching import CandidateRow, OfferRow
from relais.insertion.models import CandidateProfile, Offer, Proposal


def candidate_row(profile: CandidateProfile, *, today: dt.date) -> CandidateRow:
    return CandidateRow(
        candidate_id=str(profile.pk),
        commune_code=profile.person.commune_code,
        rome_codes=tuple(sorted(m.code for m in profile.desired_metiers.all())),
        education_level=profile.education_level,
        driving_licence=profile.driving_licence,
        vehicle=profile.vehicle,
        max_km=float(profile.max_commute_km),
        hours_min=float(profile.hours_min),
        hours_max=float(profile.hours_max),
        # No date given: available now (a later start date only helps).
        available_from=profile.available_from or today,
        nights=profile.accepts_nights,
        weekends=profile.accepts_weekends,
        skills=frozenset(skill.casefold() for skill in profile.skills),
    )


def offer_row(offer: Offer) -> OfferRow:
    return OfferRow(
        offer_id=str(offer.pk),
        siret=offer.company.siret,
        commune_code=offer.commune_id,
        rome_code=offer.metier_id,
        education_level=offer.education_level,
        driving_licence=offer.driving_licence_required,
        vehicle=offer.vehicle_required,
        hours=float(offer.weekly_hours),
        nights=offer.night_work,
        weekends=offer.weekend_work,
        positions=offer.positions,
        start_date=offer.start_date,
        skills=frozenset(skill.casefold() for skill in offer.skills),
    )


def offers_open(*, organisation_ids: Iterable[int], today: dt.date) -> QuerySet[Offer]:
    """Published offers, within their publication window, of companies these départements hold."""
    return (
        Offer.objects.filter(status=Offer.Status.PUBLISHED, company__organisations__in=list(organisation_ids))
        .filter(Q(published_from__isnull=True) | Q(published_from__lte=today))
        .filter(Q(published_until__isnull=True) | Q(published_until__gte=today))
        .select_related("company")
        .distinct()
    )


def profiles_seeking(*, organisation_ids: Iterable[int]) -> QuerySet[CandidateProfile]:
    """Active profiles these départements follow, of persons whose commune is known (the distance needs it)."""
    return (
        CandidateProfile.objects.filter(is_active=True, organisation_id__in=list(organisation_ids))
        .exclude(person__commune_code="")
        .filter(person__merged_into__isnull=True)
        .select_related("person", "referent")
        # the round writes to each candidate reached (insertion.notifications): no query per person
        .prefetch_related("desired_metiers", "person__contact_points")
    )


def proposals_state(
    profile_ids: Iterable[int], offer_ids: Iterable[int]
) -> tuple[Counter[str], Counter[str], set[tuple[str, str]]]:
    """Open proposals per candidate and per offer, and every pair already proposed (whatever came of it)."""
    rows = Proposal.objects.filter(Q(profile_id__in=list(profile_ids)) | Q(offer_id__in=list(offer_ids))).values_list(
        "profile_id", "offer_id", "status"
    )
    open_per_candidate: Counter[str] = Counter()
    open_per_offer: Counter[str] = Counter()
    past: set[tuple[str, str]] = set()
    for profile_id, offer_id, status in rows:
        past.add((str(profile_id), str(offer_id)))
        if status in Proposal.OPEN_STATUSES:
            open_per_candidate[str(profile_id)] += 1
            open_per_offer[str(offer_id)] += 1
    return open_per_candidate, open_per_offer, past
