"""Agents' insertion pages (JOB78 / JOB92): home and allocation round, companies, offers.

Every page is for the members of an insertion service (policies.works_in_insertion): others get
403 on the lists and the same 404 as a missing object on the pages of one object. Objects are
fetched through the policies' querysets, never by a raw id from the browser. The candidates'
pages (profiles, proposals) are in views_candidates.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from relais.core.forms import apply_errors
from relais.core.http import AgentRequest
from relais.insertion import matching, policies, selectors, services
from relais.insertion.forms import (
    CompanyForm,
    CompanySearchForm,
    ContactForm,
    OfferFilterForm,
    OfferForm,
    ProposeForm,
    SiteForm,
)
from relais.insertion.models import CandidateProfile, Company, Offer, Proposal
from relais.insertion.workflow import OFFER_TRANSITIONS, TransitionRefused
from relais.privacy.reads import read_note
from relais.territory.communes import commune_coordinates
from relais.territory.models import Organisation
from relais.territory.policies import AccessScope, agent_access_scope

NOT_INSERTION = "Ces pages sont réservées aux services d'insertion des départements."

# The actions on an offer, as its page offers them (workflow.OFFER_TRANSITIONS decides).
OFFER_ACTIONS: dict[str, str] = {
    Offer.Status.PUBLISHED: "Publier",
    Offer.Status.FILLED: "Marquer pourvue",
    Offer.Status.CLOSED: "Clôturer",
}


def insertion_scope(request: AgentRequest, *, missing: bool = False) -> tuple[AccessScope, frozenset[int]]:
    """The agent's scope and the départements they work in insertion for; 403 (or 404 on an
    object's page, like a missing object) for the others."""
    if not policies.works_in_insertion(request.user):
        if missing:
            raise Http404
        raise PermissionDenied(NOT_INSERTION)
    scope = agent_access_scope(request.user)
    return scope, policies.scope_insertion_organisation_ids(scope) | policies.insertion_organisation_ids(request.user)


def company_get(request: AgentRequest, company_id: int) -> Company:
    insertion_scope(request, missing=True)
    company = policies.companies_manageable(request.user).filter(pk=company_id).first()
    if company is None:
        raise Http404
    return company


