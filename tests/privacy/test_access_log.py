import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from relais.privacy.models import AccessLog
from relais.privacy.services import access_log_purge, access_log_seal, access_log_verify


def test_sealed_access_log_detects_a_rewritten_entry(world, person92, person78):
    world.client_for(world.agent92).get(reverse("people:detail", args=[person92.public_id]))
    world.client_for(world.agent78).get(reverse("people:detail", args=[person78.public_id]))
    world.client_for(world.agent92).get(reverse("people:edit", args=[person92.public_id]))
    assert access_log_seal() == 3
    assert access_log_verify().problems == []
    call_command("verify_access_log")
    tampered = AccessLog.objects.order_by("seal_sequence")[1]
    AccessLog.objects.filter(pk=tampered.pk).update(actor_label="quelqu'un d'autre")
    assert access_log_verify().altered_ids == [tampered.pk]
    with pytest.raises(CommandError, match="altéré"):
        call_command("verify_access_log")


def test_later_entries_chain_onto_earlier_seals(world, person92):
    client = world.client_for(world.agent92)
    client.get(reverse("people:detail", args=[person92.public_id]))
    access_log_seal()
    client.get(reverse("people:detail", args=[person92.public_id]))
    assert access_log_seal() == 1
    assert list(AccessLog.objects.order_by("seal_sequence").values_list("seal_sequence", flat=True)) == [1, 2]
    AccessLog.objects.filter(seal_sequence=1).update(at=timezone.now() - dt.timedelta(days=400))
    assert access_log_purge(older_than_days=365) == 1  # anchored: the rest still verifies
    assert access_log_verify().problems == []
    AccessLog.objects.filter(seal_sequence=2).delete()  # removed without a purge: reported
    [problem] = access_log_verify().problems
    assert problem.startswith("la dernière entrée a été supprimée après le scellement du ")


def test_the_scheduler_enqueues_periodic_tasks_once_per_period(db):
    from relais.core.scheduler import Periodic, enqueue_due_jobs

    schedule = [Periodic("relais.privacy.tasks.seal_access_log", dt.timedelta(minutes=5))]
    now = timezone.now()
    assert enqueue_due_jobs(now, schedule) == ["relais.privacy.tasks.seal_access_log"]
    assert enqueue_due_jobs(now + dt.timedelta(minutes=1), schedule) == []
    assert enqueue_due_jobs(now + dt.timedelta(minutes=6), schedule) == ["relais.privacy.tasks.seal_access_log"]


def test_the_deployment_check_warns_without_an_access_log_key(settings):
    from django.core.checks import run_checks

    settings.ACCESS_LOG_KEY = ""
    assert "privacy.W001" in [m.id for m in run_checks(include_deployment_checks=True)]
    settings.ACCESS_LOG_KEY = "une-clé-longue-et-aléatoire"
    assert "privacy.W001" not in [m.id for m in run_checks(include_deployment_checks=True)]


@pytest.mark.django_db
def test_the_log_verifies_only_with_its_key(settings, world, person92):
    settings.ACCESS_LOG_KEY = "clé de production"
    world.client_for(world.agent92).get(reverse("people:detail", args=[person92.public_id]))
    call_command("verify_access_log")
    settings.ACCESS_LOG_KEY = "une autre clé"
    with pytest.raises(CommandError, match="modifiée ou falsifiée"):
        call_command("verify_access_log")


@pytest.mark.django_db
def test_the_chain_head_is_emailed_to_the_dpo_once_a_day(settings, world, person92):
    from relais.notifications.models import OutgoingMessage
    from relais.privacy.services import access_log_email_head

    today = timezone.localdate()
    world.client_for(world.agent92).get(reverse("people:detail", args=[person92.public_id]))
    access_log_seal()
    assert access_log_email_head(today=today) is False  # no address configured
    settings.ACCESS_LOG_DPO_EMAIL = "dpo@example.fr"
    assert access_log_email_head(today=today) is True
    access_log_email_head(today=today)
    [message] = OutgoingMessage.objects.filter(kind="access_log_head")
    head = AccessLog.objects.get(seal_sequence=1)
    assert message.recipient == "dpo@example.fr" and head.seal_hash in message.body
