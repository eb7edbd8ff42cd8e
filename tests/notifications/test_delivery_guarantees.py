"""Messages are never lost (issue 11, item 7): a message is claimed, sent with no transaction open,
then recorded; an attempt whose worker died is made again, with the same Message-ID; tasks left
"running" by a killed worker are recovered. The real worker killed mid-send: test_worker_killed.py."""

import datetime as dt
import io
import socket
import subprocess
import sys
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from relais.core.recovery import recover_stranded_work, tasks_recover_stale
from relais.core.tasks import recover_stranded_tasks
from relais.notifications.models import OutgoingMessage
from relais.notifications.services import message_queue_email, message_queue_sms, message_send
from relais.notifications.sms import SmsResult
from relais.notifications.tasks import send_message


@pytest.fixture
def dead_worker() -> str:
    """The "host:pid" of a worker process of this machine that has ended."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    return f"{socket.gethostname()}:{ended.stdout.strip()}"


def _email(**fields) -> OutgoingMessage:
    return message_queue_email(
        recipient="elodie.martin@example.fr", subject="Votre demande", body="Bonjour", kind="appointment_confirmation", **fields
    )


def _left_sending(message: OutgoingMessage, *, by: str, ago: dt.timedelta = dt.timedelta(0), attempts: int = 1) -> None:
    """As a worker leaves a message it was sending when it stopped."""
    OutgoingMessage.objects.filter(pk=message.pk).update(
        status="sending", attempts=attempts, claimed_at=timezone.now() - ago, claimed_by=by
    )


class SlowSms:
    """An SMS provider that, while it is being called, looks at the message from another connection
    (as an agent's page, or another worker, would)."""

    seen: list[tuple[str, int]] = []

    def send(self, *, to: str, text: str, reference: str = "") -> SmsResult:
        def look() -> None:
            try:
                SlowSms.seen.append(OutgoingMessage.objects.values_list("status", "attempts").get())
            finally:
                connection.close()

        other = threading.Thread(target=look)
        other.start()
        other.join(timeout=30)
        return SmsResult(provider_message_id="sms-1", response="ok")


def test_while_the_provider_is_called_the_message_is_already_recorded_as_being_sent(transactional_db, settings):
    settings.SMS_BACKEND = "tests.notifications.test_delivery_guarantees.SlowSms"
    SlowSms.seen = []
    sms = message_queue_sms(recipient="+33612345678", body="RDV confirmé", kind="appointment_confirmation")
    sent = message_send(message_id=sms.pk)
    # The claim was committed before the call, and no transaction held the row during it.
    assert SlowSms.seen == [("sending", 1)]
    assert sent.status == "sent" and sent.provider_message_id == "sms-1"


def test_an_email_carries_a_message_id_derived_from_the_message(db, settings):
    settings.DEFAULT_FROM_EMAIL = "Département des Hauts-de-Seine <ne-pas-repondre@hauts-de-seine.fr>"
    message = _email()
    message_send(message_id=message.pk)
    assert mail.outbox[0].message()["Message-ID"] == f"<{message.public_id}@hauts-de-seine.fr>"


def test_a_message_whose_worker_died_mid_send_is_sent_again_with_the_same_message_id(db, dead_worker):
    message = _email()
    _left_sending(message, by=dead_worker)
    sent = message_send(message_id=message.pk)
    assert sent.status == "sent" and sent.attempts == 2
    assert [email.message()["Message-ID"] for email in mail.outbox] == [f"<{message.public_id}@relais.localhost>"]


def test_a_message_being_sent_elsewhere_is_left_to_that_worker_until_the_lease_runs_out(db, settings):
    settings.TASK_LEASE_SECONDS = 300
    message = _email()
    _left_sending(message, by="autre-serveur:4242", ago=dt.timedelta(seconds=290))  # cannot be checked from here
    assert message_send(message_id=message.pk).status == "sending"
    assert mail.outbox == []

    _left_sending(message, by="autre-serveur:4242", ago=dt.timedelta(seconds=310))
    assert message_send(message_id=message.pk).status == "sent"
    assert len(mail.outbox) == 1


def test_a_message_being_sent_by_a_live_worker_here_is_not_sent_twice(db):
    message = _email()
    _left_sending(message, by=f"{socket.gethostname()}:1")  # pid 1 always runs
    assert message_send(message_id=message.pk).status == "sending"
    assert mail.outbox == []


def test_an_sms_whose_every_attempt_died_with_its_worker_fails_and_the_email_takes_over(db, dead_worker, settings):
    settings.SMS_MAX_ATTEMPTS = 3
    sms = message_queue_sms(
        recipient="+33612345678", body="Rappel", kind="appointment_reminder",
        fallback={"to": "elodie.martin@example.fr", "subject": "Rappel", "body": "Rappel de votre rendez-vous"},
    )  # fmt: skip
    _left_sending(sms, by=dead_worker, attempts=3)
    failed = message_send(message_id=sms.pk)
    assert failed.status == "failed" and "interrompu" in failed.provider_response
    fallback = OutgoingMessage.objects.get(fallback_of=sms)
    assert fallback.channel == "email" and fallback.status == "queued"


def test_a_task_left_running_by_a_killed_worker_is_failed_and_its_message_sent(transactional_db, dead_worker, run_worker):
    message = _email()  # committed: its task is enqueued
    task = DBTaskResult.objects.get()
    task.claim(dead_worker)
    _left_sending(message, by=dead_worker)

    out = io.StringIO()
    call_command("recover_tasks", stdout=out)
    assert "Tâches abandonnées marquées en échec : 1" in out.getvalue()
    assert "Remis en file, messages non envoyés : 1" in out.getvalue()
    task.refresh_from_db()
    assert task.status == "FAILED" and task.exception_class_path == "relais.core.recovery.WorkerLost"

    run_worker()
    message.refresh_from_db()
    assert message.status == "sent" and len(mail.outbox) == 1


def test_only_tasks_whose_worker_is_gone_or_silent_past_the_lease_are_recovered(db, dead_worker, settings):
    settings.TASK_LEASE_SECONDS = 300
    now = timezone.now()

    def running(worker: str, started: dt.timedelta) -> DBTaskResult:
        task = DBTaskResult.objects.get(pk=send_message.enqueue(1).id)
        task.claim(worker)
        DBTaskResult.objects.filter(pk=task.pk).update(started_at=now - started)
        return task

    long_but_alive = running(f"{socket.gethostname()}:1", started=dt.timedelta(days=1))
    dead = running(dead_worker, started=dt.timedelta(seconds=5))
    elsewhere_recent = running("autre-serveur:42", started=dt.timedelta(seconds=290))
    elsewhere_silent = running("autre-serveur:43", started=dt.timedelta(seconds=310))

    assert {task.pk for task in tasks_recover_stale(now=now)} == {dead.pk, elsewhere_silent.pk}
    assert set(DBTaskResult.objects.filter(status="RUNNING").values_list("pk", flat=True)) == {
        long_but_alive.pk, elsewhere_recent.pk,
    }  # fmt: skip
    assert tasks_recover_stale(now=now) == []


def test_a_worker_restarted_under_the_same_id_recovers_its_previous_lifes_task(db):
    task = DBTaskResult.objects.get(pk=send_message.enqueue(1).id)
    task.claim(f"{socket.gethostname()}:1")  # the same host and pid: a container restarted
    assert tasks_recover_stale() == []
    assert [t.pk for t in tasks_recover_stale(restarting_worker_id=f"{socket.gethostname()}:1")] == [task.pk]


def test_messages_left_without_a_task_are_queued_again_after_the_lease(db, settings, django_capture_on_commit_callbacks):
    settings.TASK_LEASE_SECONDS = 300
    now = timezone.now()
    lost = _email(dedupe_key="perdu")  # saved, then the process died before enqueuing it
    _email(dedupe_key="tout-juste")  # its task may be enqueued any moment: left alone
    OutgoingMessage.objects.filter(pk=lost.pk).update(created_at=now - dt.timedelta(minutes=6))
    retry_waiting = _email(dedupe_key="nouvel-essai")
    OutgoingMessage.objects.filter(pk=retry_waiting.pk).update(
        status="retrying", claimed_at=now - dt.timedelta(minutes=20), created_at=now - dt.timedelta(minutes=30)
    )
    send_message.using(run_after=now + dt.timedelta(minutes=10)).enqueue(retry_waiting.pk)  # its back-off

    recovery = recover_stranded_work(now=now)
    assert recovery.requeued == {"messages non envoyés": [lost.pk]}
    assert DBTaskResult.objects.filter(args_kwargs__args=[lost.pk], status="READY").count() == 1
    # Queued again, it is not queued a third time by the next sweep.
    assert recover_stranded_work(now=now).requeued == {"messages non envoyés": []}


def test_the_worker_recovers_abandoned_work_every_five_minutes(db):
    from relais.core.scheduler import enqueue_due_jobs

    assert "relais.core.tasks.recover_stranded_tasks" in enqueue_due_jobs()
    assert recover_stranded_tasks.call() == {"tasks": 0, "messages non envoyés": 0}
