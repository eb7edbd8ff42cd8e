"""Issue 11, item 1: an e-mail received by a service never widens whose files its token reads."""

from email.message import EmailMessage
from io import StringIO

from django.core.management import call_command
from rest_framework.test import APIClient

from relais.notifications.models import OutgoingMessage
from relais.people.models import MatchPair, Person
from relais.requests.inbound import register_rfc822
from relais.requests.models import CitizenRequest
from tests.people.factories import PersonFactory

MAILBOX = "autonomie@hauts-de-seine.fr"  # the 92's reception service (see the `procedure` fixture)


def _client(organisation: str, service: str | None = None) -> APIClient:
    out = StringIO()
    args = ["--organisation", organisation, "--name", f"messagerie {service or organisation}"]
    call_command("create_api_token", *args, *(["--service", service] if service else []), stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    return client


def _mail(sender: str, to: str = MAILBOX) -> dict:
    return {"to": to, "from": sender, "display_name": "Moussa N'Diaye", "subject": "Demande d'APA", "text": "Bonjour"}


def _person78(world) -> Person:
    return PersonFactory(birth_name="N'Diaye", first_names="Moussa", organisations=[world.org78], emails=["moussa@example.fr"])


def test_a_sender_known_only_to_the_78_stays_unreadable_by_the_92(world, procedure, person92):
    person78 = _person78(world)
    client = _client("92", "92-ACCUEIL")
    assert client.get(f"/api/v1/persons/{person78.public_id}/").status_code == 404
    response = client.post("/api/v1/inbound-email/", _mail("moussa@example.fr"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["person"] != str(person78.public_id)
    # The 78's file is still out of the 92's reach, and its contact points are untouched.
    assert client.get(f"/api/v1/persons/{person78.public_id}/").status_code == 404
    assert list(person78.organisations.all()) == [world.org78]
    item = CitizenRequest.objects.get()
    assert item.person != person78 and not CitizenRequest.objects.filter(person=person78).exists()
    # The acknowledgement goes to whoever wrote, on the request's own record, not on the 78's person.
    assert OutgoingMessage.objects.filter(recipient="moussa@example.fr", person=item.person).exists()
    assert not OutgoingMessage.objects.filter(person=person78).exists()
    # A reviewer decides whether the new record and the 78's are one person.
    pair = MatchPair.objects.get()
    assert {pair.person_a_id, pair.person_b_id} == {person78.pk, item.person_id} and pair.status == "pending"
    # A sender the 92 already knows is still recognised.
    again = client.post("/api/v1/inbound-email/", _mail("elodie.martin@example.fr"), format="json")
    assert again.json()["person"] == str(person92.public_id) and MatchPair.objects.count() == 1


def test_the_answer_does_not_tell_whether_an_address_is_known_elsewhere(world, procedure):
    _person78(world)
    client = _client("92", "92-ACCUEIL")
    known = client.post("/api/v1/inbound-email/", _mail("moussa@example.fr"), format="json")
    unknown = client.post("/api/v1/inbound-email/", _mail("personne@example.fr"), format="json")
    assert known.status_code == unknown.status_code == 201
    shown = [Person.objects.get(public_id=answer.json()["person"]) for answer in (known, unknown)]
    # Both senders get a fresh record made the same way, from the display name alone.
    assert [(p.birth_name, p.first_names, p.organisation_links.count()) for p in shown] == [("N'Diaye", "Moussa", 1)] * 2
    assert set(known.json()) == set(unknown.json())


def test_only_the_recipient_services_token_may_file_into_its_mailbox(world, procedure):
    world.pmi92.email = "pmi@hauts-de-seine.fr"
    world.pmi92.save()
    organisation_wide = _client("92").post("/api/v1/inbound-email/", _mail("a@example.fr"), format="json")
    other_service = _client("92", "92-PMI").post("/api/v1/inbound-email/", _mail("a@example.fr"), format="json")
    other_departement = _client("78", "78-ACCUEIL").post("/api/v1/inbound-email/", _mail("a@example.fr"), format="json")
    assert organisation_wide.status_code == other_service.status_code == other_departement.status_code == 403
    # An address no service uses gets the same refusal: the endpoint does not list mailboxes.
    unknown = _client("92", "92-ACCUEIL").post("/api/v1/inbound-email/", _mail("a@example.fr", "x@example.fr"), format="json")
    assert unknown.status_code == 403
    agent = APIClient()
    agent.force_login(world.agent92)
    assert agent.post("/api/v1/inbound-email/", _mail("a@example.fr"), format="json").status_code == 403
    assert not CitizenRequest.objects.exists()


def test_poll_imap_matches_senders_only_within_the_recipient_service(world, procedure):
    person78 = _person78(world)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "Moussa N'Diaye <moussa@example.fr>", MAILBOX, "APA"
    message.set_content("Je souhaite déposer une demande d'APA.")
    item = register_rfc822(message.as_bytes())
    assert item.person != person78 and list(person78.organisations.all()) == [world.org78]
    assert MatchPair.objects.filter(status="pending").count() == 1


class _FakeImap:
    """One unseen message in the mailbox; remembers which messages were marked seen."""

    raw = b""
    seen: list[bytes] = []

    def __init__(self, host, port):  # type: ignore[no-untyped-def]
        pass

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(self, *exc):  # type: ignore[no-untyped-def]
        return False

    def login(self, user, password):  # type: ignore[no-untyped-def]
        return "OK", [b""]

    def select(self, folder):  # type: ignore[no-untyped-def]
        return "OK", [b"1"]

    def search(self, charset, criterion):  # type: ignore[no-untyped-def]
        return "OK", [b"1"]

    def fetch(self, number, parts):  # type: ignore[no-untyped-def]
        return "OK", [(b"1 (BODY[] {1}", self.raw), b")"]

    def store(self, number, command, flags):  # type: ignore[no-untyped-def]
        self.seen.append(number)
        return "OK", [b""]


def test_poll_imap_pinned_to_a_service_ignores_a_forged_to_header(world, procedure, monkeypatch):
    from relais.requests.models import Procedure

    world.pmi92.email = "pmi@hauts-de-seine.fr"
    world.pmi92.save()
    Procedure.objects.create(
        code="92-PMI-COURRIEL", name="Courriel à la PMI", organisation=world.org92, service=world.pmi92, regime="rejection",
        delay_value=2, receives_email=True,
    )  # fmt: skip
    message = EmailMessage()
    # Delivered to the reception's mailbox, but claiming to be for the PMI's.
    message["From"], message["To"], message["Subject"] = "x@example.fr", "pmi@hauts-de-seine.fr", "Suivi"
    message.set_content("Bonjour")
    _FakeImap.raw, _FakeImap.seen = message.as_bytes(), []
    monkeypatch.setattr("relais.requests.inbound.imaplib.IMAP4", _FakeImap)
    call_command("poll_imap", "--url", "imap://accueil:secret@127.0.0.1/INBOX", "--service", "92-ACCUEIL", stdout=StringIO())
    assert CitizenRequest.objects.get().service == world.accueil92 and _FakeImap.seen == [b"1"]
