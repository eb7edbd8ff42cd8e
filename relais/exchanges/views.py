"""Agents' pages about exchanges: log an exchange, the list and its export, attachments."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from relais.core.csv_export import ExcelCsv
from relais.core.forms import apply_errors
from relais.core.http import AgentRequest
from relais.core.redirects import safe_next
from relais.exchanges.forms import ExchangeForm, ExchangeListFilterForm
from relais.exchanges.models import Topic
from relais.exchanges.policies import exchange_content_visible
from relais.exchanges.selectors import (
    exchange_export_rows,
    exchange_get,
    exchange_list,
    exchange_visible_persons,
)
from relais.exchanges.services import ExchangeData, exchange_close_follow_up, exchange_create
from relais.people.models import Person
from relais.people.selectors import person_get
from relais.privacy.models import AccessLog
from relais.privacy.reads import read_note
from relais.privacy.services import access_log_record
from relais.territory.models import Membership
from relais.territory.policies import agent_access_scope

EXPORT_MAX_ROWS = 100_000


@require_POST
def create(request: AgentRequest, person_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    person = person_get(scope=scope, public_id=person_id)
    form = ExchangeForm(request.POST, request.FILES, scope=scope, agent=request.user)
    if form.is_valid():
        service = form.cleaned_data["service"]
        membership = (
            Membership.objects.filter(agent=request.user, service=service, is_active=True).select_related("organisation").first()
        )
        topic_id = form.cleaned_data.get("topic")
        topic = Topic.objects.filter(pk=topic_id, service=service).first() if topic_id else None
        if topic_id and topic is None:
            form.add_error("topic", "Ce thème n'appartient pas au service choisi.")
        elif membership is None:
            form.add_error("service", "Vous n'êtes pas membre de ce service.")
        else:
            data = ExchangeData(
                channel=form.cleaned_data["channel"],
                occurred_at=form.occurred_at(),
                service=service,
                persons=[person],
                duration_minutes=form.cleaned_data.get("duration_minutes"),
                site=form.cleaned_data.get("site"),
                topic=topic,
                summary=form.cleaned_data.get("summary", ""),
                follow_up=form.cleaned_data.get("follow_up", ""),
                follow_up_due=form.cleaned_data.get("follow_up_due"),
                files=form.cleaned_data.get("files") or [],
            )
            try:
                exchange_create(data=data, organisation=membership.organisation, scope=scope, acting_user=request.user)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                access_log_record(
                    scope=scope, action=AccessLog.Action.EDIT, persons=[person], request=request, detail="échange ajouté"
                )
                messages.success(request, "L'échange a été enregistré.")
                if request.htmx:
                    # A full reload shows the new entry and the message; a URL that differs only by
                    # its #fragment would just scroll, so the htmx redirect carries none.
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = reverse("people:detail", kwargs={"public_id": person.public_id})
                    return response
                return redirect(person_url(person))
    context = {"person": person, "exchange_form": form, "scope": scope}
    if request.htmx:
        return render(request, "exchanges/includes/exchange_form.html", context, status=422)
    return render(request, "exchanges/create.html", context, status=422)


def person_url(person: Person) -> str:
    return reverse("people:detail", kwargs={"public_id": person.public_id}) + "#historique"


def list_view(request: AgentRequest) -> HttpResponse:
    scope = agent_access_scope(request.user)
    form = ExchangeListFilterForm(request.GET or None, scope=scope)
    filters = form.to_list_filters(request.user)
    page = Paginator(exchange_list(scope=scope, filters=filters), 50).get_page(request.GET.get("page"))
    persons = [person for exchange in page for person in exchange_visible_persons(exchange)]
    read_note(scope=scope, persons=persons, detail="liste des échanges")
    query = request.GET.copy()
    query.pop("page", None)
    context = {"nav": "exchanges", "form": form, "page": page, "scope": scope, "query_string": query.urlencode()}
    template = "exchanges/includes/list_table.html" if request.htmx else "exchanges/list.html"
    return render(request, template, context)


def export_csv(request: AgentRequest) -> HttpResponse:
    """The filtered list as CSV for a French Excel: UTF-8 with BOM, ';' separators, dates JJ/MM/AAAA."""
    scope = agent_access_scope(request.user)
    form = ExchangeListFilterForm(request.GET or None, scope=scope)
    filters = form.to_list_filters(request.user)
    writer = ExcelCsv(
        ["Date", "Heure", "Canal", "Organisation", "Service", "Lieu", "Agent", "Usagers", "Thème", "Résumé",
         "Suite à donner", "Échéance", "Suite traitée le", "Durée (min)"]
    )  # fmt: skip
    persons = {}
    for count, row in enumerate(exchange_export_rows(scope=scope, filters=filters), start=1):
        if count > EXPORT_MAX_ROWS:
            messages.error(
                request,
                f"L'export dépasse {EXPORT_MAX_ROWS:,} lignes : réduisez la période ou ajoutez un filtre.".replace(",", " "),
            )
            return redirect(f"{request.path.rsplit('export', 1)[0]}?{request.GET.urlencode()}")
        exchange = row.exchange
        moment = timezone.localtime(exchange.occurred_at)
        linked = exchange_visible_persons(exchange)
        persons.update({person.pk: person for person in linked})
        restricted = "[contenu réservé au service]"
        writer.writerow(
            [
                moment.strftime("%d/%m/%Y"),
                moment.strftime("%H:%M"),
                exchange.get_channel_display(),
                exchange.organisation.name,
                exchange.service.name,
                exchange.site.name if exchange.site else "",
                str(exchange.agent) if exchange.agent else f"API {exchange.api_token.name}" if exchange.api_token else "",
                ", ".join(person.display_name for person in linked),
                (exchange.topic.name if exchange.topic else "") if row.content_visible else restricted,
                exchange.summary if row.content_visible else restricted,
                exchange.follow_up if row.content_visible else restricted,
                exchange.follow_up_due.strftime("%d/%m/%Y") if exchange.follow_up_due and row.content_visible else "",
                timezone.localtime(exchange.follow_up_done_at).strftime("%d/%m/%Y") if exchange.follow_up_done_at else "",
                exchange.duration_minutes if exchange.duration_minutes is not None else "",
            ]
        )
    access_log_record(
        scope=scope, action=AccessLog.Action.EXPORT, persons=persons.values(), request=request, detail="export des échanges"
    )
    return writer.response(f"echanges-{timezone.localdate():%Y-%m-%d}.csv")


def detail(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    exchange = exchange_get(scope=scope, public_id=public_id)
    persons = exchange_visible_persons(exchange)
    read_note(scope=scope, persons=persons, detail="échange")
    context = {
        "nav": "exchanges",
        "exchange": exchange,
        "persons": persons,
        "content_visible": exchange_content_visible(scope, exchange),
    }
    return render(request, "exchanges/detail.html", context)


def attachment(request: AgentRequest, public_id: str, attachment_id: str) -> FileResponse:
    scope = agent_access_scope(request.user)
    exchange = exchange_get(scope=scope, public_id=public_id)
    if not exchange_content_visible(scope, exchange):
        raise Http404("Aucune pièce ne correspond.")
    found = exchange.attachments.filter(public_id=attachment_id).first()
    if found is None:
        raise Http404("Aucune pièce ne correspond.")
    persons = exchange_visible_persons(exchange)
    access_log_record(scope=scope, action=AccessLog.Action.DOWNLOAD, persons=persons, request=request, detail=found.original_name)
    response = FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.original_name, content_type=found.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def close_follow_up(request: AgentRequest, public_id: str) -> HttpResponse:
    scope = agent_access_scope(request.user)
    exchange = exchange_get(scope=scope, public_id=public_id)
    if not exchange_content_visible(scope, exchange):
        raise Http404("Aucun échange ne correspond.")
    try:
        exchange_close_follow_up(exchange=exchange, scope=scope, acting_user=request.user)
        messages.success(request, "La suite à donner est marquée comme traitée.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error))
    return redirect(safe_next(request, reverse("workspace:my_day")))
