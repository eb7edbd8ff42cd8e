"""The agents' survey pages: the questionnaire builder (managers), the kiosks of their sites, and
the paper questionnaires typed in by mediators. Objects are looked up within what the agent may
manage: another's, or a missing one, answers the same 404."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from relais.core.forms import apply_errors
from relais.core.http import AgentRequest
from relais.evaluation import surveys
from relais.evaluation.forms_surveys import KioskForm, PaperForm, QuestionForm, QuestionnaireForm
from relais.evaluation.models import Kiosk, Question, Questionnaire, SurveyChannel
from relais.evaluation.policies import counting_sites, managed_sites, may_manage_questionnaires
from relais.evaluation.survey_form import error_messages, question_fields

NOT_MANAGER = "Les questionnaires sont construits par les responsables d'un Département ou de l'EPI."
NOT_SITE_MANAGER = "Les bornes sont installées par les responsables des points d'accueil."
NOT_COUNTING = "La saisie des questionnaires papier est réservée aux médiateurs et aux responsables des points d'accueil."


def _require_builder(request: AgentRequest) -> None:
    if not may_manage_questionnaires(request.user):
        raise PermissionDenied(NOT_MANAGER)


def _questionnaire(request: AgentRequest, public_id: Any) -> Questionnaire:
    # Not allowed and not found read the same: an object page never tells which.
    questionnaire = Questionnaire.objects.filter(public_id=public_id).first() if may_manage_questionnaires(request.user) else None
    if questionnaire is None:
        raise Http404("Questionnaire introuvable.")
    return questionnaire


def _question(request: AgentRequest, public_id: Any, question_id: int) -> Question:
    questionnaire = _questionnaire(request, public_id)
    question = questionnaire.questions.filter(pk=question_id).first()
    if question is None:
        raise Http404("Questionnaire introuvable.")
    return question


def _context(subnav: str, **values: Any) -> dict[str, Any]:
    return {"nav": "evaluation", "subnav": subnav, **values}


# --- questionnaires --------------------------------------------------------------------------------


def questionnaire_list(request: AgentRequest) -> HttpResponse:
    _require_builder(request)
    questionnaires = Questionnaire.objects.annotate(
        question_count=Count("questions", distinct=True), response_count=Count("responses", distinct=True)
    )
    return render(
        request, "evaluation/surveys/questionnaire_list.html", _context("questionnaires", questionnaires=questionnaires)
    )


@require_http_methods(["GET", "POST"])
def questionnaire_create(request: AgentRequest) -> HttpResponse:
    _require_builder(request)
    form = QuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire = surveys.questionnaire_save(**form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Le questionnaire « {questionnaire.name} » est créé : ajoutez ses questions.")
            return redirect("evaluation:questionnaire_edit", public_id=questionnaire.public_id)
    status = 400 if form.errors else 200
    return render(request, "evaluation/surveys/questionnaire_form.html", _context("questionnaires", form=form), status=status)


@require_http_methods(["GET", "POST"])
def questionnaire_edit(request: AgentRequest, public_id: Any) -> HttpResponse:
    questionnaire = _questionnaire(request, public_id)
    initial = {f: getattr(questionnaire, f) for f in ("name", "introduction", "is_default", "is_active")}
    form = QuestionnaireForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.questionnaire_save(questionnaire=questionnaire, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Les modifications sont enregistrées.")
            return redirect("evaluation:questionnaire_edit", public_id=questionnaire.public_id)
    context = _context(
        "questionnaires", form=form, questionnaire=questionnaire,
        questions=list(questionnaire.questions.order_by("position", "pk")), answers=questionnaire.responses.count(),
    )  # fmt: skip
    return render(request, "evaluation/surveys/questionnaire_edit.html", context, status=400 if form.errors else 200)


def questionnaire_preview(request: AgentRequest, public_id: Any) -> HttpResponse:
    questionnaire = _questionnaire(request, public_id)
    fields = question_fields(surveys.questions_shown(questionnaire))
    context = _context("questionnaires", questionnaire=questionnaire, fields=fields, fields_with_errors=[])
    return render(request, "evaluation/surveys/questionnaire_preview.html", context)


def _question_initial(question: Question) -> dict[str, Any]:
    return {
        "label": question.label, "help_text": question.help_text, "measure": question.measure, "kind": question.kind,
        "required": question.required, "choices_text": "\n".join(c["label"] for c in question.choices or []),
    }  # fmt: skip


def _question_form(request: AgentRequest, questionnaire: Questionnaire, question: Question | None) -> HttpResponse:
    form = QuestionForm(request.POST or None, initial=_question_initial(question) if question else {"kind": "single"})
    if request.method == "POST" and form.is_valid():
        try:
            surveys.question_save(questionnaire=questionnaire, question=question, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "La question est enregistrée." if question else "La question est ajoutée.")
            return redirect("evaluation:questionnaire_edit", public_id=questionnaire.public_id)
    context = _context(
        "questionnaires", form=form, questionnaire=questionnaire, question=question,
        has_answers=bool(question and surveys.question_has_answers(question)),
    )  # fmt: skip
    return render(request, "evaluation/surveys/question_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def question_create(request: AgentRequest, public_id: Any) -> HttpResponse:
    return _question_form(request, _questionnaire(request, public_id), None)


@require_http_methods(["GET", "POST"])
def question_edit(request: AgentRequest, public_id: Any, id: int) -> HttpResponse:
    question = _question(request, public_id, id)
    return _question_form(request, question.questionnaire, question)


@require_POST
def question_delete(request: AgentRequest, public_id: Any, id: int) -> HttpResponse:
    question = _question(request, public_id, id)
    try:
        surveys.question_delete(question)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"La question « {question.label} » est supprimée.")
    return redirect("evaluation:questionnaire_edit", public_id=question.questionnaire.public_id)


@require_POST
def question_move(request: AgentRequest, public_id: Any, id: int) -> HttpResponse:
    question = _question(request, public_id, id)
    try:
        surveys.question_move(question, up=request.POST.get("sens") != "bas")
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect(reverse("evaluation:questionnaire_edit", kwargs={"public_id": public_id}) + f"#question-{question.pk}")


# --- kiosks ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def kiosk_list(request: AgentRequest) -> HttpResponse:
    sites = managed_sites(request.user).order_by("name")
    if not sites.exists():
        raise PermissionDenied(NOT_SITE_MANAGER)
    form = KioskForm(request.POST or None, sites=sites, initial={"questionnaire": surveys.default_questionnaire()})
    created: tuple[Kiosk, str] | None = None
    if request.method == "POST" and form.is_valid():
        created = surveys.kiosk_create(created_by=request.user, **form.cleaned_data)
        form = KioskForm(sites=sites, initial={"questionnaire": surveys.default_questionnaire()})
    kiosks = (
        Kiosk.objects.filter(site__in=sites)
        .select_related("site", "questionnaire")
        .order_by("-is_active", "site__name", "-created_at")
    )
    context = _context(
        "kiosks", form=form, kiosks=kiosks,
        created=created[0] if created else None, created_url=surveys.kiosk_url(created[1]) if created else "",
    )  # fmt: skip
    return render(request, "evaluation/surveys/kiosk_list.html", context, status=400 if form.errors else 200)


@require_POST
def kiosk_revoke(request: AgentRequest, id: int) -> HttpResponse:
    kiosk = Kiosk.objects.filter(pk=id, site__in=managed_sites(request.user)).select_related("site").first()
    if kiosk is None:
        raise Http404("Borne introuvable.")
    surveys.kiosk_revoke(kiosk)
    messages.success(request, f"La borne « {kiosk.name} » de {kiosk.site.name} est retirée : son lien ne fonctionne plus.")
    return redirect("evaluation:kiosk_list")


# --- paper questionnaires --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def paper_entry(request: AgentRequest) -> HttpResponse:
    """One paper sheet at a time; after each, the same site, date and questionnaire, answers blank."""
    sites = counting_sites(request.user).distinct().order_by("name")
    if not sites.exists():
        raise PermissionDenied(NOT_COUNTING)
    questionnaires = list(Questionnaire.objects.filter(is_active=True))
    chosen = request.GET.get("questionnaire", "")
    questionnaire = next((q for q in questionnaires if str(q.public_id) == chosen), None) or surveys.default_questionnaire()
    if questionnaire is None:
        raise Http404("Aucun questionnaire actif.")
    initial = {"site": request.GET.get("site") or sites.first(), "answered_on": timezone.localdate()}
    if request.GET.get("date"):
        initial["answered_on"] = request.GET["date"]
    questions = surveys.questions_shown(questionnaire)
    partner_asked = any(q.measure == Question.Measure.PARTNER for q in questions)
    form = PaperForm(request.POST or None, sites=sites, partner_asked=partner_asked, initial=initial)
    data: dict[int, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = surveys.answers_from_post(questions, request.POST)
        if form.is_valid():
            try:
                surveys.response_submit(
                    questionnaire, data, channel=SurveyChannel.PAPER, site=form.cleaned_data["site"],
                    partner=form.cleaned_data.get("partner"), entered_by=request.user,
                    answered_on=form.cleaned_data["answered_on"],
                )  # fmt: skip
            except ValidationError as error:
                errors = error_messages(error)
                if "answered_on" in errors:
                    form.add_error("answered_on", errors.pop("answered_on"))
            else:
                site, day = form.cleaned_data["site"], form.cleaned_data["answered_on"]
                messages.success(
                    request, f"Questionnaire papier du {day:%d/%m/%Y} enregistré pour {site.name}. Saisissez le suivant."
                )
                query = urlencode({"site": site.pk, "date": f"{day:%d/%m/%Y}", "questionnaire": questionnaire.public_id})
                return redirect(reverse("evaluation:paper_entry") + "?" + query)
    fields = question_fields(questions, data, errors)
    context = _context(
        "paper", form=form, questionnaire=questionnaire, questionnaires=questionnaires, fields=fields,
        fields_with_errors=[f for f in fields if f.error],
    )  # fmt: skip
    failed = request.method == "POST"
    return render(request, "evaluation/surveys/paper_entry.html", context, status=400 if failed else 200)
