"""`{% works_in_insertion user as flag %}`: whether the menu shows « Insertion » (base template)."""

from django import template

from relais.insertion.policies import works_in_insertion as _works_in_insertion

register = template.Library()


@register.simple_tag
def works_in_insertion(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user is not None and getattr(user, "is_authenticated", False) and _works_in_insertion(user))