def offer_get(request: AgentRequest, offer_id: int) -> Offer:
    insertion_scope(request, missing=True)
    offer = (
        policies.offers_manageable(request.user)
        .select_related("company", "metier", "appellation", "commune")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None:
        raise Http404
    return offer


def proposals_followed(scope: AccessScope, organisation_ids: Iterable[int]) -> QuerySet[Proposal]:
    """The proposals of the profiles the agent's départements hold, of persons the agent may see."""
    profiles = policies.profiles_visible(scope, CandidateProfile.objects.filter(organisation_id__in=list(organisation_ids)))
    return Proposal.objects.filter(profile__in=profiles)


# --- Home ---------------------------------------------------------------------------------------------


def home(request: AgentRequest) -> HttpResponse:
    scope, org_ids = insertion_scope(request)
    today = timezone.localdate()
    by_status = dict(
        proposals_followed(scope, org_ids)
        .filter(status__in=Proposal.OPEN_STATUSES)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    context = {
        "nav": "insertion",
        "open_offers": selectors.offers_open(organisation_ids=org_ids, today=today).count(),
        "draft_offers": policies.offers_manageable(request.user).filter(status=Offer.Status.DRAFT).count(),
        "active_candidates": policies.profiles_visible(
            scope, CandidateProfile.objects.filter(is_active=True, organisation_id__in=org_ids)
        ).count(),
        "companies": policies.companies_manageable(request.user).count(),
        "proposals_by_status": [
            (status, label, by_status.get(status, 0))
            for status, label in Proposal.Status.choices
            if status in Proposal.OPEN_STATUSES
        ],
        "departements": Organisation.objects.filter(pk__in=org_ids).order_by("name"),
    }
    return render(request, "insertion/home.html", context)


@require_POST
def allocate(request: AgentRequest) -> HttpResponse:
    scope, org_ids = insertion_scope(request)
    try:
        result = services.proposals_allocate(scope=scope, organisation_ids=org_ids)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Répartition des offres : {result}")
    return redirect("insertion:home")


# --- Companies ----------------------------------------------------------------------------------------


def company_list(request: AgentRequest) -> HttpResponse:
    insertion_scope(request)
    form = CompanySearchForm(request.GET or None)
    companies = (
        policies.companies_manageable(request.user)
        .select_related("commune")
        .annotate(open_offers=Count("offers", filter=Q(offers__status=Offer.Status.PUBLISHED)))
    )
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if query:
        digits = "".join(query.split())
        companies = companies.filter(
            Q(name__icontains=query) | Q(siret__startswith=digits) if digits.isdigit() else Q(name__icontains=query)
        )
    context = {"nav": "insertion", "form": form, "companies": companies.order_by("name")[:200], "query": query}
    template = "insertion/includes/company_table.html" if request.htmx else "insertion/company_list.html"
    return render(request, template, context)


def company_create(request: AgentRequest) -> HttpResponse:
    _, org_ids = insertion_scope(request)
    if not policies.company_may_create(request.user):
        raise PermissionDenied(NOT_INSERTION)
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(
                actor=request.user, organisations=Organisation.objects.filter(pk__in=org_ids), **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"L'entreprise {company.name} est ajoutée au portefeuille.")
            return redirect("insertion:company_detail", company_id=company.pk)
    return render(
        request,
        "insertion/company_form.html",
        {"nav": "insertion", "form": form, "company": None},
        status=400 if form.errors else 200,
    )


def company_edit(request: AgentRequest, company_id: int) -> HttpResponse:
    company = company_get(request, company_id)
    form = CompanyForm(request.POST or None, instance=Company.objects.get(pk=company.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.company_update(company=company, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Les modifications sont enregistrées.")
            return redirect("insertion:company_detail", company_id=company.pk)
    context = {"nav": "insertion", "form": form, "company": company}
    return render(request, "insertion/company_form.html", context, status=400 if form.errors else 200)


def company_detail(request: AgentRequest, company_id: int) -> HttpResponse:
    company = company_get(request, company_id)
    context = {
        "nav": "insertion",
        "company": company,
        "sites": company.sites.select_related("commune"),
        "contacts": company.contacts.filter(is_active=True),
        "offers": company.offers.select_related("metier", "commune").order_by("status", "-created_at"),
        "portfolio": company.organisations.order_by("name"),
    }
    return render(request, "insertion/company_detail.html", context)


def site_add(request: AgentRequest, company_id: int) -> HttpResponse:
    company = company_get(request, company_id)
    form = SiteForm(request.POST or None, company=company)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.company_site_add(company=company, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"L'établissement {site.name} est ajouté.")
            return redirect("insertion:company_detail", company_id=company.pk)
    context = {"nav": "insertion", "form": form, "company": company}
    return render(request, "insertion/site_form.html", context, status=400 if form.errors else 200)


def contact_add(request: AgentRequest, company_id: int) -> HttpResponse:
    company = company_get(request, company_id)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.company_contact_add(company=company, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{contact.first_name} {contact.last_name} est ajouté·e aux contacts.")
            return redirect("insertion:company_detail", company_id=company.pk)
    context = {"nav": "insertion", "form": form, "company": company}
    return render(request, "insertion/contact_form.html", context, status=400 if form.errors else 200)


@require_POST
def contact_invite(request: AgentRequest, company_id: int, contact_id: int) -> HttpResponse:
    """Open the employer space to a contact: their account and a link to choose a password."""
    company = company_get(request, company_id)
    contact = company.contacts.filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    try:
        services.employer_contact_invite(contact=contact, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Invitation envoyée à {contact.email} : le lien pour choisir un mot de passe vaut 24 heures.")
    return redirect("insertion:company_detail", company_id=company.pk)


# --- Offers -------------------------------------------------------------------------------------------


def offer_list(request: AgentRequest) -> HttpResponse:
    insertion_scope(request)
    form = OfferFilterForm(request.GET or None)
    offers = policies.offers_manageable(request.user).select_related("company", "metier", "commune")
    if form.is_valid():
        if form.cleaned_data["status"]:
            offers = offers.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["metier"]:
            offers = offers.filter(metier_id=form.cleaned_data["metier"])
        if form.cleaned_data["commune"]:
            offers = offers.filter(commune=form.cleaned_data["commune"])
    context = {"nav": "insertion", "form": form, "offers": offers.order_by("-created_at")[:300]}
    template = "insertion/includes/offer_table.html" if request.htmx else "insertion/offer_list.html"
    return render(request, template, context)


def offer_create(request: AgentRequest) -> HttpResponse:
    insertion_scope(request)
    companies = policies.companies_manageable(request.user).filter(is_active=True).order_by("name")
    initial = {}
    wanted = request.GET.get("entreprise", "")
    if wanted.isdigit() and companies.filter(pk=int(wanted)).exists():
        company = companies.get(pk=int(wanted))
        initial = {"company": company.pk, "commune": company.commune_id}
    form = OfferForm(request.POST or None, companies=companies, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_create(actor=request.user, **form.offer_fields())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "L'offre est enregistrée comme brouillon : publiez-la pour la proposer.")
            return redirect("insertion:offer_detail", offer_id=offer.pk)
    context = {"nav": "insertion", "form": form, "offer": None}
    return render(request, "insertion/offer_form.html", context, status=400 if form.errors else 200)


def offer_edit(request: AgentRequest, offer_id: int) -> HttpResponse:
    offer = offer_get(request, offer_id)
    companies = policies.companies_manageable(request.user).order_by("name")
    form = OfferForm(request.POST or None, instance=Offer.objects.get(pk=offer.pk), companies=companies)
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_update(offer=offer, **form.offer_fields())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Les modifications de l'offre sont enregistrées.")
            return redirect("insertion:offer_detail", offer_id=offer.pk)
    context = {"nav": "insertion", "form": form, "offer": offer}
    return render(request, "insertion/offer_form.html", context, status=400 if form.errors else 200)


@require_POST
def offer_status(request: AgentRequest, offer_id: int) -> HttpResponse:
    offer = offer_get(request, offer_id)
    status = request.POST.get("status", "")
    try:
        offer = services.offer_set_status(offer=offer, status=status)
    except TransitionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"L'offre est maintenant « {offer.get_status_display().lower()} ».")
    return redirect("insertion:offer_detail", offer_id=offer.pk)


def offer_detail(request: AgentRequest, offer_id: int) -> HttpResponse:
    scope, org_ids = insertion_scope(request, missing=True)
    offer = offer_get(request, offer_id)
    proposals = list(
        proposals_followed(scope, org_ids).filter(offer=offer).select_related("profile__person").order_by("-created_at")
    )
    ranked: list[dict[str, Any]] = []
    if offer.status == Offer.Status.PUBLISHED:
        seeking = list(policies.profiles_visible(scope, selectors.profiles_seeking(organisation_ids=org_ids)))
        today = timezone.localdate()
        rows = [selectors.candidate_row(profile, today=today) for profile in seeking]
        by_id = {str(profile.pk): profile for profile in seeking}
        open_pairs = {p.profile_id for p in proposals if p.is_open}
        for item in matching.candidates_for(selectors.offer_row(offer), rows, commune_coordinates(), limit=20):
            profile = by_id[item.candidate_id]
            ranked.append(
                {"profile": profile, "score": item.score, "reasons": item.reasons, "proposed": profile.pk in open_pairs}
            )
    persons = [entry["profile"].person for entry in ranked] + [p.profile.person for p in proposals]
    read_note(scope=scope, persons=persons, detail=f"candidats pour l'offre n° {offer.pk}")
    context = {
        "nav": "insertion",
        "offer": offer,
        "actions": [(status, OFFER_ACTIONS[status]) for status in OFFER_TRANSITIONS[offer.status]],
        "ranked": ranked,
        "proposals": proposals,
    }
    return render(request, "insertion/offer_detail.html", context)


@require_POST
def offer_propose(request: AgentRequest, offer_id: int) -> HttpResponse:
    """Propose one candidate for an offer (from the offer's ranked candidates or the candidate's ranked offers)."""
    scope, org_ids = insertion_scope(request, missing=True)
    offer = offer_get(request, offer_id)
    form = ProposeForm(request.POST)
    profile = None
    if form.is_valid():
        profile = (
            policies.profiles_visible(scope, CandidateProfile.objects.filter(organisation_id__in=org_ids))
            .select_related("person")
            .prefetch_related("desired_metiers")
            .filter(pk=form.cleaned_data["profile"])
            .first()
        )
    if profile is None:
        messages.error(request, "Ce candidat n'est pas suivi par votre service.")
        return redirect("insertion:offer_detail", offer_id=offer.pk)
    # The score and reasons are computed here, never taken from the browser.
    explanation = matching.explain(
        selectors.candidate_row(profile, today=timezone.localdate()), selectors.offer_row(offer), commune_coordinates()
    )
    try:
        services.proposal_create(
            scope=scope, profile=profile, offer=offer, score=round(explanation.score, 3), reasons=list(explanation.reasons)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Proposition faite à {profile.person.display_name} pour l'offre « {offer} ».")
    if request.POST.get("back") == "profil":
        return redirect("insertion:profile_detail", public_id=profile.person.public_id)
    return redirect("insertion:offer_detail", offer_id=offer.pk)
