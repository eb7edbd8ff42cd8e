from django import template

from relais.exchanges.policies import exchange_content_visible

register = template.Library()


@register.simple_tag(takes_context=True)
def content_visible(context, exchange) -> bool:  # type: ignore[no-untyped-def]
    """Whether the current scope may read what was said in this exchange (policy, not template logic)."""
    return exchange_content_visible(context["scope"], exchange)
