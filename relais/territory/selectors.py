import math

from django.db.models import QuerySet

from relais.territory.models import Agent, Commune, Membership, Organisation


def agent_memberships(agent: Agent) -> QuerySet[Membership]:
    return agent.memberships.filter(is_active=True).select_related("organisation", "service", "site").order_by("pk")


def agent_home_organisation(agent: Agent) -> Organisation | None:
    """The organisation a new person is attached to: the agent's first non-partner membership."""
    membership = agent_memberships(agent).exclude(organisation__kind=Organisation.Kind.PARTNER).first()
    return membership.organisation if membership else None


def commune_distance_km(a: Commune, b: Commune) -> float | None:
    """Great-circle distance between two town halls, in kilometres (None when a position is unknown)."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None
    lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))
