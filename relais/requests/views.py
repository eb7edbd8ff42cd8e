"""Agents' pages: the work queue of their services, a request's file and its actions, registering a
letter, a counter visit or a call, and the indicators."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from relais.core.calendar import PARIS
from relais.core.forms import apply_errors
from relais.core.http import AgentRequest
from relais.core.redirects import safe_next
from relais.core.tables import csv_response
from relais.core.wording import count_of
from relais.people.normalization import parse_french_date
from relais.people.selectors import person_get
from relais.privacy.models import AccessLog
from relais.privacy.reads import read_note
from relais.privacy.services import access_log_record
from relais.requests import workflow
from relais.requests.forms import (
    AssignForm,
    DocumentRequestForm,
    DocumentsReceivedForm,
    ForwardForm,
    MessageForm,
    RegisterForm,
    TransitionForm,
)
from relais.requests.models import CitizenRequest, Procedure
from relais.requests.policies import may_handle_request, request_content_visible, request_indicator_service_ids
from relais.requests.selectors import QueueFilters, request_by_reference, request_get, request_indicators, request_queue
from relais.requests.services import (
    RequestActor,
    request_ask_documents,
    request_assign,
    request_forward,
    request_letter_printed,
    request_post_message,
    request_receive_documents,
    request_register,
    request_transition,
)
from relais.territory.models import Agent, Service
from relais.territory.policies import agent_access_scope


def _actor(request: AgentRequest) -> RequestActor:
    scope = agent_access_scope(request.user)
    return RequestActor(label=str(request.user), agent=request.user, scope=scope)


def queue(request: AgentRequest) -> HttpResponse:
    scope = agent_access_scope(request.user)
    searched = request.GET.get("q", "").strip()
    # A whole reference opens its request, even one handled by another service of the organisation.
    found = request_by_reference(scope=scope, text=searched) if searched else None
    if found is not None:
        return redirect("requests:detail", public_id=found.public_id)
    services = Service.objects.filter(pk__in=scope.loggable_service_ids).order_by("name")
    service_id = _int(request.GET.get("service"))
    filters = QueueFilters(
        service_id=service_id if service_id in scope.loggable_service_ids else None,
        flag=request.GET.get("flag", ""),
        assigned_to_id=request.user.pk if request.GET.get("mine") else None,
        unassigned=bool(request.GET.get("unassigned")),
        reference=searched,
    )
    page = Paginator(request_queue(scope=scope, filters=filters), 50).get_page(request.GET.get("page"))
    read_note(
        scope=scope,
        persons=[item.person for item in page],
        detail="file des demandes",
    )
    agents = (
        Agent.objects.filter(memberships__service_id__in=scope.loggable_service_ids, memberships__is_active=True)
        .distinct()
        .order_by("last_name")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": "requests", "page": page, "services": services, "filters": filters, "agents": agents, "today": timezone.localdate(),
        "query_string": query.urlencode(), "show_indicators": bool(request_indicator_service_ids(request.user)), "flags": [("", "Toutes"), ("overdue", "Échéance atteinte"), ("due_soon", "Échéance dans 7 jours"),
                                                     ("awaiting_decision", "Complètes, à décider"), ("incomplete", "Incomplètes")],
    }  # fmt: skip
    return render(request, "requests/queue.html", context)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _back_to_queue(request: AgentRequest) -> str:
    """The queue page the agent came from (its filters), never another site."""
    return safe_next(request, reverse("requests:queue"))


@require_POST
def bulk(request: AgentRequest) -> HttpResponse:
    """Assign several requests at once, or start their review."""
    scope = agent_access_scope(request.user)
    actor = _actor(request)
    selected = CitizenRequest.objects.filter(
        public_id__in=request.POST.getlist("selected"), service_id__in=scope.loggable_service_ids
    )
    action = request.POST.get("action", "")
    chosen = request.POST.get("agent", "")
    if action == "assign" and not chosen:
        # An empty choice once meant "unassign": removing instructors must be asked for by name.
        messages.error(request, "Choisissez l'agent à qui attribuer les demandes, ou « Aucun » pour retirer l'instructeur.")
        return redirect(_back_to_queue(request))
    done, refused = 0, 0
    for item in selected.select_related("service"):
        try:
            if action == "assign":
                agent = None if chosen == "aucun" else Agent.objects.filter(pk=_int(chosen) or 0).first()
                if agent is None and chosen != "aucun":
                    raise ValidationError("Agent inconnu.")
                request_assign(request=item, agent=agent, actor=actor)
            elif action == "review":
                request_transition(request=item, to_status=CitizenRequest.Status.UNDER_REVIEW, actor=actor)
            else:
                raise ValidationError("Action inconnue.")
            done += 1
        except (ValidationError, workflow.TransitionRefused, PermissionDenied):
            refused += 1
    if done:
        messages.success(request, f"{count_of(done, 'demande mise', 'demandes mises')} à jour.")
    if refused:
        verb = "n'a pas pu l'être" if refused == 1 else "n'ont pas pu l'être"
        messages.warning(request, f"{count_of(refused, 'demande')} {verb} (statut ou service incompatible).")
    return redirect(_back_to_queue(request))


def detail(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    item = request_get(scope=scope, public_id=public_id)
    read_note(scope=scope, persons=[item.person], detail=f"demande {item.reference}")
    handle = may_handle_request(scope, item)
    agents = Agent.objects.filter(memberships__service=item.service, memberships__is_active=True).distinct().order_by("last_name")
    context = {
        "nav": "requests", "item": item, "content_visible": request_content_visible(scope, item), "may_handle": handle,
        "transition_form": TransitionForm(request=item), "documents_form": DocumentRequestForm(initial={"deadline": timezone.localdate() + dt.timedelta(days=30)}),
        "received_form": DocumentsReceivedForm(initial={"received_on": timezone.localdate()}),
        "forward_form": ForwardForm(procedures=Procedure.objects.filter(is_active=True).exclude(service=item.service).order_by("name")),
        "assign_form": AssignForm(agents=agents, initial={"agent": item.assigned_to_id}), "message_form": MessageForm(),
        "open_documents": item.document_requests.filter(received_on__isnull=True).last(), "today": timezone.localdate(),
    }  # fmt: skip
    return render(request, "requests/detail.html", context)


def _handled(request: AgentRequest, public_id: str) -> CitizenRequest:
    scope = agent_access_scope(request.user)
    item = request_get(scope=scope, public_id=public_id)
    if not may_handle_request(scope, item):
        raise PermissionDenied("Seul le service compétent peut instruire cette demande.")
    return item


def _do_transition(request: AgentRequest, item: CitizenRequest, actor: RequestActor) -> str:
    form = TransitionForm(request.POST, request=item)
    if not form.is_valid():
        raise ValidationError([str(error) for errors in form.errors.values() for error in errors])
    request_transition(request=item, to_status=form.cleaned_data["to_status"], actor=actor, note=form.cleaned_data["note"])
    return "Statut mis à jour."


def _do_documents(request: AgentRequest, item: CitizenRequest, actor: RequestActor) -> str:
    form = DocumentRequestForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Indiquez les pièces et une date limite (JJ/MM/AAAA).")
    request_ask_documents(request=item, items=form.cleaned_data["items"], deadline=form.cleaned_data["deadline"], actor=actor)
    return "La demande de pièces est envoyée au demandeur."


def _do_received(request: AgentRequest, item: CitizenRequest, actor: RequestActor) -> str:
    form = DocumentsReceivedForm(request.POST, request.FILES)
    if not form.is_valid():
        raise ValidationError([str(error) for errors in form.errors.values() for error in errors])
    request_receive_documents(
        request=item, actor=actor, files=form.cleaned_data["attachments"], received_on=form.cleaned_data["received_on"]
    )
    return "Réception des pièces enregistrée ; l'échéance est recalculée."


def _do_forward(request: AgentRequest, item: CitizenRequest, actor: RequestActor) -> str:
    form = ForwardForm(request.POST, procedures=Procedure.objects.filter(is_active=True))
    if not form.is_valid():
        raise ValidationError("Choisissez la procédure du service compétent.")
    new = request_forward(request=item, to_procedure=form.cleaned_data["procedure"], actor=actor, note=form.cleaned_data["note"])
    return f"Demande transmise ({new.reference}) ; le demandeur en est informé."


def _do_assign(request: AgentRequest, item: CitizenRequest, actor: RequestActor) -> str:
    form = AssignForm(
        request.POST, agents=Agent.objects.filter(memberships__service=item.service, memberships__is_active=True).distinct()
    )
    if not form.is_valid():
        raise ValidationError("Choisissez un agent du service.")
    request_assign(request=item, agent=form.cleaned_data["agent"], actor=actor)
    return "Instructeur mis à jour."


def _do_message(request: AgentRequest, item: CitizenRequest, actor: RequestActor) -> str:
    form = MessageForm(request.POST)
    if not form.is_valid():
        raise ValidationError("Le message est vide.")
    request_post_message(request=item, body=form.cleaned_data["body"], actor=actor, from_person=False)
    return "Message envoyé au demandeur."


def _do_printed(request: AgentRequest, item: CitizenRequest, actor: RequestActor) -> str:
    request_letter_printed(request=item, letter_id=request.POST.get("letter", ""), actor=actor)
    return "Courrier marqué comme imprimé et envoyé."


ACTIONS = {
    "transition": _do_transition, "documents": _do_documents, "received": _do_received, "forward": _do_forward,
    "assign": _do_assign, "message": _do_message, "printed": _do_printed,
}  # fmt: skip


@require_POST
def action(request: AgentRequest, public_id: str, name: str) -> HttpResponse:
    """One of the actions of the request page: each validates its form and calls its service."""
    handler = ACTIONS.get(name)
    if handler is None:
        raise Http404("Action inconnue.")
    item = _handled(request, public_id)
    try:
        messages.success(request, handler(request, item, _actor(request)))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except workflow.TransitionRefused as error:
        messages.error(request, str(error))
    return redirect("requests:detail", public_id=item.public_id)


def letter(request: AgentRequest, public_id: str, letter_id: str) -> FileResponse:
    scope = agent_access_scope(request.user)
    item = request_get(scope=scope, public_id=public_id)
    found = item.letters.filter(public_id=letter_id).exclude(file="").first()
    if found is None or not request_content_visible(scope, item):
        raise Http404("Courrier introuvable.")
    access_log_record(
        scope=scope, action=AccessLog.Action.DOWNLOAD, persons=[item.person], request=request, detail=f"courrier {item.reference}"
    )
    return FileResponse(found.file.open("rb"), content_type="application/pdf", filename=found.download_name)


def document(request: AgentRequest, public_id: str, document_id: str) -> FileResponse:
    scope = agent_access_scope(request.user)
    item = request_get(scope=scope, public_id=public_id)
    found = item.documents.filter(public_id=document_id).first()
    if found is None or not request_content_visible(scope, item):
        raise Http404("Pièce introuvable.")
    access_log_record(
        scope=scope, action=AccessLog.Action.DOWNLOAD, persons=[item.person], request=request, detail=found.original_name
    )
    response = FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.original_name, content_type=found.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def register(request: AgentRequest, person_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    person = person_get(scope=scope, public_id=person_id)
    procedures = Procedure.objects.filter(is_active=True, organisation_id__in=scope.organisation_ids).order_by("name")
    form = RegisterForm(request.POST or None, request.FILES or None, procedures=procedures)
    if request.method == "GET":
        read_note(scope=scope, persons=[person], detail="nouvelle demande")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        received_at = (
            dt.datetime.combine(data["received_on"], dt.time(12), PARIS)
            if data["received_on"] != timezone.localdate()
            else timezone.now()
        )
        try:
            item = request_register(
                procedure=data["procedure"], person=person, channel=data["channel"], subject=data["subject"], details=data["details"],
                received_at=received_at, contact_email=data.get("contact_email", ""), files=data["attachments"], actor=_actor(request),
            )  # fmt: skip
        except ValidationError as error:
            apply_errors(form, error)
        else:
            access_log_record(
                scope=scope, action=AccessLog.Action.EDIT, persons=[person], request=request, detail=f"demande {item.reference}"
            )
            messages.success(request, f"Demande enregistrée : {item.reference}. L'accusé de réception est prêt.")
            return redirect("requests:detail", public_id=item.public_id)
    return render(request, "requests/register.html", {"nav": "requests", "person": person, "form": form})


def indicators(request: AgentRequest) -> HttpResponse:
    """The indicators of the services the agent manages; each breakdown exports to CSV (?export=<key>)."""
    scope = agent_access_scope(request.user)
    service_ids = request_indicator_service_ids(request.user)
    if not service_ids:
        raise PermissionDenied("Les indicateurs des demandes sont réservés aux responsables de service.")
    today = timezone.localdate()
    try:
        start = parse_french_date(request.GET.get("du", "")) or today - dt.timedelta(days=365)
        end = parse_french_date(request.GET.get("au", "")) or today
    except ValidationError:
        start, end = today - dt.timedelta(days=365), today
    data = request_indicators(scope=scope, service_ids=service_ids, start=start, end=end, today=today)
    table = data.table(request.GET.get("export", ""))
    if table is not None:
        return csv_response(table, f"demandes-{table.key}-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv")
    export_query = request.GET.copy()
    export_query.pop("export", None)
    context = {"nav": "requests", "data": data, "start": start, "end": end, "query": export_query.urlencode()}
    return render(request, "requests/indicators.html", context)
