"""The public survey pages (`/avis/`): a questionnaire answered through its single-use link, and the
kiosk of a service point. Nothing here asks for or shows anything about a person."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from relais.core.http import PublicRequest
from relais.core.ratelimit import limit_reached, rate_limited
from relais.evaluation import surveys
from relais.evaluation.models import Kiosk, Questionnaire, SurveyInvitation
from relais.evaluation.survey_form import error_messages, question_fields

LINK_STATUS = {"unknown": 404, "used": 410, "expired": 410}


def _form_context(questionnaire: Questionnaire, *, partner_known: bool = False, data: Any = None, errors: Any = None) -> dict:
    fields = question_fields(surveys.questions_shown(questionnaire, partner_known=partner_known), data, errors)
    return {"questionnaire": questionnaire, "fields": fields, "fields_with_errors": [f for f in fields if f.error]}


@login_not_required
@require_http_methods(["GET", "POST"])
def answer(request: PublicRequest, token: str) -> HttpResponse:
    try:
        invitation = surveys.invitation_open(token)
    except surveys.LinkUnusable as unusable:
        return _unusable(request, unusable)
    partner_known = invitation.partner_id is not None
    context: dict[str, Any] = {"invitation": invitation}
    if request.method == "POST":
        questions = surveys.questions_shown(invitation.questionnaire, partner_known=partner_known)
        data = surveys.answers_from_post(questions, request.POST)
        try:
            surveys.invitation_answer(token, data)
        except surveys.LinkUnusable as unusable:
            return _unusable(request, unusable)
        except ValidationError as error:
            context |= _form_context(
                invitation.questionnaire, partner_known=partner_known, data=data, errors=error_messages(error)
            )
            return render(request, "evaluation/survey/answer.html", context, status=400)
        return render(request, "evaluation/survey/thanks.html", {"site": invitation.site})
    context |= _form_context(invitation.questionnaire, partner_known=partner_known)
    return render(request, "evaluation/survey/answer.html", context)


def _unusable(request: PublicRequest, unusable: surveys.LinkUnusable) -> HttpResponse:
    if unusable.reason == "unknown" and rate_limited(request, bucket="survey-unknown-link", limit=30, per_seconds=600):
        return render(request, "evaluation/survey/too_many.html", status=429)  # someone trying links
    invitation: SurveyInvitation | None = unusable.invitation
    context = {
        "reason": unusable.reason, "expired_on": invitation.expires_at if invitation else None,
        "posted": request.method == "POST",
    }  # fmt: skip
    return render(request, "evaluation/survey/link_unusable.html", context, status=LINK_STATUS[unusable.reason])


@login_not_required
@require_http_methods(["GET", "POST"])
def kiosk(request: PublicRequest, token: str) -> HttpResponse:
    """A tablet at the site: a blank questionnaire, a thank-you screen that comes back to it."""
    found: Kiosk | None = surveys.kiosk_find(token)
    if found is None:
        if rate_limited(request, bucket="survey-kiosk-unknown", limit=30, per_seconds=600):
            return render(request, "evaluation/survey/too_many.html", status=429)
        return render(request, "evaluation/survey/kiosk_unusable.html", {"reason": "unknown"}, status=404)
    if not found.is_active or not found.site.is_active:
        return render(request, "evaluation/survey/kiosk_unusable.html", {"reason": "revoked"}, status=410)
    context: dict[str, Any] = {"kiosk": found, "token": token}
    if request.method == "POST":
        # Counted per kiosk, whatever the address: a flood from one tablet or from its leaked link.
        if limit_reached(f"survey-kiosk:{found.pk}", limit=settings.SURVEY_KIOSK_ANSWERS_PER_MINUTE, per_seconds=60):
            return render(request, "evaluation/survey/too_many.html", {"kiosk": found, "token": token}, status=429)
        questions = surveys.questions_shown(found.questionnaire)
        data = surveys.answers_from_post(questions, request.POST)
        try:
            surveys.kiosk_answer(found, data)
        except ValidationError as error:
            context |= _form_context(found.questionnaire, data=data, errors=error_messages(error))
            return render(request, "evaluation/survey/kiosk.html", context, status=400)
        return render(request, "evaluation/survey/kiosk_thanks.html", context)
    context |= _form_context(found.questionnaire)
    return render(request, "evaluation/survey/kiosk.html", context)
