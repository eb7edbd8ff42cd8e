from django import template

from relais.core.wording import plural_suffix

register = template.Library()


@register.simple_tag
def split(value: str, separator: str = ",") -> list[str]:
    return value.split(separator)


@register.filter
def fr_pluralize(value: object, suffixes: str = "s") -> str:
    """Django's `pluralize` in French: « 0 demande », « 1 demande », « 2 demandes » (a list counts its
    items; "al,aux" for other endings)."""
    try:
        count = len(value) if isinstance(value, (list, tuple)) else int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""
    return plural_suffix(count, suffixes)
