import hashlib
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from relais.privacy.services import access_log_verify

BEFORE, AFTER = ("privacy", "0002_merge_actions"), ("privacy", "0003_keyed_access_log")


def _old_link(previous: str, entry) -> str:
    parts = (
        previous, entry.pk, entry.at.isoformat(), entry.actor_kind, entry.actor_id, entry.actor_label,
        entry.action, entry.person_id, entry.person_public_id, entry.detail, entry.path,
        entry.ip_address or "", entry.user_agent,
    )  # fmt: skip
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_entries_from_before_the_key_are_resealed_once_and_then_verified(capsys):
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    try:
        OldAccessLog = executor.loader.project_state([BEFORE]).apps.get_model("privacy", "AccessLog")
        previous = "0" * 64
        for sequence in (1, 2, 3):
            entry = OldAccessLog.objects.create(
                actor_kind="agent", actor_id=1, actor_label="Agent", action="view",
                person_id=sequence, person_public_id=uuid.uuid4(), ip_address="192.0.2.1",
            )  # fmt: skip
            entry.seal_sequence, entry.seal_hash = sequence, _old_link(previous, entry)
            entry.save()
            previous = entry.seal_hash
        OldAccessLog.objects.create(
            actor_kind="api", actor_id=2, actor_label="Jeton", action="view", person_id=9, person_public_id=uuid.uuid4()
        )  # not yet sealed at the upgrade
        executor = MigrationExecutor(connection)
        executor.migrate([AFTER])
        assert "ne correspond" not in capsys.readouterr().out  # the old chain was intact
        call_command("verify_access_log")  # seals the fourth and anchors the re-sealed chain
        assert access_log_verify().problems == []
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
