"""Agents' insertion pages about candidates: the candidate profile (from the person's file), its
ranked offers and « Pourquoi pas ? », the proposals and their next step.

A profile is shown to whoever may see the person (the person's file's rule, people.selectors), the
constraints the person stated only to the insertion service holding it; creating and editing a
profile, proposing and moving a proposal are for that service. Every page that shows persons
declares them to the access log (privacy.reads.read_note).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from relais.appointments.selectors import person_appointments
from relais.core.forms import apply_errors
from relais.core.http import AgentRequest
from relais.insertion import matching, policies, selectors, services
from relais.insertion.forms import ProfileForm, ProposalFilterForm, TransitionForm
from relais.insertion.models import CandidateProfile, Offer
from relais.insertion.views import insertion_scope, proposals_followed
from relais.insertion.workflow import TransitionRefused, proposal_next_choices
from relais.people.models import Person
from relais.people.selectors import person_get
from relais.privacy.reads import read_note
from relais.territory.communes import commune_coordinates
from relais.territory.models import Agent, Organisation
from relais.territory.policies import AccessScope, agent_access_scope


def _profile_get(scope: AccessScope, public_id: str) -> tuple[Person, CandidateProfile]:
    person = person_get(scope=scope, public_id=public_id)
    profile = (
        policies.profiles_visible(scope, CandidateProfile.objects.filter(person=person))
        .select_related("organisation", "referent", "person")
        .prefetch_related("desired_metiers")
        .first()
    )
    if profile is None:
        raise Http404
    return person, profile


def _offers_for_profile(profile: CandidateProfile) -> list[Offer]:
    """The offers a profile may be matched with: those of the companies its département holds."""
    return list(
        Offer.objects.filter(company__organisations=profile.organisation_id)
        .exclude(status=Offer.Status.CLOSED)
        .select_related("company", "metier", "commune")
        .distinct()
        .order_by("metier__label", "company__name")
    )


# --- Candidate profiles -----------------------------------------------------------------------------


def profile_detail(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    person, profile = _profile_get(scope, public_id)
    read_note(scope=scope, persons=[person], detail="profil d'insertion")
    may_edit = policies.profile_may_edit(scope, profile)
    today = timezone.localdate()
    open_offers = {
        str(offer.pk): offer
        for offer in selectors.offers_open(organisation_ids=[profile.organisation_id], today=today).select_related(
            "metier", "commune"
        )
    }
    ranked: list[dict[str, Any]] = []
    if profile.is_active and person.commune_code:
        rows = [selectors.offer_row(offer) for offer in open_offers.values()]
        for item in matching.offers_for(selectors.candidate_row(profile, today=today), rows, commune_coordinates(), limit=15):
            ranked.append({"offer": open_offers[item.offer_id], "score": item.score, "reasons": item.reasons})
    proposals = list(
        profile.proposals.select_related("offer__company", "offer__metier", "proposed_by")
        .prefetch_related("events")
        .order_by("-created_at")
    )
    open_offer_ids = {p.offer_id for p in proposals if p.is_open}
    for entry in ranked:
        entry["proposed"] = entry["offer"].pk in open_offer_ids
    context = {
        "nav": "insertion",
        "person": person,
        "profile": profile,
        "may_edit": may_edit,
        "may_read_constraints": policies.profile_may_read_constraints(scope, profile),
        "ranked": ranked,
        "proposals": proposals,
        "all_offers": _offers_for_profile(profile),
    }
    return render(request, "insertion/profile_detail.html", context)


def profile_why(request: AgentRequest, public_id: str) -> HttpResponse:
    """« Pourquoi pas ? »: the hard constraints one offer breaks for this candidate, and its score."""
    scope = agent_access_scope(request.user)
    person, profile = _profile_get(scope, public_id)
    offer_id = request.GET.get("offre", "")
    offer = next((o for o in _offers_for_profile(profile) if str(o.pk) == offer_id), None) if offer_id.isdigit() else None
    if offer is None:
        messages.error(request, "Choisissez une offre de la liste.")
        return redirect("insertion:profile_detail", public_id=person.public_id)
    read_note(scope=scope, persons=[person], detail=f"rapprochement avec l'offre n° {offer.pk}")
    explanation = matching.explain(
        selectors.candidate_row(profile, today=timezone.localdate()), selectors.offer_row(offer), commune_coordinates()
    )
    context = {"nav": "insertion", "person": person, "profile": profile, "offer": offer, "explanation": explanation}
    template = "insertion/includes/why.html" if request.htmx else "insertion/profile_why.html"
    return render(request, template, context)


def _profile_form_page(
    request: AgentRequest, *, person: Person, form: ProfileForm, profile: CandidateProfile | None
) -> HttpResponse:
    context = {"nav": "insertion", "person": person, "profile": profile, "form": form}
    return render(request, "insertion/profile_form.html", context, status=400 if form.errors else 200)


def profile_create(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    person = person_get(scope=scope, public_id=public_id)
    if CandidateProfile.objects.filter(person=person).exists():
        return redirect("insertion:profile_detail", public_id=person.public_id)
    org_ids = [
        org_id
        for org_id in policies.scope_insertion_organisation_ids(scope)
        if policies.profile_may_create(scope, person_id=person.pk, organisation_id=org_id)
    ]
    if not org_ids:
        raise Http404
    read_note(scope=scope, persons=[person], detail="création du profil d'insertion")
    organisations = Organisation.objects.filter(pk__in=org_ids).order_by("name")
    form = ProfileForm(request.POST or None, organisations=organisations, with_constraints=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_create(
                scope=scope,
                person=person,
                organisation=form.cleaned_data["organisation"],
                desired_metiers=form.cleaned_data["desired_metiers"],
                consent_shared=form.cleaned_data["consent_shared"],
                referent=request.user,
                **form.profile_fields(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Le profil de candidat est créé.")
            return redirect("insertion:profile_detail", public_id=person.public_id)
    return _profile_form_page(request, person=person, form=form, profile=None)


def profile_edit(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    person, profile = _profile_get(scope, public_id)
    if not policies.profile_may_edit(scope, profile):
        raise Http404
    read_note(scope=scope, persons=[person], detail="profil d'insertion")
    form = ProfileForm(request.POST or None, instance=profile, organisations=Organisation.objects.none(), with_constraints=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(
                scope=scope,
                profile=profile,
                desired_metiers=form.cleaned_data["desired_metiers"],
                consent_shared=form.cleaned_data["consent_shared"],
                **form.profile_fields(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Le profil de candidat est enregistré.")
            return redirect("insertion:profile_detail", public_id=person.public_id)
    return _profile_form_page(request, person=person, form=form, profile=profile)


# --- Proposals ----------------------------------------------------------------------------------------


def proposal_list(request: AgentRequest) -> HttpResponse:
    scope, org_ids = insertion_scope(request)
    proposals = proposals_followed(scope, org_ids)
    adviser_ids = set(proposals.exclude(profile__referent=None).values_list("profile__referent", flat=True))
    advisers = [
        (str(agent.pk), agent.get_full_name() or agent.email)
        for agent in Agent.objects.filter(pk__in=adviser_ids).order_by("last_name", "first_name")
    ]
    form = ProposalFilterForm(request.GET or None, advisers=advisers)
    if form.is_valid():
        if form.cleaned_data["status"]:
            proposals = proposals.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["adviser"]:
            proposals = proposals.filter(profile__referent_id=int(form.cleaned_data["adviser"]))
    shown = list(
        proposals.select_related("profile__person", "profile__referent", "offer__company", "offer__metier").order_by(
            "-updated_at"
        )[:200]
    )
    read_note(scope=scope, persons=[p.profile.person for p in shown], detail="propositions d'insertion")
    context = {"nav": "insertion", "form": form, "proposals": shown}
    template = "insertion/includes/proposal_table.html" if request.htmx else "insertion/proposal_list.html"
    return render(request, template, context)


def proposal_detail(request: AgentRequest, insertion_proposal_id: int) -> HttpResponse:
    scope, org_ids = insertion_scope(request, missing=True)
    proposal = (
        proposals_followed(scope, org_ids)
        .select_related("profile__person", "offer__company", "offer__metier", "interview")
        .filter(pk=insertion_proposal_id)
        .first()
    )
    if proposal is None:
        raise Http404
    person = proposal.profile.person
    read_note(scope=scope, persons=[person], detail=f"proposition n° {proposal.pk}")
    may_edit = policies.profile_may_edit(scope, proposal.profile)
    appointments = list(
        person_appointments(scope=scope, person_id=person.pk)
        .filter(start__gte=timezone.now() - dt.timedelta(days=30))
        .order_by("start")[:20]
    )
    form = TransitionForm(request.POST or None, choices=proposal_next_choices(proposal.status), appointments=appointments)
    if request.method == "POST" and may_edit and form.is_valid():
        data = form.cleaned_data
        interview = next((a for a in appointments if str(a.public_id) == data.get("interview")), None)
        try:
            services.proposal_transition(
                scope=scope,
                proposal=proposal,
                to_status=data["to_status"],
                note=data["note"],
                refusal_reason=data["refusal_reason"],
                interview=interview,
                hire_contract_type=data["hire_contract_type"],
                hire_start_date=data["hire_start_date"],
            )
        except (TransitionRefused, ValidationError) as error:
            form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, "L'étape de la proposition est enregistrée.")
            return redirect("insertion:proposal_detail", insertion_proposal_id=proposal.pk)
    elif request.method == "POST" and not may_edit:
        raise Http404
    context = {
        "nav": "insertion",
        "proposal": proposal,
        "person": person,
        "events": proposal.events.select_related("actor"),
        "form": form,
        "may_edit": may_edit,
        "has_next": bool(proposal_next_choices(proposal.status)),
        "next_statuses": [status for status, _ in proposal_next_choices(proposal.status)],
    }
    return render(request, "insertion/proposal_detail.html", context, status=400 if form.errors else 200)
