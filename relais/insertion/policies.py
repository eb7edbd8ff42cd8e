"""Who may see and do what in insertion (JOB78 / JOB92).

- **Insertion services.** A service whose code ends with `-INSERTION` (`78-INSERTION`,
  `92-INSERTION` in the demo) is a département's insertion service. Its active members (agents,
  social workers, chargés d'affaires, managers, functional administrators) of a département or of
  the EPI work in insertion for the organisations that share the service.
- **Companies and offers** are managed by the insertion members of a département that holds the
  company in portfolio (`Company.organisations`); a company in no portfolio is managed by no one
  but the administrators (superusers), who also see everything in the admin.
- **Candidate profiles** are visible to whoever may see the person (`people.policies.persons_visible`:
  the same rule as the person's file); they are created and edited by the insertion members of the
  département holding the profile (`CandidateProfile.organisation`), who alone read the
  constraints the person stated (childcare, health…).
- **Employer contacts** (signed in to the employer space with a user without memberships) see only
  their own company's offers, and the proposals for them once the pseudonymised profile was shared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from relais.insertion.models import CandidateProfile, Company, EmployerContact, Offer, Proposal
from relais.people.policies import persons_visible_filter
from relais.territory.models import Organisation, Service
from relais.territory.policies import AccessScope, agent_active_memberships

if TYPE_CHECKING:
    from relais.territory.models import Agent

INSERTION_SERVICE_SUFFIX = "-INSERTION"

# The statuses at which the employer has seen the profile (or saw it before the proposal ended).
EMPLOYER_VISIBLE_STATUSES = ("shared_with_employer", "interview", "hired")


def insertion_services() -> QuerySet[Service]:
    return Service.objects.filter(code__endswith=INSERTION_SERVICE_SUFFIX)


def insertion_organisation_ids(agent: Agent) -> frozenset[int]:
    """The départements (or EPI) for which the agent works in insertion (cached on the agent)."""
    cached = getattr(agent, "_insertion_organisation_ids", None)
    if cached is not None:
        return cached
    ids: set[int] = set()
    if agent.is_authenticated and agent.is_active:
        # The memberships the access scope reads too (cached for the request): every page's menu asks.
        for membership in agent_active_memberships(agent):
            if not membership.service.code.endswith(INSERTION_SERVICE_SUFFIX) or membership.organisation.is_partner:
                continue
            ids.add(membership.organisation_id)
            ids.update(org.pk for org in membership.service.organisations.all() if not org.is_partner)
    result = frozenset(ids)
    agent._insertion_organisation_ids = result  # type: ignore[attr-defined]
    return result


def scope_insertion_organisation_ids(scope: AccessScope) -> frozenset[int]:
    """The same for an access scope (an agent's or an API token's): the organisations of the
    insertion services the scope is a member of, within the scope's organisations."""
    if not scope.member_service_ids:
        return frozenset()
    ids = (
        insertion_services()
        .filter(pk__in=scope.member_service_ids)
        .exclude(organisations__kind=Organisation.Kind.PARTNER)
        .values_list("organisations", flat=True)
    )
    return frozenset(ids) & scope.organisation_ids


def works_in_insertion(agent: Agent) -> bool:
    return bool(agent.is_authenticated and agent.is_active and (agent.is_superuser or insertion_organisation_ids(agent)))


# --- Companies and offers ---------------------------------------------------------------------------


def companies_manageable(agent: Agent) -> QuerySet[Company]:
    if not (agent.is_authenticated and agent.is_active):
        return Company.objects.none()
    if agent.is_superuser:
        return Company.objects.all()
    return Company.objects.filter(
        pk__in=Company.organisations.through.objects.filter(organisation_id__in=insertion_organisation_ids(agent)).values(
            "company_id"
        )
    )


def company_may_manage(agent: Agent, company: Company) -> bool:
    return companies_manageable(agent).filter(pk=company.pk).exists()


def company_may_create(agent: Agent) -> bool:
    return works_in_insertion(agent)


def offers_manageable(agent: Agent) -> QuerySet[Offer]:
    return Offer.objects.filter(company__in=companies_manageable(agent))


# --- Candidate profiles -----------------------------------------------------------------------------


def profiles_visible(scope: AccessScope, queryset: QuerySet[CandidateProfile] | None = None) -> QuerySet[CandidateProfile]:
    """The profiles of the persons the scope may see (the person's file's rule)."""
    queryset = CandidateProfile.objects.all() if queryset is None else queryset
    return queryset.filter(persons_visible_filter(scope, "person_id"))


def profile_may_edit(scope: AccessScope, profile: CandidateProfile) -> bool:
    """Insertion members of the holding département, on a person they may see."""
    return (
        profile.organisation_id in scope_insertion_organisation_ids(scope)
        and profiles_visible(scope).filter(pk=profile.pk).exists()
    )


def profile_may_create(scope: AccessScope, *, person_id: int, organisation_id: int) -> bool:
    from relais.people.policies import persons_visible

    return organisation_id in scope_insertion_organisation_ids(scope) and persons_visible(scope).filter(pk=person_id).exists()


def profile_may_read_constraints(scope: AccessScope, profile: CandidateProfile) -> bool:
    """The constraints the person stated (sensitive) are read by the holding département's insertion service only."""
    return profile_may_edit(scope, profile)


# --- Employer contacts ------------------------------------------------------------------------------


def employer_contact_for(user) -> EmployerContact | None:  # type: ignore[no-untyped-def]
    """The employer contact a signed-in user is, if any (active, of an active company)."""
    if not (user.is_authenticated and user.is_active):
        return None
    return EmployerContact.objects.filter(account=user, is_active=True, company__is_active=True).select_related("company").first()


def offers_for_contact(contact: EmployerContact) -> QuerySet[Offer]:
    return Offer.objects.filter(company_id=contact.company_id)


def proposals_for_contact(contact: EmployerContact) -> QuerySet[Proposal]:
    """Their company's proposals whose profile was shared with them (refused or withdrawn after that too)."""
    shared = Q(status__in=EMPLOYER_VISIBLE_STATUSES) | Q(events__from_status__in=EMPLOYER_VISIBLE_STATUSES)
    return Proposal.objects.filter(shared, offer__company_id=contact.company_id).distinct()
