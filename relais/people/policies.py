"""Which persons an agent or an integration may see and edit."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from relais.people.models import Person, PersonOrganisation
from relais.territory.policies import AccessScope


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
