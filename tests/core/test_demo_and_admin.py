import pytest
from django.urls import reverse

from relais.demo.loading import load_demo
from relais.demo.world import demo_logins
from relais.exchanges.models import Channel, Exchange
from relais.people.models import Person
from relais.people.normalization import phone_to_e164
from relais.territory.models import Agent, Organisation, Site


@pytest.mark.slow  # the whole demo world: the longest test of the default run before it moved here
def test_demo_world_is_realistic_and_its_logins_work(db, client, settings):
    stats = load_demo(persons=400, exchanges=1500, seed=7)
    assert stats["persons"] >= 400 and stats["exchanges"] == 1500
    assert set(Organisation.objects.values_list("code", flat=True)) >= {
        "78",
        "92",
        "EPI",
        "CAF92",
        "CPAM78",
        "FTIDF",
        "MSA",
        "CARSAT",
    }
    assert Site.objects.count() >= 10 and Site.objects.filter(kind=Site.Kind.SERVICE_POINT).count() >= 3
    assert Agent.objects.count() >= 30
    assert set(Exchange.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert Person.objects.exclude(usage_name="").exists() and Person.objects.filter(first_names__contains=",").exists()
    assert (
        Person.objects.filter(commune_code__startswith="78").exists()
        and Person.objects.filter(commune_code__startswith="92").exists()
    )
    phones = list(Person.objects.filter(contact_points__kind="phone").values_list("contact_points__value", flat=True)[:50])
    assert all(phone_to_e164(phone) == phone for phone in phones)
    from relais.appointments.models import Appointment

    assert Appointment.objects.filter(status="honoured").exists() and Appointment.objects.filter(status="booked").exists()
    training = Appointment.objects.get(motive__name="Formation des assistantes maternelles")
    assert training.capacity == 12 and training.participants.filter(status="registered").count() == 12
    assert training.participants.filter(status="waiting").exists()
    assert Appointment.objects.filter(motive__name="Réunion d'information RSA").exists()
    visio = Appointment.objects.filter(motive__channel="visio").first()
    assert visio.visio_url and visio.booked_from_site.kind == "service_point"
    _assert_insertion_is_realistic(stats, client, settings)
    for _, email, _ in demo_logins():
        response = client.post(reverse("login"), {"username": email, "password": settings.DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.get(reverse("workspace:my_day")).status_code == 200
        client.logout()


def test_admin_is_for_administrators_only(world, client):
    assert world.client_for(world.agent92).get("/admin/").status_code == 302
    admin = Agent.objects.create_superuser(
        email="admin@example.fr", password="x-long-password-2026", first_name="A", last_name="B"
    )
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/territory/service/").status_code == 200


def _assert_insertion_is_realistic(stats, client, settings):  # type: ignore[no-untyped-def]
    from django.db.models import F

    from relais.appointments.models import Appointment
    from relais.demo.insertion import DEMO_EMPLOYER_EMAIL
    from relais.insertion.models import CandidateProfile, Proposal

    assert stats["companies"] == 90 and stats["offers"] == 320
    assert CandidateProfile.objects.count() == stats["candidate_profiles"] >= 100
    assert {"proposed", "interview", "hired", "refused", "withdrawn"} <= set(Proposal.objects.values_list("status", flat=True))
    assert stats["proposals_today"] > 0  # today's allocation round found room
    # Every proposal, past or today's, stays within the département that follows the candidate.
    assert not Proposal.objects.exclude(offer__company__organisations=F("profile__organisation")).exists()
    assert not Proposal.objects.filter(status="refused", refusal_reason="").exists()
    hired = Proposal.objects.filter(status="hired").first()
    assert hired.hire_start_date and [e.to_status for e in hired.events.order_by("at")][-1] == "hired"
    job_dating = Appointment.objects.get(motive__name="Job dating")
    assert job_dating.participants.count() == stats["job_dating_registrations"] > 0
    # The demo's recruiter signs in to the employer space and finds profiles shared with them.
    client.post(reverse("login"), {"username": DEMO_EMPLOYER_EMAIL, "password": settings.DEMO_PASSWORD})
    space = client.get("/employeurs/")
    assert space.status_code == 200 and "Candidat·e" in space.content.decode()
    client.logout()
