"""SMS through a provider's HTTP API (a local stand-in for Brevo, over real HTTP), retries and the
e-mail fallback, and the reminders sent 48 hours before."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django_tasks_db.models import DBTaskResult

from relais.appointments.notifications import appointments_send_reminders
from relais.appointments.services import Actor, appointment_book
from relais.notifications.models import OutgoingMessage
from relais.notifications.services import message_queue_email, message_queue_sms, message_send
from relais.territory.policies import agent_access_scope


class FakeBrevo:
    """Answers like Brevo's /v3/transactionalSMS/sms; `fail` makes it answer 503."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.fail = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.received.append({"body": body, "api_key": self.headers.get("api-key")})
                if outer.fail:
                    self.send_response(503)
                    self.end_headers()
                    self.wfile.write(b'{"code":"unavailable"}')
                    return
                self.send_response(201)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"reference": "ref", "messageId": 4242}).encode())

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/v3/transactionalSMS/sms"


@pytest.fixture
def brevo(settings):
    fake = FakeBrevo()
    fake.thread.start()
    settings.SMS_BACKEND = "relais.notifications.sms.BrevoSmsBackend"
    settings.SMS_API_URL, settings.SMS_API_KEY, settings.SMS_SENDER = fake.url, "cle-secrete", "CD92"
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def test_sms_goes_through_the_provider_and_is_recorded(transactional_db, world, brevo, run_worker, person92):
    message_queue_sms(recipient="+33612345678", body="RDV confirmé", kind="appointment_confirmation", person=person92)
    run_worker()
    message = OutgoingMessage.objects.get()
    assert message.status == "sent" and message.provider_message_id == "4242"
    assert brevo.received == [
        {
            "body": {
                "sender": "CD92",
                "recipient": "33612345678",
                "content": "RDV confirmé",
                "type": "transactional",
                # The same at every attempt: a duplicate after a worker crash can be found at Brevo.
                "tag": f"relais-{message.public_id}",
            },
            "api_key": "cle-secrete",
        }
    ]


def test_a_failing_provider_is_retried_then_the_email_takes_over_and_nothing_is_sent_twice(
    transactional_db, world, brevo, smtp_server, settings, person92
):
    brevo.fail = True
    settings.SMS_MAX_ATTEMPTS = 2
    sms = message_queue_sms(
        recipient="+33612345678", body="Rappel RDV", kind="appointment_reminder", person=person92, dedupe_key="k:sms",
        fallback={"to": "elodie.martin@example.fr", "subject": "Rappel", "body": "Rappel de votre rendez-vous"},
    )  # fmt: skip
    first = message_send(message_id=sms.pk)
    assert first.status == "retrying" and "HTTP 503" in first.provider_response
    retry = DBTaskResult.objects.filter(status="READY").order_by("enqueued_at").last()
    assert retry.run_after is not None  # back-off
    second = message_send(message_id=sms.pk)
    assert second.status == "failed" and second.attempts == 2
    fallback = OutgoingMessage.objects.get(fallback_of=sms)
    assert fallback.channel == "email" and fallback.recipient == "elodie.martin@example.fr"
    message_send(message_id=fallback.pk)
    message_send(message_id=fallback.pk)  # a task run twice must not send twice
    message_send(message_id=sms.pk)
    assert len(smtp_server.messages) == 1 and len(brevo.received) == 2


def test_reminders_are_queued_once_48_hours_before(world, booking, person92, django_capture_on_commit_callbacks):
    appointment = appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92],
        actor=Actor.for_scope(agent_access_scope(world.agent92), booking.motive),
    )  # fmt: skip
    too_early = booking.at(9) - dt.timedelta(hours=60)
    assert appointments_send_reminders(hours_before=48, now=too_early) == 0
    in_time = booking.at(9) - dt.timedelta(hours=47)
    assert appointments_send_reminders(hours_before=48, now=in_time) == 1
    assert appointments_send_reminders(hours_before=48, now=in_time + dt.timedelta(minutes=10)) == 0
    reminder = OutgoingMessage.objects.get(kind="appointment_reminder")
    assert reminder.channel == "sms" and reminder.fallback["to"] == "elodie.martin@example.fr"
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is not None


def test_confirmation_goes_by_email_with_calendar_file_and_by_sms(world, booking, person92):
    appointment_book(
        motive=booking.motive, agenda=booking.agenda, start=booking.at(9), persons=[person92],
        actor=Actor.for_scope(agent_access_scope(world.agent92), booking.motive),
    )  # fmt: skip
    email = OutgoingMessage.objects.get(channel="email")
    assert email.attachments[0]["content_type"] == "text/calendar" and "annulez ou déplacez" in email.body.lower()
    assert OutgoingMessage.objects.get(channel="sms").body.startswith("RDV confirmé le")


def test_messages_appear_on_the_persons_timeline_but_sensitive_ones_stay_discreet(world, person92):
    from django.urls import reverse

    from relais.notifications.services import message_queue_email
    from relais.requests.models import Procedure
    from relais.requests.services import RequestActor, request_register

    procedure = Procedure.objects.create(
        code="92-PMI", name="Suivi PMI", organisation=world.org92, service=world.pmi92, regime="acceptance", delay_value=2
    )
    item = request_register(procedure=procedure, person=person92, channel="letter", subject="Suivi", actor=RequestActor("PMI"))
    message_queue_email(
        recipient="elodie.martin@example.fr",
        subject="Consultation prénatale",
        body="…",
        kind="appointment_confirmation",
        person=person92,
        service=world.pmi92,
        request=item,
    )
    page = world.client_for(world.agent92).get(reverse("people:detail", args=[person92.public_id]))
    entry = next(e for e in page.context["timeline"]["items"] if e.kind == "message")
    assert not entry.content_visible and "Consultation prénatale" not in page.content.decode()
    own = world.client_for(world.pmi_agent).get(reverse("people:detail", args=[person92.public_id]))
    assert "Consultation prénatale" in own.content.decode()


def test_every_message_an_app_sends_has_a_declared_kind(db):
    from relais.appointments.notifications import SUBJECTS
    from relais.requests.models import Letter

    built = {f"appointment_{event}" for event in SUBJECTS} | {f"request_{kind}" for kind in Letter.Kind.values}
    assert built - set(OutgoingMessage.Kind.values) == set()
    with pytest.raises(ValueError, match=r"declare it in OutgoingMessage\.Kind"):
        message_queue_email(recipient="a@example.fr", subject="x", body="x", kind="appointment_typo")
