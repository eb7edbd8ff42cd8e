"""Reads are declared by the answers that show persons and written once, by the read ledger."""

from pathlib import Path

from django.db import DatabaseError
from django.urls import reverse

import relais
from relais.privacy import reads
from relais.privacy.models import AccessLog


def test_a_page_showing_a_file_writes_one_entry_and_a_refused_one_none(world, person92, person78):
    client = world.client_for(world.agent92)
    assert client.get(reverse("people:detail", args=[person92.public_id])).status_code == 200
    assert client.get(reverse("people:detail", args=[person78.public_id])).status_code == 404
    assert list(AccessLog.objects.values_list("person_id", "action", "actor_id")) == [
        (person92.pk, AccessLog.Action.VIEW, world.agent92.pk)
    ]


def test_an_answer_whose_reads_cannot_be_logged_is_not_sent(world, person92, monkeypatch):
    def broken(ledger):
        raise DatabaseError("disk full")

    monkeypatch.setattr(reads, "_write", broken)
    response = world.client_for(world.agent92).get(reverse("people:detail", args=[person92.public_id]))
    assert response.status_code == 503
    body = response.content.decode()
    assert "journal des accès" in body and person92.birth_name not in body


def test_no_view_writes_a_read_itself():
    # A read written in a view would escape the ledger's rules (nothing logged for a refused answer,
    # nothing sent without its entry): only the privacy app names the VIEW action.
    root = Path(relais.__file__).parent
    writers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "Action.VIEW" in path.read_text() and path.parts[-2] not in ("privacy", "migrations")
    ]
    assert writers == []
