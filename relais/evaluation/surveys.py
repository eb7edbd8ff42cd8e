"""Satisfaction surveys: answers, the single-use links sent after a visit, kiosks, and the
questionnaires managers build.

- An answer (`SurveyResponse`) never names a person and keeps only its day: whoever reads the
  table cannot tell who answered, nor match an answer to a visit by its time.
- Invitations follow an honoured appointment or a counter exchange at a service point (the network
  this evaluation measures; other sites have no survey). The site is the appointment's place when it
  is a service point, else the service point it was booked from (a visio-guichet with a partner far
  away); the partner is the agenda's (or the exchange's) organisation when it is a partner.
- One solicitation per person per SURVEY_SOLICITATION_GAP_DAYS, one per visit (`visit_key` is
  unique). A merged record is never solicited (its invitations moved to the kept one). The person
  model has no opt-out of its own: persons without an e-mail or a mobile get nothing.
- Questions that measure an indicator keep fixed codes; the partner question's choices are the
  partner organisations, read when the questionnaire is shown. Once a question has answers it cannot
  be deleted, nor its kind, measure or choices changed (rewording and reordering stay possible):
  deactivate the questionnaire and build another one instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from relais.appointments.models import Appointment, Participant
from relais.core.calendar import PARIS
from relais.evaluation.models import (
    NO,
    YES,
    Expectation,
    Kiosk,
    Question,
    Questionnaire,
    Reason,
    Satisfaction,
    SurveyChannel,
    SurveyInvitation,
    SurveyResponse,
)
from relais.evaluation.policies import partner_organisations
from relais.exchanges.models import Channel, Exchange
from relais.notifications.models import OutgoingMessage
from relais.notifications.services import message_queue_email, message_queue_sms
from relais.people.models import Person
from relais.people.selectors import person_addresses
from relais.territory.models import Organisation, Service, Site

if TYPE_CHECKING:
    from relais.territory.models import Agent

TEXT_MAX = 2000  # a free-text answer; longer is refused, not cut
BATCH = 500
LOOKBACK_DAYS = 3  # visits of the last days are invited (an hourly run, or a worker down for a weekend)
YES_NO_CHOICES = [{"code": YES, "label": "Oui"}, {"code": NO, "label": "Non"}]

# The fixed codes of the questions that feed the indicators, by measure (partner: generated).
MEASURE_KINDS: dict[str, str] = {
    Question.Measure.SATISFACTION: Question.Kind.SCALE,
    Question.Measure.EXPECTATION: Question.Kind.SINGLE,
    Question.Measure.RECOMMEND: Question.Kind.YES_NO,
    Question.Measure.REASON: Question.Kind.MULTIPLE,
    Question.Measure.PARTNER: Question.Kind.SINGLE,
    Question.Measure.COMMENT: Question.Kind.TEXT,
}
MEASURE_CHOICES: dict[str, list[dict[str, str]]] = {
    Question.Measure.SATISFACTION: [{"code": c.value, "label": c.label} for c in Satisfaction],
    Question.Measure.EXPECTATION: [{"code": c.value, "label": c.label} for c in Expectation],
    Question.Measure.REASON: [{"code": c.value, "label": c.label} for c in Reason],
}


# --- questions as shown -----------------------------------------------------------------------------


def question_choices(question: Question, partners: Iterable[Organisation] | None = None) -> list[dict[str, str]]:
    """The choices offered, as {"code", "label"}: the partner question lists the partner
    organisations (by code) as they are today; yes/no questions answer « oui » or « non »."""
    if question.measure == Question.Measure.PARTNER:
        return [{"code": p.code, "label": p.name} for p in (partners if partners is not None else partner_organisations())]
    if question.kind == Question.Kind.YES_NO:
        return YES_NO_CHOICES
    return list(question.choices or [])


def questions_shown(questionnaire: Questionnaire, *, partner_known: bool = False) -> list[Question]:
    """The questions in order; the partner question is left out when the visit already says it."""
    questions = list(questionnaire.questions.order_by("position", "pk"))
    if partner_known:
        questions = [q for q in questions if q.measure != Question.Measure.PARTNER]
    return questions


# --- answers ---------------------------------------------------------------------------------------


def field_name(question: Question) -> str:
    return f"q-{question.pk}"


def answers_from_post(questions: Iterable[Question], post: Any) -> dict[int, Any]:
    """The submitted values by question id (a list for multiple choices, a string otherwise)."""
    data: dict[int, Any] = {}
    for question in questions:
        name = field_name(question)
        if question.kind == Question.Kind.MULTIPLE:
            data[question.pk] = [value for value in post.getlist(name) if value]
        else:
            data[question.pk] = (post.get(name) or "").strip()
    return data


def response_submit(
    questionnaire: Questionnaire,
    data: Mapping[int, Any],
    *,
    channel: str,
    site: Site | None,
    partner: Organisation | None = None,
    service: Service | None = None,
    entered_by: Agent | None = None,
    answered_on: dt.date | None = None,
    partner_known: bool = False,
) -> SurveyResponse:
    """Check the answers (by question id) and store them, apart from any person.

    Raises ValidationError({"q-<id>": message}) with a French message per question. The partner
    answered, when there is one, wins over the `partner` given (the visit's)."""
    today = timezone.localdate()
    answered_on = answered_on or today
    if answered_on > today:
        raise ValidationError({"answered_on": "La date de la réponse ne peut pas être dans le futur."})
    partners = {p.code: p for p in partner_organisations()}
    errors: dict[str, str] = {}
    response = SurveyResponse(
        questionnaire=questionnaire, site=site, partner=partner, service=service, channel=channel,
        answered_on=answered_on, entered_by=entered_by,
    )  # fmt: skip
    answers: dict[str, Any] = {}
    for question in questions_shown(questionnaire, partner_known=partner_known):
        try:
            value = _clean_answer(question, data.get(question.pk), partners.values())
        except ValidationError as error:
            errors[field_name(question)] = error.messages[0]
            continue
        if value in (None, "", []):
            continue
        measure = question.measure
        if measure == Question.Measure.SATISFACTION:
            response.satisfaction = value
        elif measure == Question.Measure.EXPECTATION:
            response.expectation = value
        elif measure == Question.Measure.RECOMMEND:
            response.recommend = value == YES
        elif measure == Question.Measure.REASON:
            response.reasons = value
        elif measure == Question.Measure.PARTNER:
            response.partner = partners[value]
        elif measure == Question.Measure.COMMENT:
            response.comment = value
        else:
            answers[str(question.pk)] = value
    if errors:
        raise ValidationError(errors)
    response.answers = answers
    response.save()
    return response


def _clean_answer(question: Question, value: Any, partners: Iterable[Organisation]) -> Any:
    if question.kind == Question.Kind.MULTIPLE:
        if isinstance(value, str):
            values = [value.strip()] if value.strip() else []
        elif isinstance(value, list | tuple):
            values = [str(v).strip() for v in value if str(v).strip()]
        else:
            values = []
        codes = {choice["code"] for choice in question_choices(question, partners)}
        if any(v not in codes for v in values):
            raise ValidationError("Choisissez parmi les réponses proposées.")
        if question.required and not values:
            raise ValidationError("Cochez au moins une réponse : cette question est obligatoire.")
        return list(dict.fromkeys(values))
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if question.required:
            raise ValidationError(
                "Répondez à cette question : elle est obligatoire."
                if question.kind == Question.Kind.TEXT
                else "Choisissez une réponse : cette question est obligatoire."
            )
        return ""
    if question.kind == Question.Kind.TEXT:
        text = text.replace("\r\n", "\n")  # browsers send CRLF but count a line break as one character
        if len(text) > TEXT_MAX:
            raise ValidationError(f"Votre réponse fait {len(text)} caractères : {TEXT_MAX} au plus.")
        return text
    if text not in {choice["code"] for choice in question_choices(question, partners)}:
        raise ValidationError("Choisissez parmi les réponses proposées.")
    return text


# --- single-use links ----------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LinkUnusable(Exception):
    """The link cannot take an answer: `reason` is "unknown", "used" or "expired"."""

    def __init__(self, reason: str, invitation: SurveyInvitation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def invitation_open(token: str, *, now: dt.datetime | None = None, lock: bool = False) -> SurveyInvitation:
    """The invitation of a link that can still be answered, or LinkUnusable."""
    now = now or timezone.now()
    queryset = SurveyInvitation.objects.select_related("questionnaire", "site", "partner", "service")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise LinkUnusable("unknown")
    if invitation.used_at is not None:
        raise LinkUnusable("used", invitation)
    if invitation.expires_at <= now:
        raise LinkUnusable("expired", invitation)
    return invitation


def invitation_answer(token: str, data: Mapping[int, Any], *, now: dt.datetime | None = None) -> SurveyResponse:
    """Record the answer given through a link and spend the link, in one transaction: two
    submissions at once (a double click, two tabs) give one answer, the second finds it used."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = invitation_open(token, now=now, lock=True)
        response = response_submit(
            invitation.questionnaire, data, channel=invitation.channel, site=invitation.site,
            partner=invitation.partner, service=invitation.service, partner_known=invitation.partner_id is not None,
        )  # fmt: skip
        # The day only, like the answer: an exact time would point at the answer's row among the day's.
        invitation.used_at = dt.datetime.combine(now.astimezone(PARIS).date(), dt.time(), PARIS)
        invitation.save(update_fields=["used_at"])
    return response


def default_questionnaire() -> Questionnaire | None:
    return Questionnaire.objects.filter(is_default=True, is_active=True).first()


@dataclass(frozen=True)
class Visit:
    key: str
    person: Person
    day: dt.date
    site: Site
    partner: Organisation | None
    service: Service | None


def _service_point(*sites: Site | None) -> Site | None:
    return next((s for s in sites if s is not None and s.kind == Site.Kind.SERVICE_POINT and s.is_active), None)


def _visits(since: dt.datetime, until: dt.datetime) -> Iterable[Visit]:
    appointments = (
        Appointment.objects.filter(status=Appointment.Status.HONOURED, start__gte=since, start__lte=until)
        .filter(Q(site__kind=Site.Kind.SERVICE_POINT) | Q(booked_from_site__kind=Site.Kind.SERVICE_POINT))
        .select_related("site", "booked_from_site", "agenda__organisation", "motive__service")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.filter(status=Participant.Status.REGISTERED).select_related("person"),
            ),
            "participants__person__contact_points",
        )
    )
    for appointment in appointments.order_by("start"):
        site = _service_point(appointment.site, appointment.booked_from_site)
        if site is None:
            continue
        organisation = appointment.agenda.organisation
        for participant in appointment.participants.all():
            yield Visit(
                # one participant per visit key: a collective session has one key per registration
                key=f"appointment:{appointment.public_id}" + (f":{participant.pk}" if appointment.is_collective else ""),
                person=participant.person, day=appointment.start.astimezone(PARIS).date(), site=site,
                partner=organisation if organisation.is_partner else None, service=appointment.motive.service,
            )  # fmt: skip
    exchanges = (
        Exchange.objects.filter(channel=Channel.COUNTER, site__kind=Site.Kind.SERVICE_POINT, site__is_active=True)
        .filter(occurred_at__gte=since, occurred_at__lte=until)
        .select_related("site", "organisation", "service")
        .prefetch_related("persons__contact_points")
        .order_by("occurred_at")
    )
    for exchange in exchanges:
        assert exchange.site is not None
        persons = list(exchange.persons.all())
        for person in persons:
            yield Visit(
                key=f"exchange:{exchange.public_id}" + ("" if len(persons) == 1 else f":{person.pk}"),
                person=person, day=exchange.occurred_at.astimezone(PARIS).date(), site=exchange.site,
                partner=exchange.organisation if exchange.organisation.is_partner else None, service=exchange.service,
            )  # fmt: skip


def _reach(person: Person) -> tuple[str, str]:
    """(channel, address): e-mail first (the message says more), else a mobile; ("", "") if neither."""
    emails, mobiles = person_addresses(person)
    if emails:
        return SurveyChannel.EMAIL, emails[0]
    return (SurveyChannel.SMS, mobiles[0]) if mobiles else ("", "")


def survey_url(token: str) -> str:
    return settings.SITE_URL + reverse("survey:answer", kwargs={"token": token})


SMS_HOURS = (9, 19)  # Paris time: no survey SMS wakes anyone up


def invitations_send(now: dt.datetime | None = None) -> int:
    """Invite the persons seen in the last days at a service point; returns how many were invited."""
    now = now or timezone.now()
    questionnaire = default_questionnaire()
    if questionnaire is None:
        return 0
    gap_start = now - dt.timedelta(days=settings.SURVEY_SOLICITATION_GAP_DAYS)
    # A visit stays in the window for days and the run is hourly: what was already done is read
    # once per run, by batches, not once per visit.
    visits = list(_visits(now - dt.timedelta(days=LOOKBACK_DAYS), now))
    keys, person_ids = [v.key for v in visits], list({v.person.pk for v in visits})
    done: set[str] = set()
    recent: set[int] = set()
    for start in range(0, max(len(keys), len(person_ids)), BATCH):
        done.update(
            SurveyInvitation.objects.filter(visit_key__in=keys[start : start + BATCH]).values_list("visit_key", flat=True)
        )
        recent.update(
            SurveyInvitation.objects.filter(person_id__in=person_ids[start : start + BATCH], created_at__gte=gap_start)
            .values_list("person_id", flat=True)
        )  # fmt: skip
    reach = {visit.person.pk: _reach(visit.person) for visit in visits}
    # One invitation per address too: a mother and her child sharing an e-mail get one message.
    addresses = sorted({address for _, address in reach.values() if address})
    used_addresses: set[str] = set()
    for start in range(0, len(addresses), BATCH):
        used_addresses.update(
            OutgoingMessage.objects.filter(
                kind=OutgoingMessage.Kind.SURVEY_INVITATION, recipient__in=addresses[start : start + BATCH],
                created_at__gte=gap_start,
            ).values_list("recipient", flat=True)
        )  # fmt: skip
    texting_hours = SMS_HOURS[0] <= timezone.localtime(now).hour < SMS_HOURS[1]
    sent = 0
    for visit in visits:
        person = visit.person
        if person.merged_into_id is not None or visit.key in done or person.pk in recent:
            continue
        if visit.service is not None and visit.service.is_sensitive:
            continue  # a PMI or child-protection visit is nobody's business, not even a survey's
        channel, address = reach[person.pk]
        if not channel or address in used_addresses:
            continue
        if channel == SurveyChannel.SMS and not texting_hours:
            continue  # an hourly run at night: the visit stays in the window, the SMS leaves in the morning
        token = secrets.token_urlsafe(24)
        try:
            with transaction.atomic():
                invitation = SurveyInvitation.objects.create(
                    questionnaire=questionnaire, person=person, token_hash=token_hash(token), channel=channel,
                    visit_key=visit.key, site=visit.site, partner=visit.partner, service=visit.service,
                    visit_date=visit.day, expires_at=now + dt.timedelta(days=settings.SURVEY_LINK_DAYS),
                )  # fmt: skip
                _queue_invitation(invitation, token, address)
        except IntegrityError:  # invited meanwhile by another run
            continue
        recent.add(person.pk)
        used_addresses.add(address)
        sent += 1
    return sent


def _queue_invitation(invitation: SurveyInvitation, token: str, address: str) -> None:
    # The message is recorded with the person (their messages, their right of access) but with no
    # appointment: listed on nobody's history, so no agent sees a live link to answer in their place.
    assert invitation.site is not None
    day = f"{invitation.visit_date:%d/%m/%Y}"
    until = f"{timezone.localtime(invitation.expires_at):%d/%m/%Y}"
    url = survey_url(token)
    key = f"survey:{invitation.visit_key}"
    kind = OutgoingMessage.Kind.SURVEY_INVITATION
    if invitation.channel == SurveyChannel.SMS:
        text = f"{invitation.site.name} : votre avis sur votre visite du {day} ? Réponses anonymes, 1 minute. {url} (jusqu'au {until})"
        message_queue_sms(recipient=address, body=text, kind=kind, person=invitation.person, dedupe_key=key)
        return
    body = "\n".join([
        "Bonjour,",
        "",
        f"Merci de votre visite du {day} à {invitation.site.name}. Comment s'est-elle passée ?",
        "Répondre prend une minute. Vos réponses sont anonymes : elles ne sont pas rattachées à votre dossier.",
        "",
        "Donner votre avis :",
        url,
        "",
        f"Ce lien personnel ne sert qu'une fois ; il est valable jusqu'au {until}.",
        "",
        f"— {invitation.site.name}",
    ])  # fmt: skip
    message_queue_email(
        recipient=address, subject=f"Votre avis sur votre visite du {day}", body=body, kind=kind,
        person=invitation.person, dedupe_key=key,
    )  # fmt: skip


# --- kiosks ----------------------------------------------------------------------------------------


def kiosk_create(*, site: Site, questionnaire: Questionnaire, name: str, created_by: Agent) -> tuple[Kiosk, str]:
    """A kiosk and its link's token, shown once: only its hash is kept."""
    token = secrets.token_urlsafe(24)
    kiosk = Kiosk.objects.create(
        site=site, questionnaire=questionnaire, name=name.strip() or "Tablette de l'accueil",
        token_hash=token_hash(token), created_by=created_by,
    )  # fmt: skip
    return kiosk, token


def kiosk_url(token: str) -> str:
    return settings.SITE_URL + reverse("survey:kiosk", kwargs={"token": token})


def kiosk_find(token: str) -> Kiosk | None:
    kiosk = Kiosk.objects.select_related("site", "questionnaire").filter(token_hash=token_hash(token)).first()
    if kiosk is not None and not kiosk.questionnaire.is_active:
        # A questionnaire withdrawn after the kiosk was set up: the tablet asks the default one.
        kiosk.questionnaire = default_questionnaire() or kiosk.questionnaire
    return kiosk


def kiosk_revoke(kiosk: Kiosk) -> None:
    Kiosk.objects.filter(pk=kiosk.pk).update(is_active=False)


def kiosk_answer(kiosk: Kiosk, data: Mapping[int, Any]) -> SurveyResponse:
    return response_submit(kiosk.questionnaire, data, channel=SurveyChannel.KIOSK, site=kiosk.site)


# --- the questionnaire builder ---------------------------------------------------------------------


def questionnaire_save(
    *, questionnaire: Questionnaire | None = None, name: str, introduction: str, is_default: bool, is_active: bool
) -> Questionnaire:
    """Create or edit a questionnaire. One default at a time: making one the default unsets the
    other; the default is always active (invitations and new kiosks use it)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Donnez un intitulé au questionnaire."})
    others = Questionnaire.objects.exclude(pk=questionnaire.pk) if questionnaire else Questionnaire.objects.all()
    if others.filter(name=name).exists():
        raise ValidationError({"name": "Un questionnaire porte déjà cet intitulé."})
    if is_default and not is_active:
        raise ValidationError({"is_active": "Le questionnaire par défaut reste actif : désignez-en un autre d'abord."})
    if questionnaire is not None and questionnaire.is_default and not is_default:
        raise ValidationError(
            {"is_default": "Il faut un questionnaire par défaut : cochez cette case sur un autre questionnaire."}
        )
    try:
        with transaction.atomic():
            if is_default:
                others.filter(is_default=True).update(is_default=False)
            questionnaire = questionnaire or Questionnaire()
            questionnaire.name, questionnaire.introduction = name, introduction.strip()
            questionnaire.is_default, questionnaire.is_active = is_default, is_active
            questionnaire.save()
    except IntegrityError:  # a colleague saved the same name, or another default, in the meantime
        raise ValidationError(
            "Un autre questionnaire vient d'être enregistré avec cet intitulé ou comme questionnaire par défaut : "
            "rechargez la page et réessayez."
        ) from None
    return questionnaire


_MEASURE_COLUMNS: dict[str, Q] = {
    Question.Measure.SATISFACTION: ~Q(satisfaction=""),
    Question.Measure.EXPECTATION: ~Q(expectation=""),
    Question.Measure.RECOMMEND: Q(recommend__isnull=False),
    Question.Measure.REASON: ~Q(reasons=[]),
    Question.Measure.PARTNER: Q(partner__isnull=False),
    Question.Measure.COMMENT: ~Q(comment=""),
}


def question_has_answers(question: Question) -> bool:
    responses = SurveyResponse.objects.filter(questionnaire_id=question.questionnaire_id)
    if question.measure:
        return responses.filter(_MEASURE_COLUMNS[question.measure]).exists()
    return responses.filter(answers__has_key=str(question.pk)).exists()


def choices_from_text(text: str) -> list[dict[str, str]]:
    """One choice per line; its code is made from its label (kept in the answers)."""
    choices: list[dict[str, str]] = []
    seen: set[str] = set()
    for line in text.splitlines():
        label = line.strip()
        if not label:
            continue
        code = slugify(label)[:50] or f"choix-{len(choices) + 1}"
        if code in seen:
            raise ValidationError({"choices": f"La réponse « {label} » figure deux fois."})
        seen.add(code)
        choices.append({"code": code, "label": label[:200]})
    return choices


def question_save(
    *,
    questionnaire: Questionnaire,
    question: Question | None = None,
    label: str,
    help_text: str = "",
    kind: str,
    required: bool,
    measure: str = "",
    choices_text: str = "",
) -> Question:
    """Add or edit a question. A measure fixes the kind and the codes the indicators read."""
    label = label.strip()
    if not label:
        raise ValidationError({"label": "Écrivez la question."})
    if measure:
        kind = MEASURE_KINDS[measure]
        choices = MEASURE_CHOICES.get(measure, [])
        siblings = questionnaire.questions.exclude(pk=question.pk) if question else questionnaire.questions.all()
        if siblings.filter(measure=measure).exists():
            raise ValidationError({"measure": "Ce questionnaire a déjà une question pour cet indicateur."})
    else:
        if kind not in Question.Kind.values:
            raise ValidationError({"kind": "Choisissez le type de la question."})
        choices = (
            choices_from_text(choices_text) if kind in (Question.Kind.SCALE, Question.Kind.SINGLE, Question.Kind.MULTIPLE) else []
        )
        if kind in (Question.Kind.SCALE, Question.Kind.SINGLE, Question.Kind.MULTIPLE) and len(choices) < 2:
            raise ValidationError({"choices": "Proposez au moins deux réponses, une par ligne."})
    changed = question is not None and (
        (kind, measure) != (question.kind, question.measure) or (not measure and choices != question.choices)
    )
    if changed and question is not None and question_has_answers(question):
        raise ValidationError(
            "Cette question a déjà des réponses : seuls son intitulé, son aide et son caractère obligatoire "
            "peuvent changer. Pour la modifier davantage, créez un nouveau questionnaire."
        )
    try:
        with transaction.atomic():
            if question is None:
                last = questionnaire.questions.aggregate(last=Max("position"))["last"] or 0
                question = Question(questionnaire=questionnaire, position=last + 1)
            question.label, question.help_text, question.kind = label, help_text.strip()[:300], kind
            question.required, question.measure, question.choices = required, measure, choices
            question.save()
            Questionnaire.objects.filter(pk=questionnaire.pk).update(updated_at=timezone.now())
    except IntegrityError:  # a colleague added a question for this indicator in the meantime
        raise ValidationError({"measure": "Ce questionnaire a déjà une question pour cet indicateur."}) from None
    return question


def question_delete(question: Question) -> None:
    if question_has_answers(question):
        raise ValidationError(
            "Cette question a déjà des réponses : elle ne peut pas être supprimée. "
            "Désactivez le questionnaire et créez-en un nouveau si elle ne doit plus être posée."
        )
    question.delete()


def question_move(question: Question, *, up: bool) -> None:
    """Swap the question with its neighbour; positions are renumbered 1, 2, 3… on the way."""
    with transaction.atomic():
        questions = list(
            Question.objects.select_for_update().filter(questionnaire_id=question.questionnaire_id).order_by("position", "pk")
        )
        index = next((i for i, q in enumerate(questions) if q.pk == question.pk), None)
        if index is None:
            raise ValidationError("Cette question vient d'être supprimée.")
        other = index - 1 if up else index + 1
        if 0 <= other < len(questions):
            questions[index], questions[other] = questions[other], questions[index]
        for position, item in enumerate(questions, start=1):
            item.position = position
        Question.objects.bulk_update(questions, ["position"])
