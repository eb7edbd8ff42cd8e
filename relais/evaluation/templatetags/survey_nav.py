"""`{% survey_nav user as nav %}`: which survey pages the evaluation's menu offers the agent."""

from django import template

from relais.evaluation.policies import managed_sites, may_manage_questionnaires

register = template.Library()


@register.simple_tag
def survey_nav(user) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    return {"questionnaires": may_manage_questionnaires(user), "kiosks": managed_sites(user).exists()}
