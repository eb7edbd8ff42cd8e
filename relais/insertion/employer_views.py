"""The employer space (/employeurs/): a company's contacts post and manage their offers and answer
the profiles the insertion service shares with them.

Who: a signed-in user who is an active contact of an active company (policies.employer_contact_for);
anyone else gets a 403 on the space's pages and a 404 on its objects. What: every offer and proposal
is looked up through policies.offers_for_contact / proposals_for_contact, so another company's
answer 404 like a missing one. The candidate is shown pseudonymised only (pseudonymisation.py); the
employer's answers go through services.proposal_transition, so the proposal's history records them
with the contact's name and company.

Offers: the employer writes a draft, edits it, and publishes it themselves (the company was vetted
when the insertion service put it in its portfolio and invited the contact); they mark it filled or
close it. Only drafts are edited: a published offer may already have proposals made on what it said.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from relais.insertion import notifications, policies, services
from relais.insertion.employer_forms import DeclineForm, InterviewForm, OfferForm
from relais.insertion.models import EmployerContact, Offer, Proposal
from relais.insertion.pseudonymisation import ConsentMissing, candidate_pseudonym, candidate_pseudonymised
from relais.privacy.reads import read_note

P = Proposal.Status
# What the employer may do with an offer from each status (a subset of workflow.OFFER_TRANSITIONS).
OFFER_ACTIONS: dict[str, list[tuple[str, str]]] = {
    Offer.Status.DRAFT: [(Offer.Status.PUBLISHED, "Publier l'offre"), (Offer.Status.CLOSED, "Abandonner le brouillon")],
    Offer.Status.PUBLISHED: [(Offer.Status.FILLED, "Marquer comme pourvue"), (Offer.Status.CLOSED, "Clôturer l'offre")],
    Offer.Status.FILLED: [(Offer.Status.PUBLISHED, "Publier à nouveau"), (Offer.Status.CLOSED, "Clôturer l'offre")],
    Offer.Status.CLOSED: [],
}
ANSWERABLE = (P.SHARED_WITH_EMPLOYER,)
DECLINABLE = (P.SHARED_WITH_EMPLOYER, P.INTERVIEW)


def employer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view gets the contact; a user who is not one gets a 403 (a 404 on an object's page)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
        contact = policies.employer_contact_for(request.user)
        if contact is None:
            if kwargs:
                raise Http404
            raise PermissionDenied(
                "L'espace employeur est réservé aux contacts des entreprises invités par le service insertion."
            )
        return view(request, contact, *args, **kwargs)

    return wrapper


def _render(request: HttpRequest, contact: EmployerContact, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(
        request, f"insertion/employer/{template}", {"contact": contact, "company": contact.company, **context}, status=status
    )


def _proposals(contact: EmployerContact):  # type: ignore[no-untyped-def]
    return policies.proposals_for_contact(contact).select_related("offer__metier", "profile").order_by("-updated_at")


@employer_required
def home(request: HttpRequest, contact: EmployerContact) -> HttpResponse:
    offers = policies.offers_for_contact(contact).select_related("metier", "commune").order_by("-created_at")
    proposals = list(_proposals(contact))
    for proposal in proposals:
        proposal.pseudonym = candidate_pseudonym(proposal.profile)  # type: ignore[attr-defined]
    return _render(
        request,
        contact,
        "home.html",
        {
            "offers": offers,
            "waiting": [p for p in proposals if p.status in ANSWERABLE],
            "others": [p for p in proposals if p.status not in ANSWERABLE],
        },
    )


@employer_required
def offer_create(request: HttpRequest, contact: EmployerContact) -> HttpResponse:
    form = OfferForm(request.POST or None, company=contact.company)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            offer = services.offer_create(actor=contact.account, company=contact.company, status=Offer.Status.DRAFT, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Brouillon enregistré. Relisez-le puis publiez-le pour le rendre visible du service insertion."
            )
            return redirect("employer:offer", offer_id=offer.pk)
    return _render(request, contact, "offer_form.html", {"form": form, "offer": None}, status=400 if form.errors else 200)


@employer_required
def offer_detail(request: HttpRequest, contact: EmployerContact, offer_id: int) -> HttpResponse:
    offer = get_object_or_404(policies.offers_for_contact(contact).select_related("metier", "commune", "site"), pk=offer_id)
    return _render(request, contact, "offer_detail.html", {"offer": offer, "actions": OFFER_ACTIONS[offer.status]})


@employer_required
def offer_edit(request: HttpRequest, contact: EmployerContact, offer_id: int) -> HttpResponse:
    offer = get_object_or_404(policies.offers_for_contact(contact), pk=offer_id)
    if offer.status != Offer.Status.DRAFT:
        messages.warning(request, "Seul un brouillon se modifie : demandez à votre chargé d'affaires pour une offre publiée.")
        return redirect("employer:offer", offer_id=offer.pk)
    # The form works on its own copy: the service locks the row and writes it (one write path with the agents').
    form = OfferForm(request.POST or None, instance=Offer.objects.get(pk=offer.pk), company=contact.company)
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_update(offer=offer, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Brouillon enregistré.")
            return redirect("employer:offer", offer_id=offer.pk)
    return _render(request, contact, "offer_form.html", {"form": form, "offer": offer}, status=400 if form.errors else 200)


@require_POST
@employer_required
def offer_status(request: HttpRequest, contact: EmployerContact, offer_id: int) -> HttpResponse:
    offer = get_object_or_404(policies.offers_for_contact(contact), pk=offer_id)
    allowed = dict(OFFER_ACTIONS[offer.status])
    status = request.POST.get("status", "")
    if status not in allowed:
        messages.error(request, "Cette action n'est pas possible pour cette offre.")
        return redirect("employer:offer", offer_id=offer.pk)
    try:
        services.offer_set_status(offer=offer, status=status)
    except services.TransitionRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Offre « {offer.title or offer.metier.label} » : {Offer.Status(status).label.lower()}.")
    return redirect("employer:offer", offer_id=offer.pk)


@employer_required
def proposal_detail(request: HttpRequest, contact: EmployerContact, proposal_id: int) -> HttpResponse:
    proposal = get_object_or_404(_proposals(contact).select_related("profile__person"), pk=proposal_id)
    try:
        candidate = candidate_pseudonymised(proposal.profile)
    except ConsentMissing:
        candidate = None  # consent withdrawn since: nothing of the profile is shown any more
    else:
        # Not a read of the person's file (no name, no contact), but the profile comes from it: noted
        # under the contact's account, so the person's access log tells which employer saw it.
        read_note(
            scope=services.employer_scope(contact),
            persons=[proposal.profile.person],
            detail=f"Profil pseudonymisé, espace employeur ({contact.company.name})",
        )
    history = proposal.events.filter(to_status__in=(P.SHARED_WITH_EMPLOYER, P.INTERVIEW, P.HIRED, P.REFUSED, P.WITHDRAWN))
    return _render(
        request,
        contact,
        "proposal_detail.html",
        {
            "proposal": proposal,
            "candidate": candidate,
            "history": history,
            "may_answer": proposal.status in ANSWERABLE and candidate is not None,
            "may_decline": proposal.status in DECLINABLE,
            "interview_form": InterviewForm(),
            "decline_form": DeclineForm(),
        },
    )


def _answer(request: HttpRequest, contact: EmployerContact, proposal: Proposal, **transition) -> HttpResponse | None:  # type: ignore[no-untyped-def]
    try:
        moved = services.proposal_transition(scope=services.employer_scope(contact), proposal=proposal, **transition)
    except services.TransitionRefused as error:
        messages.error(request, str(error))
        return None
    notifications.employer_answer_queue(moved, contact=contact, note=transition.get("note", ""))
    return redirect("employer:proposal", proposal_id=proposal.pk)


@require_POST
@employer_required
def proposal_interview(request: HttpRequest, contact: EmployerContact, proposal_id: int) -> HttpResponse:
    proposal = get_object_or_404(_proposals(contact), pk=proposal_id)
    form = InterviewForm(request.POST)
    if proposal.status in ANSWERABLE and form.is_valid():
        answered = _answer(request, contact, proposal, to_status=P.INTERVIEW, note=form.cleaned_data["note"])
        if answered:
            messages.success(request, "Entretien proposé : le conseiller de la personne vous contacte pour fixer le rendez-vous.")
            return answered
    elif proposal.status not in ANSWERABLE:
        messages.error(request, "Cette proposition a déjà reçu une réponse.")
    return redirect("employer:proposal", proposal_id=proposal.pk)


@require_POST
@employer_required
def proposal_decline(request: HttpRequest, contact: EmployerContact, proposal_id: int) -> HttpResponse:
    proposal = get_object_or_404(_proposals(contact), pk=proposal_id)
    form = DeclineForm(request.POST)
    if proposal.status not in DECLINABLE:
        messages.error(request, "Cette proposition est close.")
    elif not form.is_valid():
        messages.error(request, "Choisissez le motif pour décliner la candidature.")
    else:
        answered = _answer(
            request,
            contact,
            proposal,
            to_status=P.REFUSED,
            refusal_reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
        if answered:
            messages.success(request, "Candidature déclinée. Le conseiller de la personne en est informé.")
            return answered
    return redirect("employer:proposal", proposal_id=proposal.pk)
