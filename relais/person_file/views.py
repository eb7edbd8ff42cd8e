"""The person file: the search that leads to it, the file itself and its history across exchanges,
appointments, requests and messages. It composes the domain apps, which know nothing of it."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from relais.appointments.selectors import person_appointments
from relais.core.http import AgentRequest
from relais.exchanges.forms import ExchangeForm, TimelineFilterForm
from relais.insertion import policies as insertion_policies
from relais.insertion.models import CandidateProfile, Proposal
from relais.people.models import Person
from relais.people.policies import duplicate_reviewer, person_may_create, persons_visible
from relais.people.selectors import (
    match_pairs_to_review,
    person_contact_warnings,
    person_get,
    person_households,
    person_merged_into_visible,
    person_proposed_contacts,
    person_search,
)
from relais.person_file.selectors import person_history
from relais.privacy.reads import read_note
from relais.requests.selectors import request_by_reference
from relais.territory.policies import AccessScope, agent_access_scope, agent_manages_person_data

TIMELINE_PAGE_SIZE = 25
TIMELINE_FILTER_IDS = "id_historique_%s"


def search(request: AgentRequest) -> HttpResponse:
    scope = agent_access_scope(request.user)
    query = request.GET.get("q", "").strip()
    found = request_by_reference(scope=scope, text=query) if query else None
    if found is not None:  # a request's reference typed in the search box opens that request
        url = reverse("requests:detail", kwargs={"public_id": found.public_id})
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    results = list(person_search(scope=scope, query=query)) if query else []
    # Each person listed is a read: names, birth dates, phones and e-mails are on the results.
    read_note(scope=scope, persons=results, detail="recherche")
    context = {"nav": "people", "search_query": query, "results": results, "may_create": person_may_create(scope)}
    if request.htmx:
        return render(request, "people/includes/search_results.html", context)
    # The data work on persons, for those who do it (counted only on a full page, not while typing).
    reviewer = duplicate_reviewer(request.user)
    context["to_review"] = match_pairs_to_review(reviewer=reviewer).count() if reviewer.may_review else None
    context["manages_person_data"] = agent_manages_person_data(request.user)
    return render(request, "people/search.html", context)


def detail(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    try:
        person = person_get(scope=scope, public_id=public_id)
    except Http404:
        target = person_merged_into_visible(scope=scope, public_id=public_id)
        if target is None:
            raise
        messages.info(request, "Cette fiche a été fusionnée : voici la fiche qui la regroupe.")
        return redirect("people:detail", public_id=target.public_id)
    read_note(scope=scope, persons=[person])
    households = person_households(person)
    visible_ids = set(persons_visible(scope).filter(pk__in=[m.person_id for m in households]).values_list("pk", flat=True))
    # Its own ids: the exchange form on the same page has a channel and a service too.
    filters = TimelineFilterForm(request.GET or None, scope=scope, auto_id=TIMELINE_FILTER_IDS)
    context = {
        "nav": "people",
        "person": person,
        "scope": scope,
        "household_members": [m for m in households if m.person_id != person.pk and m.person_id in visible_ids],
        "hidden_household_members": sum(1 for m in households if m.person_id != person.pk and m.person_id not in visible_ids),
        "timeline": _timeline_page(scope, person, filters, request),
        "upcoming": list(
            person_appointments(scope=scope, person_id=person.pk).filter(start__gte=timezone.now(), status="booked")[:5]
        ),
        "filters": filters,
        "exchange_form": ExchangeForm(scope=scope, agent=request.user),
        "may_edit": scope.may_edit_identity,
        "contact_warnings": person_contact_warnings(person),
        "proposed_contacts": person_proposed_contacts(person),
        **_insertion_card(scope, person),
    }
    return render(request, "people/detail.html", context)


def _insertion_card(scope: AccessScope, person: Person) -> dict:
    """The « Insertion » card: the candidate profile, or the link to create one when allowed."""
    profile = (
        insertion_policies.profiles_visible(scope, CandidateProfile.objects.filter(person=person))
        .select_related("organisation")
        .prefetch_related("desired_metiers")
        .first()
    )
    may_create = profile is None and any(
        insertion_policies.profile_may_create(scope, person_id=person.pk, organisation_id=org_id)
        for org_id in insertion_policies.scope_insertion_organisation_ids(scope)
    )
    open_proposals = profile.proposals.filter(status__in=Proposal.OPEN_STATUSES).count() if profile else 0
    return {"insertion_profile": profile, "insertion_may_create": may_create, "insertion_open_proposals": open_proposals}


def timeline(request: AgentRequest, public_id: str) -> HttpResponse:
    """The timeline alone, for htmx filtering and "more" without reloading the file."""
    scope = agent_access_scope(request.user)
    person = person_get(scope=scope, public_id=public_id)
    filters = TimelineFilterForm(request.GET or None, scope=scope, auto_id=TIMELINE_FILTER_IDS)
    read_note(scope=scope, persons=[person], detail="historique")
    context = {
        "person": person,
        "scope": scope,
        "timeline": _timeline_page(scope, person, filters, request),
        "filters": filters,
    }
    return render(request, "people/includes/timeline.html", context)


def _timeline_page(scope: AccessScope, person: Person, filters: TimelineFilterForm, request: AgentRequest) -> dict:
    try:
        shown = max(TIMELINE_PAGE_SIZE, min(int(request.GET.get("shown", TIMELINE_PAGE_SIZE)), 1000))
    except ValueError:
        shown = TIMELINE_PAGE_SIZE
    entries, has_more = person_history(scope=scope, person=person, filters=filters.to_filters(), limit=shown)
    return {"items": entries, "has_more": has_more, "shown": shown, "next_shown": shown + TIMELINE_PAGE_SIZE}
