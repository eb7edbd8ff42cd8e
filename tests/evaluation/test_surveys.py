"""Satisfaction surveys end to end: answers kept apart from the person, single-use links sent after
a visit (one per visit, one per person per 30 days), the kiosk, paper entry and the builder."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relais.appointments.models import Appointment, Participant
from relais.core.scheduler import SCHEDULE
from relais.evaluation import surveys
from relais.evaluation.defaults import install_defaults
from relais.evaluation.models import Kiosk, Label, Question, Questionnaire, SurveyInvitation, SurveyResponse
from relais.evaluation.tasks import send_survey_invitations
from relais.exchanges.models import Channel
from relais.notifications.models import OutgoingMessage
from relais.territory.models import Site
from tests.appointments.factories import AgendaFactory, MotiveFactory
from tests.exchanges.factories import ExchangeFactory
from tests.people.factories import PersonFactory
from tests.territory.factories import SiteFactory


@pytest.fixture
def default(db) -> Questionnaire:
    """The default questionnaire of migration 0002 (installed again: a committing test flushes it)."""
    install_defaults(Questionnaire, Question, Label)
    return Questionnaire.objects.get(is_default=True)


def _q(questionnaire: Questionnaire, measure: str) -> Question:
    return questionnaire.questions.get(measure=measure)


def _post(questionnaire: Questionnaire, **answers) -> dict:
    """POST data by measure: satisfaction="tres_satisfait", reason=["proximite"]…"""
    return {f"q-{_q(questionnaire, measure).pk}": value for measure, value in answers.items()}


def _honoured(world, person, *, site, start=None, partner=None, service=None, booked_from=None) -> Appointment:
    organisation = partner or world.org78
    service = service or (world.caf_service if partner else world.accueil78)
    agenda = AgendaFactory(organisation=organisation, service=service, kind="counter", agent=None, site=site)
    start = start or timezone.now() - dt.timedelta(days=1)
    appointment = Appointment.objects.create(
        motive=MotiveFactory(service=service), agenda=agenda, site=site, booked_from_site=booked_from, start=start,
        end=start + dt.timedelta(minutes=30), blocked_until=start + dt.timedelta(minutes=30), status=Appointment.Status.HONOURED,
    )  # fmt: skip
    Participant.objects.create(appointment=appointment, person=person)
    return appointment


def _daytime() -> dt.datetime:
    """A run at an hour when SMS leave (10:00, Paris), after the visits made now."""
    now = timezone.localtime()
    ten = now.replace(hour=10, minute=0, second=0, microsecond=0)
    return ten if now <= ten else ten + dt.timedelta(days=1) if now.hour >= 19 else now


def _token(text: str) -> str:
    return re.search(r"/avis/([\w-]+)/", text.replace("=\n", "")).group(1)


# --- answers ---------------------------------------------------------------------------------------


def test_an_answer_fills_the_measures_and_keeps_no_person(world, network, default):
    custom = surveys.question_save(questionnaire=default, label="Le lieu était-il propre ?", kind="yes_no", required=False)
    data = {
        _q(default, "satisfaction").pk: "plutot_satisfait", _q(default, "expectation").pk: "en_partie",
        _q(default, "recommend").pk: "oui", _q(default, "reason").pk: ["proximite", "horaires"],
        _q(default, "partner").pk: "CAF92", _q(default, "comment").pk: "  Accueil très aimable.  ", custom.pk: "non",
    }  # fmt: skip
    response = surveys.response_submit(default, data, channel="paper", site=network.mureaux, entered_by=network.mediator78)
    response.refresh_from_db()
    assert (response.satisfaction, response.expectation, response.recommend) == ("plutot_satisfait", "en_partie", True)
    assert response.reasons == ["proximite", "horaires"] and response.partner == network.caf
    assert response.comment == "Accueil très aimable." and response.answers == {str(custom.pk): "non"}
    assert response.answered_on == timezone.localdate() and response.entered_by == network.mediator78
    # Nothing in the row points to a person, nor tells the time of day.
    fields = {f.name for f in SurveyResponse._meta.concrete_fields}
    assert not {"person", "created_at", "answered_at"} & fields
    assert not [f for f in SurveyResponse._meta.concrete_fields if f.get_internal_type() == "DateTimeField"]


def test_required_questions_and_unknown_codes_get_a_french_message_each(world, network, default):
    data = {_q(default, "reason").pk: ["proximite", "piscine"], _q(default, "partner").pk: "INCONNU",
            _q(default, "comment").pk: "x" * 2001}  # fmt: skip
    with pytest.raises(ValidationError) as error:
        surveys.response_submit(default, data, channel="kiosk", site=network.mureaux)
    messages = {name: m[0] for name, m in error.value.message_dict.items()}
    assert messages == {
        f"q-{_q(default, 'satisfaction').pk}": "Choisissez une réponse : cette question est obligatoire.",
        f"q-{_q(default, 'reason').pk}": "Choisissez parmi les réponses proposées.",
        f"q-{_q(default, 'partner').pk}": "Choisissez parmi les réponses proposées.",
        f"q-{_q(default, 'comment').pk}": "Votre réponse fait 2001 caractères : 2000 au plus.",
    }
    assert not SurveyResponse.objects.exists()
    with pytest.raises(ValidationError, match="futur"):
        surveys.response_submit(
            default, {_q(default, "satisfaction").pk: "tres_satisfait"}, channel="paper", site=network.mureaux,
            answered_on=timezone.localdate() + dt.timedelta(days=1),
        )  # fmt: skip


# --- invitations -----------------------------------------------------------------------------------


def test_an_honoured_visit_at_a_service_point_is_invited_once_and_a_person_once_in_30_days(world, network, default):
    person = PersonFactory(organisations=[world.org78], emails=["awa.diallo@example.fr"])
    first = _honoured(world, person, site=network.mureaux, partner=network.caf)
    assert surveys.invitations_send() == 1
    invitation = SurveyInvitation.objects.get()
    assert invitation.visit_key == f"appointment:{first.public_id}" and invitation.site == network.mureaux
    assert invitation.partner == network.caf and invitation.service == world.caf_service and invitation.channel == "email"
    assert invitation.expires_at > timezone.now() + dt.timedelta(days=13) and len(invitation.token_hash) == 64
    message = OutgoingMessage.objects.get(kind="survey_invitation")
    assert message.recipient == "awa.diallo@example.fr" and message.appointment is None
    assert "anonymes" in message.body and network.mureaux.name in message.body
    assert f"{invitation.visit_date:%d/%m/%Y}" in message.body and f"{invitation.expires_at:%d/%m/%Y}" in message.body
    # The token is only in the message, never stored.
    assert surveys.token_hash(_token(message.body)) == invitation.token_hash
    # The same visit is not invited again; another visit within 30 days neither.
    assert surveys.invitations_send() == 0
    _honoured(world, person, site=network.rambouillet, start=timezone.now() - dt.timedelta(hours=3))
    assert surveys.invitations_send() == 0
    # 31 days later, a new visit is.
    later = timezone.now() + dt.timedelta(days=31)
    _honoured(world, person, site=network.clichy, start=later - dt.timedelta(days=1))
    assert surveys.invitations_send(now=later) == 1
    assert SurveyInvitation.objects.count() == 2


def test_who_is_not_invited(world, network, default, django_assert_max_num_queries):
    nobody = PersonFactory(organisations=[world.org78])  # neither e-mail nor mobile
    landline = PersonFactory(organisations=[world.org78], phones=["+33139070000"])
    elsewhere = PersonFactory(organisations=[world.org78], emails=["ailleurs@example.fr"])
    cancelled = PersonFactory(organisations=[world.org78], emails=["annule@example.fr"])
    old = PersonFactory(organisations=[world.org78], emails=["ancien@example.fr"])
    _honoured(world, nobody, site=network.mureaux)
    _honoured(world, landline, site=network.mureaux)
    _honoured(world, elsewhere, site=SiteFactory(organisation=world.org78, kind=Site.Kind.SOCIAL_CENTRE))
    _honoured(world, cancelled, site=network.mureaux).participants.update(status=Participant.Status.CANCELLED)
    _honoured(world, old, site=network.mureaux, start=timezone.now() - dt.timedelta(days=10))
    with django_assert_max_num_queries(12):  # whatever the number of visits: read by batches
        assert surveys.invitations_send() == 0


def test_a_visio_booked_from_a_service_point_and_a_counter_exchange_by_sms(world, network, default):
    person = PersonFactory(organisations=[world.org78], emails=["visio@example.fr"])
    partner_office = Site.objects.get(code="CAF92-NANTERRE")
    _honoured(world, person, site=partner_office, partner=network.caf, booked_from=network.rambouillet)
    texter = PersonFactory(organisations=[world.org78], phones=["+33612345678"])
    exchange = ExchangeFactory(
        persons=[texter], agent=network.mediator78, service=world.accueil78, organisation=world.org78,
        channel=Channel.COUNTER, site=network.mureaux,
    )  # fmt: skip
    ExchangeFactory(persons=[PersonFactory(phones=["+33687654321"])], agent=world.agent78, service=world.accueil78,
                    organisation=world.org78, channel=Channel.CALL_IN, site=network.mureaux)  # fmt: skip
    assert surveys.invitations_send(now=_daytime()) == 2
    visio = SurveyInvitation.objects.get(person=person)
    assert visio.site == network.rambouillet and visio.partner == network.caf
    counter = SurveyInvitation.objects.get(person=texter)
    assert counter.visit_key == f"exchange:{exchange.public_id}" and counter.channel == "sms" and counter.partner is None
    sms = OutgoingMessage.objects.get(channel="sms")
    assert sms.recipient == "+33612345678" and "anonymes" in sms.body and "/avis/" in sms.body


def test_the_invitations_run_every_hour():
    [entry] = [p for p in SCHEDULE if p.task_path == "relais.evaluation.tasks.send_survey_invitations"]
    assert entry.every == dt.timedelta(hours=1)


@pytest.fixture
def communes(transactional_db):
    """Communes come with a migration that a committing test before this one may have flushed."""
    importlib.import_module("relais.territory.migrations.0002_load_communes").load_communes(apps, None)


def test_the_link_is_mailed_answers_once_and_then_says_so(communes, world, network, default, smtp_server, run_worker):
    person = PersonFactory(organisations=[world.org78], emails=["moussa@example.fr"])
    _honoured(world, person, site=network.mureaux, partner=network.caf)
    send_survey_invitations.enqueue()  # as the scheduler does, every hour
    run_worker()
    [delivered] = smtp_server.messages
    assert delivered["to"] == ["moussa@example.fr"]
    url = reverse("survey:answer", kwargs={"token": _token(delivered["data"])})
    client = Client()
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "France services des Mureaux" in html and "CAF des Hauts-de-Seine" in html
    assert "moussa" not in html.lower() and person.birth_name not in html
    # The partner is known from the visit: its question is not asked.
    assert f'name="q-{_q(default, "partner").pk}"' not in html
    missing = client.post(url, _post(default, comment="Rien à dire"))
    assert missing.status_code == 400 and "cette question est obligatoire" in missing.content.decode()
    assert f'aria-describedby="q-{_q(default, "satisfaction").pk}-error"' in missing.content.decode()
    done = client.post(url, _post(default, satisfaction="tres_satisfait", reason=["proximite", "autre"]))
    assert done.status_code == 200 and "Merci pour votre avis" in done.content.decode()
    response = SurveyResponse.objects.get()
    assert (response.channel, response.site, response.partner, response.satisfaction) == (
        "email",
        network.mureaux,
        network.caf,
        "tres_satisfait",
    )
    assert response.reasons == ["proximite", "autre"] and response.service == world.caf_service
    used_at = timezone.localtime(SurveyInvitation.objects.get().used_at)
    assert used_at.date() == timezone.localdate() and used_at.time() == dt.time()  # the day, not the time
    again = client.post(url, _post(default, satisfaction="pas_du_tout_satisfait"))
    assert again.status_code == 410 and "déjà donné votre avis" in again.content.decode()
    assert client.get(url).status_code == 410 and SurveyResponse.objects.count() == 1


def test_an_expired_or_unknown_link(world, network, default):
    invitation = SurveyInvitation.objects.create(
        questionnaire=default, person=PersonFactory(), token_hash=surveys.token_hash("perime"), channel="email",
        visit_key="appointment:x", site=network.mureaux, visit_date=timezone.localdate() - dt.timedelta(days=20),
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )  # fmt: skip
    client = Client()
    expired = client.get("/avis/perime/")
    assert expired.status_code == 410 and "Ce lien a expiré" in expired.content.decode()
    late = client.post("/avis/perime/", _post(default, satisfaction="tres_satisfait"))
    assert late.status_code == 410 and "n'ont pas été enregistrées" in late.content.decode()
    assert not SurveyResponse.objects.exists() and SurveyInvitation.objects.get(pk=invitation.pk).used_at is None
    unknown = client.get("/avis/pas-un-lien/")
    assert unknown.status_code == 404 and "Ce lien ne fonctionne pas" in unknown.content.decode()


# --- kiosks ----------------------------------------------------------------------------------------


def test_a_manager_sets_up_a_kiosk_shown_once_that_answers_anonymously(world, network, default, settings):
    manager = world.client_for(network.manager78)
    page = manager.post(reverse("evaluation:kiosk_list"), {"site": network.mureaux.pk, "questionnaire": default.pk,
                                                           "name": "Tablette du hall"})  # fmt: skip
    assert page.status_code == 200
    link = re.search(r'value="http://127\.0\.0\.1:8000(/avis/borne/[\w-]+/)"', page.content.decode()).group(1)
    kiosk = Kiosk.objects.get()
    assert kiosk.site == network.mureaux and kiosk.created_by == network.manager78 and link.split("/")[-2] not in kiosk.token_hash
    assert link not in manager.get(reverse("evaluation:kiosk_list")).content.decode()  # shown once
    # A manager of the 92 cannot put a kiosk at the 78's site, nor withdraw it.
    other = world.client_for(network.manager92)
    assert other.post(reverse("evaluation:kiosk_list"), {"site": network.mureaux.pk, "questionnaire": default.pk,
                                                         "name": "x"}).status_code == 400  # fmt: skip
    assert other.post(reverse("evaluation:kiosk_revoke", kwargs={"id": kiosk.pk})).status_code == 404
    assert world.client_for(network.mediator78).get(reverse("evaluation:kiosk_list")).status_code == 403

    tablet = Client()
    form = tablet.get(link)
    assert form.status_code == 200 and "sans donner votre nom" in form.content.decode()
    thanks = tablet.post(link, _post(default, satisfaction="plutot_satisfait", partner="CPAM78"))
    assert thanks.status_code == 200 and f'http-equiv="refresh" content="8;url={link}"' in thanks.content.decode()
    response = SurveyResponse.objects.get()
    assert (response.channel, response.site, response.partner) == ("kiosk", network.mureaux, network.cpam)

    # A few answers a minute, then a French 429 (counted per kiosk).
    settings.SURVEY_KIOSK_ANSWERS_PER_MINUTE = 3
    statuses = [tablet.post(link, _post(default, satisfaction="tres_satisfait")).status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    assert "Patientez une minute" in tablet.post(link, {}).content.decode()
    assert SurveyResponse.objects.count() == 3

    assert manager.post(reverse("evaluation:kiosk_revoke", kwargs={"id": kiosk.pk})).status_code == 302
    revoked = tablet.get(link)
    assert revoked.status_code == 410 and "plus active" in revoked.content.decode()
    assert tablet.post(link, _post(default, satisfaction="tres_satisfait")).status_code == 410
    assert tablet.get("/avis/borne/inconnue/").status_code == 404


# --- paper entry -----------------------------------------------------------------------------------


def test_a_mediator_types_in_paper_sheets_for_their_site_only(world, network, default):
    mediator = world.client_for(network.mediator78)
    url = reverse("evaluation:paper_entry")
    page = mediator.get(url)
    assert page.status_code == 200 and list(page.context["form"].fields["site"].queryset) == [network.mureaux]
    sheet = {"site": network.mureaux.pk, "answered_on": "28/11/2026", **_post(default, satisfaction="plutot_pas_satisfait",
             recommend="non", partner="CAF92")}  # fmt: skip
    saved = mediator.post(url, sheet)
    assert saved.status_code == 302 and "site=" in saved["Location"] and "date=28%2F11%2F2026" in saved["Location"]
    response = SurveyResponse.objects.get()
    assert (response.channel, response.entered_by, response.answered_on) == ("paper", network.mediator78, dt.date(2026, 11, 28))
    assert (response.recommend, response.partner, response.site) == (False, network.caf, network.mureaux)
    next_sheet = mediator.get(saved["Location"])
    assert "enregistré pour France services des Mureaux" in next_sheet.content.decode()
    assert next_sheet.context["form"].initial["answered_on"] == "28/11/2026"
    # Another site's id from the browser, a date to come, a missing answer: refused, nothing saved.
    assert mediator.post(url, {**sheet, "site": network.clichy.pk}).status_code == 400
    future = (timezone.localdate() + dt.timedelta(days=2)).strftime("%d/%m/%Y")
    refused = mediator.post(url, {**sheet, "answered_on": future})
    assert refused.status_code == 400 and "futur" in refused.content.decode()
    assert mediator.post(url, {"site": network.mureaux.pk, "answered_on": "28/11/2026"}).status_code == 400
    assert SurveyResponse.objects.count() == 1
    # A plain reception agent and a partner's agent have no paper entry.
    for agent in (world.agent78, world.caf_agent):
        assert world.client_for(agent).get(url).status_code == 403
    # A questionnaire without a partner question: the sheet's partner is chosen beside the site.
    short = surveys.questionnaire_save(name="Court", introduction="", is_default=False, is_active=True)
    note = surveys.question_save(questionnaire=short, label="Une note ?", kind="scale", measure="satisfaction", required=True)
    page = mediator.get(url, {"questionnaire": short.public_id})
    assert "partner" in page.context["form"].fields and "partner" not in mediator.get(url).context["form"].fields
    sheet = {
        "site": network.mureaux.pk,
        "answered_on": "29/11/2026",
        "partner": network.cpam.pk,
        f"q-{note.pk}": "tres_satisfait",
    }
    assert mediator.post(f"{url}?questionnaire={short.public_id}", sheet).status_code == 302
    assert SurveyResponse.objects.get(questionnaire=short).partner == network.cpam
    # A manager of the 92 types in for the 92's sites.
    sites = world.client_for(network.manager92).get(url).context["form"].fields["site"].queryset
    assert list(sites) == [network.clichy]


# --- the builder -----------------------------------------------------------------------------------


def test_only_managers_build_questionnaires(world, network, default):
    for agent in (network.mediator78, world.agent78, world.caf_agent):
        client = world.client_for(agent)
        assert client.get(reverse("evaluation:questionnaire_list")).status_code == 403
        edit = reverse("evaluation:questionnaire_edit", kwargs={"public_id": default.public_id})
        assert client.get(edit).status_code == 404
        question = _q(default, "comment")
        delete = reverse("evaluation:question_delete", kwargs={"public_id": default.public_id, "id": question.pk})
        assert client.post(delete).status_code == 404
    assert Question.objects.filter(pk=_q(default, "comment").pk).exists()
    assert world.client_for(network.manager_epi).get(reverse("evaluation:questionnaire_list")).status_code == 200


def test_a_manager_builds_reorders_and_previews_a_questionnaire(world, network, default):
    client = world.client_for(network.manager92)
    created = client.post(reverse("evaluation:questionnaire_create"), {"name": "Ateliers numériques", "is_active": "on"})
    questionnaire = Questionnaire.objects.get(name="Ateliers numériques")
    edit = reverse("evaluation:questionnaire_edit", kwargs={"public_id": questionnaire.public_id})
    assert created["Location"] == edit and not questionnaire.is_default
    add = reverse("evaluation:question_create", kwargs={"public_id": questionnaire.public_id})
    client.post(add, {"label": "Quel atelier ?", "kind": "single", "choices_text": "Démarches en ligne\nCourriel\n\n"})
    client.post(add, {"label": "Satisfait ?", "kind": "text", "measure": "satisfaction", "required": "on"})
    client.post(add, {"label": "Une remarque ?", "kind": "text"})
    bad = client.post(add, {"label": "Encore ?", "kind": "single", "measure": "satisfaction"})
    assert bad.status_code == 400 and "déjà une question pour cet indicateur" in bad.content.decode()
    one = client.post(add, {"label": "Un seul choix", "kind": "multiple", "choices_text": "Seul"})
    assert one.status_code == 400 and "au moins deux réponses" in one.content.decode()
    workshop, satisfaction, remark = questionnaire.questions.order_by("position")
    assert workshop.choices == [
        {"code": "demarches-en-ligne", "label": "Démarches en ligne"},
        {"code": "courriel", "label": "Courriel"},
    ]
    # A measure fixes the kind and the codes the indicators read.
    assert satisfaction.kind == "scale" and satisfaction.choices[0]["code"] == "tres_satisfait"

    def move(question, direction):
        url = reverse("evaluation:question_move", kwargs={"public_id": questionnaire.public_id, "id": question.pk})
        return client.post(url, {"sens": direction})

    move(satisfaction, "haut")
    move(remark, "bas")  # already last: nothing moves
    assert list(questionnaire.questions.order_by("position").values_list("pk", "position")) == [
        (satisfaction.pk, 1), (workshop.pk, 2), (remark.pk, 3),
    ]  # fmt: skip
    preview = client.get(reverse("evaluation:questionnaire_preview", kwargs={"public_id": questionnaire.public_id}))
    html = preview.content.decode()
    assert preview.status_code == 200 and html.index("Satisfait ?") < html.index("Quel atelier ?") < html.index("Une remarque ?")
    assert "<legend>Quel atelier ?" in html and 'type="radio"' in html
    # Made the default: the former one is no longer, and stays active.
    client.post(edit, {"name": "Ateliers numériques", "is_default": "on", "is_active": "on"})
    default.refresh_from_db()
    assert Questionnaire.objects.get(is_default=True) == questionnaire and not default.is_default and default.is_active
    refused = client.post(edit, {"name": "Ateliers numériques", "is_default": "on"})
    assert refused.status_code == 400 and "reste actif" in refused.content.decode()


def test_a_question_with_answers_is_kept(world, network, default):
    comment = _q(default, "comment")
    surveys.response_submit(default, {_q(default, "satisfaction").pk: "tres_satisfait"}, channel="kiosk", site=network.mureaux)
    client = world.client_for(network.manager78)
    delete = reverse("evaluation:question_delete", kwargs={"public_id": default.public_id, "id": comment.pk})
    assert client.post(delete).status_code == 302
    assert not Question.objects.filter(pk=comment.pk).exists()  # no answer yet: deleted
    satisfaction = _q(default, "satisfaction")
    delete = reverse("evaluation:question_delete", kwargs={"public_id": default.public_id, "id": satisfaction.pk})
    page = client.post(delete, follow=True)
    assert "ne peut pas être supprimée" in page.content.decode() and Question.objects.filter(pk=satisfaction.pk).exists()
    # Reworded, yes; made into another kind, no.
    edit = reverse("evaluation:question_edit", kwargs={"public_id": default.public_id, "id": satisfaction.pk})
    assert client.post(edit, {"label": "Êtes-vous satisfait ?", "kind": "scale", "measure": "satisfaction",
                              "required": "on"}).status_code == 302  # fmt: skip
    changed = client.post(edit, {"label": "Êtes-vous satisfait ?", "kind": "text", "measure": ""})
    assert changed.status_code == 400 and "déjà des réponses" in changed.content.decode()
    satisfaction.refresh_from_db()
    assert (satisfaction.label, satisfaction.measure) == ("Êtes-vous satisfait ?", "satisfaction")


def test_the_survey_pages_read_as_french_and_need_no_inline_code(world, network, default):
    from tests.test_content_security_policy import inline_code, policy_problems
    from tests.test_french_wording import slips

    person = PersonFactory(organisations=[world.org78], emails=["lecture@example.fr"])
    _honoured(world, person, site=network.mureaux)
    surveys.invitations_send()
    token = _token(OutgoingMessage.objects.get(kind="survey_invitation").body)
    _, kiosk_token = surveys.kiosk_create(site=network.mureaux, questionnaire=default, name="Hall", created_by=network.manager78)
    question = _q(default, "reason")
    pages = {
        "manager": [
            reverse("evaluation:questionnaire_list"), reverse("evaluation:questionnaire_create"),
            reverse("evaluation:questionnaire_edit", kwargs={"public_id": default.public_id}),
            reverse("evaluation:questionnaire_preview", kwargs={"public_id": default.public_id}),
            reverse("evaluation:question_create", kwargs={"public_id": default.public_id}),
            reverse("evaluation:question_edit", kwargs={"public_id": default.public_id, "id": question.pk}),
            reverse("evaluation:kiosk_list"), reverse("evaluation:paper_entry"),
        ],
        "public": [f"/avis/{token}/", f"/avis/borne/{kiosk_token}/"],
    }  # fmt: skip
    found = {}
    for who, urls in pages.items():
        client = world.client_for(network.manager78) if who == "manager" else Client()
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            if problems := slips(response.content.decode()) + inline_code(response.content.decode()) + policy_problems(response):
                found[url] = problems
    # The error states too: a refused paper sheet and a refused answer.
    refused = {
        "paper": world.client_for(network.manager78).post(reverse("evaluation:paper_entry"), {"site": network.mureaux.pk}),
        "answer": Client().post(f"/avis/{token}/", {}),
    }
    for name, response in refused.items():
        assert response.status_code == 400
        if problems := slips(response.content.decode()):
            found[name] = problems
    assert not found, found


def test_one_invitation_per_address_none_for_sensitive_services_and_no_sms_at_night(world, network, default):
    mother = PersonFactory(organisations=[world.org78], emails=["famille@example.fr"])
    child = PersonFactory(organisations=[world.org78], emails=["famille@example.fr"])
    ExchangeFactory(persons=[mother, child], agent=network.mediator78, service=world.accueil78, organisation=world.org78,
                    channel=Channel.COUNTER, site=network.mureaux)  # fmt: skip
    pmi = PersonFactory(organisations=[world.org92], emails=["pmi@example.fr"])
    _honoured(world, pmi, site=network.clichy, service=world.pmi92)
    texter = PersonFactory(organisations=[world.org78], phones=["+33612345678"])
    _honoured(world, texter, site=network.mureaux)
    night = timezone.localtime().replace(hour=2, minute=0) + dt.timedelta(days=1)

    assert surveys.invitations_send(now=night) == 1  # the family's address once; no PMI visit; no SMS at 2:00
    assert OutgoingMessage.objects.get().recipient == "famille@example.fr"
    assert surveys.invitations_send(now=night.replace(hour=10)) == 1  # the SMS leaves in the morning
    assert OutgoingMessage.objects.filter(channel="sms").count() == 1


def test_a_name_or_an_indicator_taken_by_a_colleague_in_the_meantime_is_said_in_french(network, monkeypatch):
    """The checks ran before the colleague's save landed: the database's constraint refuses, in French."""
    questionnaire = surveys.questionnaire_save(name="Avis", introduction="", is_default=False, is_active=True)
    surveys.question_save(questionnaire=questionnaire, label="Satisfait ?", kind="", required=True, measure="satisfaction")
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)  # what the checks saw a moment earlier
    with pytest.raises(ValidationError, match="vient d'être enregistré avec cet intitulé"):
        surveys.questionnaire_save(name="Avis", introduction="", is_default=False, is_active=True)
    with pytest.raises(ValidationError, match="déjà une question pour cet indicateur"):
        surveys.question_save(questionnaire=questionnaire, label="Et encore ?", kind="", required=True, measure="satisfaction")
    assert Questionnaire.objects.filter(name="Avis").count() == 1 and questionnaire.questions.count() == 1
