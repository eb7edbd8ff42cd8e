"""Every write of insertion: companies, offers, candidate profiles, proposals and their steps.

Writes touching a person's file (their profile, a proposal made for them) are written to the access
log (`privacy.services.access_log_record`) in the same transaction. Who may call what is decided
by `policies.py`, checked by the pages and the API before they call these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from relais.core.wording import count_of
from relais.insertion import matching, notifications, selectors, workflow
from relais.insertion.models import (
    CandidateProfile,
    Company,
    CompanySite,
    ContractType,
    EmployerContact,
    Offer,
    Proposal,
    ProposalEvent,
    RomeMetier,
)
from relais.people.models import Person
from relais.privacy.models import AccessLog
from relais.privacy.services import access_log_record
from relais.territory.communes import commune_coordinates
from relais.territory.models import Agent, Organisation
from relais.territory.policies import AccessScope

TransitionRefused = workflow.TransitionRefused


def _agent(scope: AccessScope) -> Agent | None:
    return Agent.objects.filter(pk=scope.agent_id).first() if scope.agent_id else None


# --- Companies and offers ---------------------------------------------------------------------------


@transaction.atomic
def company_create(*, actor: Agent, organisations: Iterable[Organisation], **fields: Any) -> Company:
    """Create a company (SIRET and NAF code checked and normalised) in the given portfolios."""
    company = Company(**fields)
    if company.account_manager_id is None and company.account_manager is None:
        company.account_manager = actor
    company.full_clean(exclude=["organisations"])
    company.save()
    company.organisations.set(list(organisations))
    return company


@transaction.atomic
def company_update(*, company: Company, **fields: Any) -> Company:
    """Change a company's own fields (SIRET and NAF code checked and normalised); its portfolio stays.
    The row is locked: two edits at once apply one after the other."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    for name, value in fields.items():
        setattr(company, name, value)
    company.full_clean(exclude=["organisations"])
    company.save()
    return company


@transaction.atomic
def company_site_add(*, company: Company, **fields: Any) -> CompanySite:
    site = CompanySite(company=company, **fields)
    site.full_clean()
    site.save()
    return site


@transaction.atomic
def company_contact_add(*, company: Company, **fields: Any) -> EmployerContact:
    contact = EmployerContact(company=company, **fields)
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def offer_create(*, actor: Agent | None, **fields: Any) -> Offer:
    offer = Offer(created_by=actor, **fields)
    offer.full_clean()
    offer.save()
    return offer


@transaction.atomic
def offer_update(*, offer: Offer, **fields: Any) -> Offer:
    """Change an offer's fields (its status moves with offer_set_status only); the row is locked."""
    fields.pop("status", None)
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    for name, value in fields.items():
        setattr(offer, name, value)
    offer.full_clean()
    offer.save()
    return offer


@transaction.atomic
def offer_set_status(*, offer: Offer, status: str, today: dt.date | None = None) -> Offer:
    """Move an offer along its lifecycle (workflow.OFFER_TRANSITIONS). Publishing starts the
    publication window today when it has no start."""
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    workflow.offer_check(locked.status, status)
    if status == Offer.Status.PUBLISHED and locked.published_from is None:
        locked.published_from = today or timezone.localdate()
    locked.status = status
    locked.save(update_fields=["status", "published_from", "updated_at"])
    return locked


# --- Candidate profiles -----------------------------------------------------------------------------

PROFILE_FIELDS = (
    "referent", "skills", "experience", "education_level", "driving_licence", "vehicle", "max_commute_km",
    "hours_min", "hours_max", "accepts_nights", "accepts_weekends", "available_from", "constraints",
    "is_active",
)  # fmt: skip


def _set_consent(profile: CandidateProfile, consent: bool | None) -> None:
    if consent is None or consent == profile.consent_shared:
        return
    profile.consent_shared = consent
    profile.consent_at = timezone.now() if consent else None


@transaction.atomic
def profile_create(
    *,
    scope: AccessScope,
    person: Person,
    organisation: Organisation,
    desired_metiers: Iterable[RomeMetier] = (),
    consent_shared: bool = False,
    **fields: Any,
) -> CandidateProfile:
    if CandidateProfile.objects.filter(person=person).exists():
        raise ValidationError("Cette personne a déjà un profil de candidat.")
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown profile fields: {sorted(unknown)}")
    profile = CandidateProfile(person=person, organisation=organisation, **fields)
    _set_consent(profile, consent_shared)
    profile.full_clean(exclude=["desired_metiers"])
    profile.save()
    profile.desired_metiers.set(list(desired_metiers))
    access_log_record(scope=scope, action=AccessLog.Action.CREATE, persons=[person], detail="Profil d'insertion créé")
    return profile


