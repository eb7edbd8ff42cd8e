"""Each way of rewriting the access log that `relais verify-access-log` must report (issue 11, item 6).

The attacker here has write access to the database but not ACCESS_LOG_KEY nor the anchor file."""

import hashlib
import uuid
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from relais.privacy.models import AccessLog
from relais.privacy.services import access_log_record, access_log_seal
from relais.territory.policies import AccessScope


def _log(count: int) -> list[AccessLog]:
    scope = AccessScope(label="Agent Test", agent_id=7)
    persons = [SimpleNamespace(pk=1000 + n, public_id=uuid.uuid4()) for n in range(count)]
    for person in persons:  # one entry per write, as page views do
        access_log_record(scope=scope, action="view", persons=[person])  # type: ignore[list-item]
    return list(AccessLog.objects.order_by("pk"))


def _sealed(count: int) -> list[AccessLog]:
    _log(count)
    access_log_seal()
    call_command("verify_access_log")  # intact before tampering
    return list(AccessLog.objects.order_by("seal_sequence"))


def _verify_fails(*fragments: str) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("verify_access_log")
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def _unkeyed_digest(previous: str, entry: AccessLog) -> str:
    """What someone without the key can compute: the plain SHA-256 chain link of the old scheme."""
    parts = (
        previous,
        entry.pk,
        entry.at.isoformat(),
        entry.actor_kind,
        entry.actor_id,
        entry.actor_label,
        entry.action,
        entry.person_id,
        entry.person_public_id,
        entry.detail,
        entry.path,
        entry.ip_address or "",
        entry.user_agent,
    )
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


@pytest.mark.django_db
def test_deleting_the_newest_entries_is_reported():
    entries = _sealed(8)
    AccessLog.objects.filter(pk__in=[e.pk for e in entries[-5:]]).delete()
    _verify_fails("les 5 dernières entrées ont été supprimées après le scellement du")


@pytest.mark.django_db
def test_deleting_the_oldest_entries_is_reported():
    entries = _sealed(6)
    AccessLog.objects.filter(pk__in=[e.pk for e in entries[:2]]).delete()
    _verify_fails("les 2 premières entrées ont été supprimées")


@pytest.mark.django_db
def test_deleting_an_entry_in_the_middle_is_reported():
    entries = _sealed(5)
    entries[2].delete()
    _verify_fails(f"1 entrée supprimée entre l'entrée n° {entries[1].pk} et l'entrée n° {entries[3].pk}")


@pytest.mark.django_db
def test_editing_a_sealed_entry_is_reported():
    entries = _sealed(4)
    AccessLog.objects.filter(pk=entries[1].pk).update(actor_label="quelqu'un d'autre")
    _verify_fails(f"entrée n° {entries[1].pk} modifiée")


@pytest.mark.django_db
def test_editing_an_entry_and_recomputing_the_hashes_from_there_is_reported():
    entries = _sealed(5)
    AccessLog.objects.filter(pk=entries[2].pk).update(detail="rien à voir")
    previous = entries[1].seal_hash
    for entry in AccessLog.objects.filter(seal_sequence__gte=entries[2].seal_sequence).order_by("seal_sequence"):
        entry.seal_hash = _unkeyed_digest(previous, entry)
        entry.save(update_fields=["seal_hash"])
        previous = entry.seal_hash
    _verify_fails(f"entrée n° {entries[2].pk} modifiée", "la chaîne ne correspond pas à la clé")


@pytest.mark.django_db
def test_editing_an_entry_before_it_is_sealed_is_reported():
    entries = _log(3)
    AccessLog.objects.filter(pk=entries[0].pk).update(person_id=42)
    _verify_fails(f"entrée n° {entries[0].pk} modifiée")


@pytest.mark.django_db
def test_a_forged_entry_is_reported():
    entries = _sealed(3)
    forged = AccessLog.objects.create(
        actor_kind="agent",
        actor_id=1,
        actor_label="Faux",
        action="view",
        person_id=5,
        person_public_id=uuid.uuid4(),
        seal_sequence=entries[-1].seal_sequence + 1,
        seal_hash=_unkeyed_digest(entries[-1].seal_hash, entries[-1]),
    )
    _verify_fails(f"entrée n° {forged.pk} modifiée")


@pytest.mark.django_db
def test_renumbering_or_reordering_entries_is_reported():
    entries = _sealed(4)
    AccessLog.objects.filter(pk=entries[1].pk).update(id=entries[-1].pk + 100)
    _verify_fails("ordre, numéros ou chaînage modifiés")


@pytest.mark.django_db
def test_reordering_sealed_entries_is_reported():
    entries = _sealed(4)
    first, second = entries[1], entries[2]
    AccessLog.objects.filter(pk=first.pk).update(seal_sequence=-1)
    AccessLog.objects.filter(pk=second.pk).update(seal_sequence=first.seal_sequence)
    AccessLog.objects.filter(pk=first.pk).update(seal_sequence=second.seal_sequence)
    _verify_fails("ordre, numéros ou chaînage modifiés")


@pytest.mark.django_db
def test_replacing_the_whole_table_with_a_recomputed_chain_is_reported():
    entries = _sealed(4)
    AccessLog.objects.all().delete()
    previous = "0" * 64
    for entry in entries:
        entry.seal_hash = _unkeyed_digest(previous, entry)
        previous = entry.seal_hash
    AccessLog.objects.bulk_create(entries)
    _verify_fails("la chaîne ne correspond pas à la clé")


@pytest.mark.django_db
def test_a_legitimate_purge_still_verifies(settings):
    import datetime as dt

    from django.utils import timezone

    from relais.privacy.services import access_log_purge

    entries = _sealed(5)
    AccessLog.objects.filter(pk__in=[e.pk for e in entries[:3]]).update(at=timezone.now() - dt.timedelta(days=400))
    assert access_log_purge(older_than_days=365) == 3
    _log(2)
    call_command("verify_access_log")


@pytest.mark.django_db
def test_an_ipv6_address_is_signed_as_the_database_stores_it(rf):
    request = rf.get("/usagers/", REMOTE_ADDR="2001:DB8:0:0::1", HTTP_USER_AGENT="Navigateur « test » | 1")
    scope = AccessScope(label="Agent Test", agent_id=7)
    person = SimpleNamespace(pk=1, public_id=uuid.uuid4())
    access_log_record(scope=scope, action="view", persons=[person], request=request)  # type: ignore[list-item]
    call_command("verify_access_log")
