import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from relais.privacy.models import AccessLog
from relais.privacy.services import access_log_seal, access_log_verify


def test_sealed_access_log_detects_a_rewritten_entry(world, person92, person78):
    world.client_for(world.agent92).get(reverse("people:detail", args=[person92.public_id]))
    world.client_for(world.agent78).get(reverse("people:detail", args=[person78.public_id]))
    world.client_for(world.agent92).get(reverse("people:edit", args=[person92.public_id]))
    assert access_log_seal() == 3
    assert access_log_verify() == []
    call_command("verify_access_log")
    tampered = AccessLog.objects.order_by("seal_sequence")[1]
    AccessLog.objects.filter(pk=tampered.pk).update(actor_label="quelqu'un d'autre")
    assert access_log_verify() == [tampered.pk]
    with pytest.raises(CommandError, match="altéré"):
        call_command("verify_access_log")


def test_later_entries_chain_onto_earlier_seals(world, person92):
    client = world.client_for(world.agent92)
    client.get(reverse("people:detail", args=[person92.public_id]))
    access_log_seal()
    client.get(reverse("people:detail", args=[person92.public_id]))
    assert access_log_seal() == 1
    assert list(AccessLog.objects.order_by("seal_sequence").values_list("seal_sequence", flat=True)) == [1, 2]
    AccessLog.objects.filter(seal_sequence=1).delete()  # purged by retention: the rest still verifies
    assert access_log_verify() == []


def test_the_scheduler_enqueues_periodic_tasks_once_per_period(db):
    import datetime as dt

    from django.utils import timezone

    from relais.core.scheduler import Periodic, enqueue_due_jobs

    schedule = [Periodic("relais.privacy.tasks.seal_access_log", dt.timedelta(minutes=5))]
    now = timezone.now()
    assert enqueue_due_jobs(now, schedule) == ["relais.privacy.tasks.seal_access_log"]
    assert enqueue_due_jobs(now + dt.timedelta(minutes=1), schedule) == []
    assert enqueue_due_jobs(now + dt.timedelta(minutes=6), schedule) == ["relais.privacy.tasks.seal_access_log"]
