"""Which persons an agent or an integration may see and edit, and whose duplicates an agent reviews."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet

from relais.people.models import Person, PersonOrganisation
from relais.territory.policies import AccessScope, agent_access_scope

if TYPE_CHECKING:
    from relais.territory.models import Agent

MERGE_PERMISSION = "people.merge_person"
REVIEWING_ROLES = ("manager", "admin")


def persons_visible_filter(scope: AccessScope, person_field: str = "pk") -> Q:
    """A person is visible when one of the scope's organisations has a relationship with them.

    `person_field` names the person's id on the filtered model ("person_id" on a link table).
    """
    if scope.is_empty:
        return Q(pk__in=[])
    return Q(
        Exists(PersonOrganisation.objects.filter(person_id=OuterRef(person_field), organisation_id__in=scope.organisation_ids))
    )


def persons_visible(scope: AccessScope, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    queryset = Person.objects.all() if queryset is None else queryset
    return queryset.filter(persons_visible_filter(scope))


def person_may_edit(scope: AccessScope, person: Person) -> bool:
    return scope.may_edit_identity and persons_visible(scope).filter(pk=person.pk).exists()


def person_may_create(scope: AccessScope) -> bool:
    return scope.may_edit_identity


# --- Duplicate review (docs/identity-rules.md, « Who reviews duplicates ») --------------------


@dataclass(frozen=True)
class DuplicateReviewer:
    """Whose duplicate pairs an agent may open, merge, declare different, and whose merges they undo.

    - A manager of a département or the EPI reviews every pair where one record is known to their
      organisation; a functional administrator, to any organisation sharing their service (the
      EPI's administrator: both départements). The other record is often known only to the other
      département's legacy base, and telling whether it is the same person is their job.
    - Anyone else (reception agent, mediator, social worker of a sensitive service…) reviews nothing,
      unless given the `people.merge_person` permission (directly or through a group in the admin):
      then only the pairs whose two records they may already see.
    - A partner's agent never merges: partners do not maintain identities.
    """

    scope: AccessScope
    managed_organisation_ids: frozenset[int] = frozenset()
    by_permission: bool = False

    @property
    def may_review(self) -> bool:
        return self.scope.may_edit_identity and (bool(self.managed_organisation_ids) or self.by_permission)

    def persons_filter(self, person_field: str = "pk") -> Q:
        """The persons whose pairs and merges this reviewer deals with (one record is enough for a manager)."""
        if not self.may_review:
            return Q(pk__in=[])
        rule = Q(pk__in=[])
        if self.managed_organisation_ids:
            rule |= Q(
                Exists(
                    PersonOrganisation.objects.filter(
                        person_id=OuterRef(person_field), organisation_id__in=self.managed_organisation_ids
                    )
                )
            )
        if self.by_permission:
            rule |= persons_visible_filter(self.scope, person_field)
        return rule

    def pairs_filter(self) -> Q:
        """The pairs (`MatchPair`, or any model with `person_a` and `person_b`) this reviewer may open."""
        if not self.may_review:
            return Q(pk__in=[])
        rule = Q(pk__in=[])
        if self.managed_organisation_ids:
            rule |= self._managed("person_a_id") | self._managed("person_b_id")
        if self.by_permission:
            rule |= persons_visible_filter(self.scope, "person_a_id") & persons_visible_filter(self.scope, "person_b_id")
        return rule

    def may_merge(self, first: Person, second: Person) -> bool:
        if not self.may_review:
            return False
        managed = (
            Person.objects.filter(self._managed("pk"), pk__in=[first.pk, second.pk]).exists()
            if self.managed_organisation_ids
            else False
        )
        both_visible = self.by_permission and persons_visible(self.scope).filter(pk__in=[first.pk, second.pk]).count() == 2
        return managed or both_visible

    def _managed(self, person_field: str) -> Q:
        return Q(
            Exists(
                PersonOrganisation.objects.filter(
                    person_id=OuterRef(person_field), organisation_id__in=self.managed_organisation_ids
                )
            )
        )


def duplicate_reviewer(agent: Agent) -> DuplicateReviewer:
    """The duplicate-review rights of a logged-in agent (cached on the agent for the request)."""
    cached = getattr(agent, "_duplicate_reviewer", None)
    if cached is not None:
        return cached
    scope = agent_access_scope(agent)
    managed: set[int] = set()
    if agent.is_authenticated and agent.is_active:
        memberships = (
            agent.memberships.filter(is_active=True, role__in=REVIEWING_ROLES)
            .exclude(organisation__kind="partner")
            .select_related("organisation")
            .prefetch_related("service__organisations")
        )
        for membership in memberships:
            managed.add(membership.organisation_id)
            if membership.role == "admin":
                # A functional administrator of a shared service (the EPI's) answers for every
                # organisation sharing it; a manager only for their own (a sensitive shared service's
                # manager sees both départements for its files, not to maintain everyone's identity).
                managed.update(org.pk for org in membership.service.organisations.all() if not org.is_partner)
    reviewer = DuplicateReviewer(
        scope=scope,
        managed_organisation_ids=frozenset(managed & scope.organisation_ids),
        by_permission=bool(agent.is_authenticated and agent.is_active and agent.has_perm(MERGE_PERMISSION)),
    )
    agent._duplicate_reviewer = reviewer  # type: ignore[attr-defined]
    return reviewer
