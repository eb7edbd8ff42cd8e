"""« Ma journée », the agents' home page: their follow-ups due and recent exchanges, and the day's
appointments in their agendas and at their site. It composes exchanges and appointments."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from relais.appointments.selectors import agent_day, agent_usual_site_id, persons_shown, site_day
from relais.core.http import AgentRequest
from relais.exchanges.selectors import exchange_visible_persons, follow_ups_due, recent_exchanges_by
from relais.privacy.reads import read_note
from relais.territory.models import Site
from relais.territory.policies import agent_access_scope


def my_day(request: AgentRequest) -> HttpResponse:
    scope = agent_access_scope(request.user)
    today = timezone.localdate()
    due = list(follow_ups_due(scope=scope, agent=request.user))
    recent = list(recent_exchanges_by(scope=scope, agent=request.user))
    context = {
        "nav": "my_day",
        "today": today,
        "follow_ups": due,
        "overdue_count": sum(1 for exchange in due if exchange.follow_up_due and exchange.follow_up_due < today),
        "recent": recent,
        "scope": scope,
    }
    # The day's appointments: the agent's own, then the others received at their usual site.
    mine = agent_day(scope=scope, agent=request.user, day=today)
    site = Site.objects.filter(pk=agent_usual_site_id(request.user) or 0).first()
    at_site = site_day(scope=scope, site=site, day=today)
    others = [appointment for appointment in at_site.appointments if appointment not in mine]
    context |= {
        "my_appointments": mine, "site": site, "site_appointments": others, "partner_visits": at_site.partner_visits,
        "site_count": len(others) + len(at_site.partner_visits),
    }  # fmt: skip
    shown = [person for exchange in [*due, *recent] for person in exchange_visible_persons(exchange)]
    shown += persons_shown([*mine, *others])
    read_note(scope=scope, persons=shown, detail="ma journée")
    return render(request, "workspace/my_day.html", context)
