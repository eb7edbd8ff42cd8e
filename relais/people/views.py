"""Agents' pages about persons: search, file, create and edit (thin: validate, call, render)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from relais.core.http import AgentRequest
from relais.people.forms import HouseholdMemberForm, PersonForm
from relais.people.merging import person_start_editing
from relais.people.models import HouseholdMember
from relais.people.policies import person_may_create
from relais.people.selectors import (
    DuplicateCandidate,
    person_duplicate_candidates,
    person_get,
    person_search,
)
from relais.people.services import (
    PersonEditConflict,
    household_add_member,
    person_confirm_proposed_contact,
    person_create,
    person_data_clean,
    person_data_from,
    person_update,
)
from relais.privacy.models import AccessLog
from relais.privacy.reads import read_note
from relais.privacy.services import access_log_record
from relais.territory.policies import agent_access_scope
from relais.territory.selectors import agent_home_organisation


@require_http_methods(["GET", "POST"])
def create(request: AgentRequest) -> HttpResponse:
    scope = agent_access_scope(request.user)
    organisation = agent_home_organisation(request.user)
    if organisation is None or not person_may_create(scope):
        raise PermissionDenied("Votre rôle ne permet pas de créer une fiche usager.")
    form = PersonForm(request.POST or None, show_nir=scope.may_see_nir, initial=_initial_from_query(request))
    duplicates, relatives = [], []
    if request.method == "POST" and form.is_valid():
        data = form.to_data()
        try:
            cleaned = person_data_clean(data)
            candidates = person_duplicate_candidates(scope=scope, data=cleaned)
            duplicates = [candidate for candidate in candidates if not candidate.contradicted]
            relatives = [candidate for candidate in candidates if candidate.contradicted]
            if duplicates and not form.cleaned_data.get("not_a_duplicate"):
                form.add_error(None, "Cette personne existe peut-être déjà : vérifiez les fiches proposées avant de créer.")
            else:
                person = person_create(data=cleaned, organisation=organisation, scope=scope, acting_user=request.user)
                access_log_record(scope=scope, action=AccessLog.Action.CREATE, persons=[person], request=request)
                messages.success(request, f"La fiche de {person.display_name} a été créée.")
                if relatives:
                    messages.info(request, relatives_note(relatives))
                return redirect("people:detail", public_id=person.public_id)
        except ValidationError as error:
            form.add_service_errors(error)
    context = {"nav": "people", "form": form, "duplicates": duplicates, "relatives": relatives, "creating": True}
    return render(request, "people/form.html", context)


def relatives_note(relatives: list[DuplicateCandidate]) -> str:
    """After a creation: the persons who look alike but are not the same person, and why."""
    listed = " ; ".join(
        f"{candidate.person.display_name}"
        + (
            f", né{'e' if candidate.person.sex == 'F' else ''} le {candidate.person.birth_date:%d/%m/%Y}"
            if candidate.person.birth_date
            else ""
        )
        + f" — {candidate.reasons}"
        for candidate in relatives
    )
    return f"Personnes proches déjà connues, qui ne sont pas la même personne : {listed}. Pensez à rattacher les membres d'un même foyer."


def _initial_from_query(request: AgentRequest) -> dict:
    """Start the creation form from what the agent searched for, so nothing is typed twice."""
    query = request.GET.get("q", "").strip()
    if not query or any(char.isdigit() for char in query) or "@" in query:
        return {}
    words = query.split()
    return {"birth_name": words[0].upper(), "first_names": ", ".join(w.capitalize() for w in words[1:])}


@require_http_methods(["GET", "POST"])
def edit(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    person = person_get(scope=scope, public_id=public_id)
    if not scope.may_edit_identity:
        raise PermissionDenied("Votre rôle ne permet pas de modifier cette fiche.")
    if request.method == "POST":
        form = PersonForm(request.POST, show_nir=scope.may_see_nir)
        if form.is_valid():
            try:
                person = person_update(
                    person=person,
                    data=form.to_data(),
                    expected_version=form.cleaned_data.get("version") or 0,
                    scope=scope,
                    acting_user=request.user,
                )
                access_log_record(scope=scope, action=AccessLog.Action.EDIT, persons=[person], request=request)
                messages.success(request, "Les modifications ont été enregistrées.")
                return redirect("people:detail", public_id=person.public_id)
            except PersonEditConflict as conflict:
                form.add_error(None, str(conflict))
            except ValidationError as error:
                form.add_service_errors(error)
    else:
        read_note(scope=scope, persons=[person], detail="modification")
        person_start_editing(person=person, agent=request.user)
        form = PersonForm(initial=PersonForm.initial_from(person_data_from(person), person.version), show_nir=scope.may_see_nir)
    return render(request, "people/form.html", {"nav": "people", "form": form, "person": person, "creating": False})


def household_candidates(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    person = person_get(scope=scope, public_id=public_id)
    query = request.GET.get("q", "").strip()
    results = [p for p in person_search(scope=scope, query=query, limit=10) if p.pk != person.pk] if len(query) >= 2 else []
    read_note(scope=scope, persons=results, detail="recherche d'un membre du foyer")
    roles = [choice for choice in HouseholdMember.Role.choices if choice[0] != HouseholdMember.Role.REFERENCE]
    context = {"person": person, "results": results, "query": query, "roles": roles}
    return render(request, "people/includes/household_candidates.html", context)


@require_POST
def household_add(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    person = person_get(scope=scope, public_id=public_id)
    form = HouseholdMemberForm(request.POST)
    if form.is_valid():
        member = person_get(scope=scope, public_id=form.cleaned_data["member"])
        try:
            household_add_member(person=person, member=member, role=form.cleaned_data["role"], scope=scope)
            access_log_record(
                scope=scope, action=AccessLog.Action.EDIT, persons=[person, member], request=request, detail="foyer"
            )
            messages.success(request, f"{member.display_name} a été ajouté·e au foyer.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Choisissez la personne à ajouter et son lien avec le foyer.")
    return redirect("people:detail", public_id=person.public_id)


@require_POST
def proposed_contact_confirm(request: AgentRequest, public_id: str, proposal_id: int) -> HttpResponse:
    """« Confirmer » a contact detail given online: it joins the person's file (logged as an edit)."""
    scope = agent_access_scope(request.user)
    person = person_get(scope=scope, public_id=public_id)
    try:
        point = person_confirm_proposed_contact(proposal_id=proposal_id, person=person, scope=scope, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        access_log_record(
            scope=scope,
            action=AccessLog.Action.EDIT,
            persons=[person],
            request=request,
            detail="coordonnée proposée en ligne confirmée",
        )
        messages.success(request, f"Coordonnée ajoutée à la fiche : {point.display_value}.")
    return redirect("people:detail", public_id=person.public_id)