@transaction.atomic
def profile_update(
    *,
    scope: AccessScope,
    profile: CandidateProfile,
    desired_metiers: Iterable[RomeMetier] | None = None,
    consent_shared: bool | None = None,
    **fields: Any,
) -> CandidateProfile:
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown profile fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(profile, name, value)
    _set_consent(profile, consent_shared)
    profile.full_clean(exclude=["desired_metiers", "person"])
    profile.save()
    if desired_metiers is not None:
        profile.desired_metiers.set(list(desired_metiers))
    access_log_record(scope=scope, action=AccessLog.Action.EDIT, persons=[profile.person], detail="Profil d'insertion modifié")
    return profile


# --- Proposals --------------------------------------------------------------------------------------


@transaction.atomic
def proposal_create(
    *,
    scope: AccessScope,
    profile: CandidateProfile,
    offer: Offer,
    score: float | None = None,
    reasons: list | None = None,
    note: str = "",
) -> Proposal:
    """Propose a profile for a published offer; one open proposal per profile and offer."""
    if offer.status != Offer.Status.PUBLISHED:
        raise ValidationError("Seule une offre publiée peut être proposée.")
    if not profile.is_active:
        raise ValidationError("Ce profil de candidat n'est plus actif.")
    if Proposal.objects.filter(profile=profile, offer=offer, status__in=Proposal.OPEN_STATUSES).exists():
        raise ValidationError("Une proposition est déjà en cours pour cette personne et cette offre.")
    try:
        with transaction.atomic():  # a concurrent proposal of the same pair loses on the unique constraint
            proposal = Proposal.objects.create(
                profile=profile, offer=offer, score=score, reasons=reasons or [], proposed_by=_agent(scope)
            )
    except IntegrityError:
        raise ValidationError("Une proposition est déjà en cours pour cette personne et cette offre.") from None
    ProposalEvent.objects.create(
        proposal=proposal,
        from_status="",
        to_status=proposal.status,
        actor=proposal.proposed_by,
        actor_label=scope.label,
        note=note,
    )
    access_log_record(
        scope=scope, action=AccessLog.Action.EDIT, persons=[profile.person], detail=f"Proposition d'offre n° {offer.pk}"
    )
    notifications.offers_proposed_queue(profile, [proposal])
    return proposal


@transaction.atomic
def proposal_transition(
    *,
    scope: AccessScope,
    proposal: Proposal,
    to_status: str,
    note: str = "",
    refusal_reason: str = "",
    interview: Any = None,
    hire_contract_type: str = "",
    hire_start_date: dt.date | None = None,
) -> Proposal:
    """Move a proposal one step (workflow.PROPOSAL_TRANSITIONS) and record the step in its history.

    Refusing needs a reason of the fixed list; hiring, the contract signed and its start date;
    sharing with the employer, the person's consent to share their pseudonymised profile.
    """
    S = Proposal.Status
    locked = Proposal.objects.select_for_update().select_related("profile__person").get(pk=proposal.pk)
    workflow.proposal_check(locked.status, to_status)
    if to_status == S.SHARED_WITH_EMPLOYER and not locked.profile.consent_shared:
        raise TransitionRefused("La personne n'a pas consenti au partage de son profil pseudonymisé avec les employeurs.")
    if to_status == S.REFUSED:
        if refusal_reason not in Proposal.RefusalReason.values:
            raise TransitionRefused("Indiquez le motif du refus.")
        locked.refusal_reason = refusal_reason
    if to_status == S.HIRED:
        if hire_contract_type not in ContractType.values or hire_start_date is None:
            raise TransitionRefused("Indiquez le contrat signé et la date d'embauche.")
        locked.hire_contract_type = hire_contract_type
        locked.hire_start_date = hire_start_date
    if to_status == S.INTERVIEW and interview is not None:
        locked.interview = interview
    from_status = locked.status
    locked.status = to_status
    locked.save()
    ProposalEvent.objects.create(
        proposal=locked, from_status=from_status, to_status=to_status, actor=_agent(scope), actor_label=scope.label, note=note
    )
    access_log_record(
        scope=scope,
        action=AccessLog.Action.EDIT,
        persons=[locked.profile.person],
        detail=f"Proposition n° {locked.pk} : {locked.get_status_display().lower()}",
    )
    if to_status == S.SHARED_WITH_EMPLOYER:
        notifications.profile_shared_queue(locked)  # « profil transmis », pseudonym only, sent after commit
    if to_status == S.INTERVIEW and locked.interview is None:  # with an appointment, its confirmation tells them
        notifications.interview_for_candidate_queue(locked)
    return locked


# --- Allocation rounds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationRound:
    candidates: int  # active profiles considered
    offers: int  # open offers considered
    proposals: int  # proposals made by this round
    candidates_reached: int  # candidates who got at least one of them

    def __str__(self) -> str:
        return (
            f"{count_of(self.proposals, 'proposition faite', 'propositions faites')} à "
            f"{count_of(self.candidates_reached, 'personne', 'personnes')}, "
            f"sur {count_of(self.candidates, 'candidat suivi', 'candidats suivis')} et "
            f"{count_of(self.offers, 'offre ouverte', 'offres ouvertes')}."
        )


