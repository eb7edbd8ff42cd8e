from django import template

from relais.exchanges.policies import exchange_content_visible

register = template.Library()


@register.simple_tag(takes_context=True)
def content_visible(context, exchange) -> bool:
    """Whether the current scope may read what was said in this exchange (policy, not template logic)."""
    return exchange_content_visible(context["scope"], exchange)


@register.simple_tag
def split(value: str, separator: str = ",") -> list[str]:
    return value.split(separator)


@register.filter
def pluriel(value: object, suffix: str = "s") -> str:
    """French plural: « 0 paire », « 1 paire », « 2 paires » (Django's pluralize says « 0 paires »)."""
    try:
        count = abs(float(len(value) if isinstance(value, (list, tuple)) else value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return suffix if count >= 2 else ""
