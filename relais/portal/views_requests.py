"""Citizens submit a request online (with documents) and follow it on a private tracking page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from relais.core.http import PublicRequest
from relais.core.ratelimit import rate_limited
from relais.people.services import person_find_or_create_for_booking
from relais.requests.forms import MessageForm, OnlineRequestForm, TrackingUploadForm
from relais.requests.models import CitizenRequest
from relais.requests.selectors import documents_sent_by_person, procedures_online
from relais.requests.services import RequestActor, request_post_message, request_receive_documents, request_register


def _too_many(request: PublicRequest) -> HttpResponse:
    return render(request, "portal/too_many.html", status=429)


@login_not_required
def procedures(request: PublicRequest) -> HttpResponse:
    return render(request, "portal/procedures.html", {"procedures": procedures_online()})


@login_not_required
@require_http_methods(["GET", "POST"])
def submit(request: PublicRequest, code: str) -> HttpResponse:
    procedure = procedures_online().filter(code=code).first()
    if procedure is None:
        raise Http404("Démarche inconnue ou fermée en ligne.")
    form = OnlineRequestForm(request.POST or None, request.FILES or None, procedure=procedure)
    if request.method == "POST" and form.is_valid():
        if rate_limited(request, bucket="portal-request", limit=10, per_seconds=3600):
            return _too_many(request)
        try:
            person = person_find_or_create_for_booking(
                data=form.to_data(), organisation_id=procedure.organisation_id, origin=f"demande en ligne ({procedure.name})"
            )
            item = request_register(
                procedure=procedure, person=person, channel=CitizenRequest.Channel.ONLINE_FORM, subject=form.cleaned_data["subject"],
                details=form.cleaned_data.get("details", ""), form_data=form.answers(), contact_email=form.cleaned_data["email"],
                files=form.cleaned_data["attachments"], actor=RequestActor.person(person),
            )  # fmt: skip
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            request.session["portal_request"] = item.tracking_token
            return redirect("portal_requests:submitted", token=item.tracking_token)
    return render(request, "portal/request_form.html", {"procedure": procedure, "form": form}, status=422 if form.errors else 200)


def _tracked(token: str) -> CitizenRequest:
    item = (
        CitizenRequest.objects.select_related("procedure", "service", "organisation", "person")
        .filter(tracking_token=token)
        .first()
    )
    if item is None or len(token) < 20:
        raise Http404("Lien de suivi inconnu.")
    return item


@login_not_required
def submitted(request: PublicRequest, token: str) -> HttpResponse:
    item = _tracked(token)
    return render(request, "portal/request_submitted.html", {"item": item})


@login_not_required
@require_http_methods(["GET", "POST"])
def track(request: PublicRequest, token: str) -> HttpResponse:
    """Status, dates, documents to provide, letters received, messages with the service."""
    if rate_limited(request, bucket="portal-track", limit=120, per_seconds=3600):
        return _too_many(request)
    item = _tracked(token)
    context = {
        "item": item,
        "upload_form": TrackingUploadForm(),
        "message_form": MessageForm(),
        "open_documents": item.document_requests.filter(received_on__isnull=True).last(),
        "letters": item.letters.exclude(file=""),
        "sent_documents": documents_sent_by_person(item),
    }
    return render(request, "portal/request_track.html", context)


@login_not_required
@require_POST
def track_upload(request: PublicRequest, token: str) -> HttpResponse:
    item = _tracked(token)
    form = TrackingUploadForm(request.POST, request.FILES)
    context = {"item": item, "upload_form": form, "message_form": MessageForm(), "letters": item.letters.exclude(file=""),
               "open_documents": item.document_requests.filter(received_on__isnull=True).last(),
               "sent_documents": documents_sent_by_person(item)}  # fmt: skip
    if form.is_valid():
        try:
            request_receive_documents(
                request=item, actor=RequestActor.person(item.person), files=form.cleaned_data["attachments"]
            )
            return redirect("portal_requests:track", token=token)
        except ValidationError as error:
            form.add_error(
                "attachments", error.message_dict.get("files", error.messages) if hasattr(error, "error_dict") else error.messages
            )
    return render(request, "portal/request_track.html", context, status=422)


@login_not_required
@require_POST
def track_message(request: PublicRequest, token: str) -> HttpResponse:
    if rate_limited(request, bucket="portal-message", limit=20, per_seconds=3600):
        return _too_many(request)
    item = _tracked(token)
    form = MessageForm(request.POST)
    if form.is_valid():
        request_post_message(
            request=item, body=form.cleaned_data["body"], actor=RequestActor.person(item.person), from_person=True
        )
    return redirect("portal_requests:track", token=token)


@login_not_required
def track_letter(request: PublicRequest, token: str, letter_id: str) -> FileResponse:
    item = _tracked(token)
    letter = item.letters.filter(public_id=letter_id).exclude(file="").first()
    if letter is None:
        raise Http404("Courrier introuvable.")
    return FileResponse(letter.file.open("rb"), content_type="application/pdf", filename=letter.download_name)