def proposals_allocate(
    *,
    scope: AccessScope,
    organisation_ids: Iterable[int],
    per_candidate: int = 5,
    per_offer: int = 3,
    today: dt.date | None = None,
) -> AllocationRound:
    """One allocation round for the candidates and offers of these départements: the engine shares
    proposals out (matching.allocate) within what the open proposals leave — at most `per_candidate`
    open per candidate and `per_offer` × positions per offer — and never proposes a pair twice."""
    today = today or timezone.localdate()
    organisation_ids = list(organisation_ids)
    with transaction.atomic():
        profiles = list(selectors.profiles_seeking(organisation_ids=organisation_ids))
        offers = list(selectors.offers_open(organisation_ids=organisation_ids, today=today))
        open_per_candidate, open_per_offer, past = selectors.proposals_state([p.pk for p in profiles], [o.pk for o in offers])
        candidate_rows = [selectors.candidate_row(profile, today=today) for profile in profiles]
        offer_rows = [selectors.offer_row(offer) for offer in offers]
        chosen = matching.allocate(
            candidate_rows,
            offer_rows,
            commune_coordinates(),
            per_candidate=per_candidate,
            per_offer=per_offer,
            candidate_room={row.candidate_id: per_candidate - open_per_candidate[row.candidate_id] for row in candidate_rows},
            offer_room={row.offer_id: per_offer * row.positions - open_per_offer[row.offer_id] for row in offer_rows},
            excluded=past,
        )
        profile_by_id = {str(p.pk): p for p in profiles}
        agent = _agent(scope)
        try:
            with transaction.atomic():
                made = Proposal.objects.bulk_create(
                    [
                        Proposal(
                            profile_id=int(item.candidate_id),
                            offer_id=int(item.offer_id),
                            score=round(item.score, 3),
                            reasons=list(item.reasons),
                            proposed_by=agent,
                        )
                        for item in chosen
                    ]
                )
        except IntegrityError:  # another round, or a proposal typed meanwhile, took one of these pairs
            raise ValidationError(
                "Une autre répartition vient d'être faite : relancez-la pour partir de ses propositions."
            ) from None
        ProposalEvent.objects.bulk_create(
            ProposalEvent(
                proposal=proposal, from_status="", to_status=proposal.status, actor=agent, actor_label=scope.label,
                note="Répartition des offres",
            )
            for proposal in made
        )  # fmt: skip
        reached = {item.candidate_id for item in chosen}
        access_log_record(
            scope=scope,
            action=AccessLog.Action.EDIT,
            persons=[profile_by_id[candidate_id].person for candidate_id in reached],
            detail="Répartition des offres",
        )
        # Each candidate hears of their new offers in one message.
        per_profile: dict[int, list[Proposal]] = {}
        for proposal in (
            Proposal.objects.filter(pk__in=[p.pk for p in made])
            .select_related("offer__company", "offer__commune", "offer__metier")
            .order_by("-score")
        ):
            per_profile.setdefault(proposal.profile_id, []).append(proposal)
        for profile_id, proposals in per_profile.items():
            notifications.offers_proposed_queue(profile_by_id[str(profile_id)], proposals)
    return AllocationRound(candidates=len(profiles), offers=len(offers), proposals=len(made), candidates_reached=len(reached))


# --- Employer space ---------------------------------------------------------------------------------


@transaction.atomic
def employer_contact_invite(*, contact: EmployerContact, actor: Agent) -> Agent:
    """Open the employer space to a contact: their account (a user with no membership, so no access
    to any person's file, and an unusable password) and an e-mail with a link to choose a password.
    Inviting again sends a new link. The caller checks that the actor manages the company."""
    contact = EmployerContact.objects.select_for_update(of=("self",)).select_related("company", "account").get(pk=contact.pk)
    if not (contact.is_active and contact.company.is_active):
        raise ValidationError("Ce contact ou son entreprise n'est plus actif.")
    account = contact.account
    if account is None:
        if not contact.email:
            raise ValidationError("Renseignez l'adresse e-mail du contact avant de l'inviter.")
        if Agent.objects.filter(email__iexact=contact.email).exists():
            raise ValidationError(
                "Un compte Relais existe déjà avec cette adresse e-mail : un administrateur peut le rattacher au contact."
            )
        account = Agent.objects.create_user(
            email=contact.email, password=None, first_name=contact.first_name, last_name=contact.last_name
        )
        contact.account = account
        contact.save(update_fields=["account"])
    elif not account.is_active:
        raise ValidationError("Le compte de ce contact est désactivé.")
    notifications.employer_invitation_queue(contact=contact, account=account, actor=actor)
    return account


def employer_scope(contact: EmployerContact) -> AccessScope:
    """The scope an employer contact acts with: no organisation, no service (so no person's file),
    their account as the author and « name (company) » as the label the history shows."""
    return AccessScope(
        label=f"{contact.first_name} {contact.last_name} ({contact.company.name})"[:254], agent_id=contact.account_id
    )
