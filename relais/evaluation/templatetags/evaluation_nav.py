"""`{% sees_evaluation user as flag %}`: whether the menu shows « Évaluation » (base template)."""

from django import template

from relais.evaluation.policies import may_see_evaluation

register = template.Library()


@register.simple_tag
def sees_evaluation(user) -> bool:  # type: ignore[no-untyped-def]
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_sees_evaluation", None)
    if cached is None:
        cached = user._sees_evaluation = may_see_evaluation(user)
    return bool(cached)
