import re

from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from relais.notifications.models import OutgoingMessage

# The worker runs in its own transactions, as in production: these tests commit for real.


def test_password_reset_mail_is_delivered_by_the_worker_over_smtp_and_the_link_works(
    transactional_db, world, client, smtp_server, run_worker
):
    response = client.post(reverse("password_reset"), {"email": "agent92@hauts-de-seine.fr"})
    assert response.status_code == 302
    assert smtp_server.messages == []  # nothing leaves before the worker runs
    run_worker()
    message = OutgoingMessage.objects.get()
    assert message.status == OutgoingMessage.Status.SENT and message.kind == "password_reset"
    [delivered] = smtp_server.messages
    assert delivered["to"] == ["agent92@hauts-de-seine.fr"]
    link = re.search(r"http://127\.0\.0\.1:8000(/compte/mot-de-passe/nouveau/\S+/)", delivered["data"].replace("=\n", "")).group(
        1
    )
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Une-phrase-de-passe-2026", "new_password2": "Une-phrase-de-passe-2026"},
    )
    assert done.status_code == 302
    login = client.post(reverse("login"), {"username": "agent92@hauts-de-seine.fr", "password": "Une-phrase-de-passe-2026"})
    assert login.status_code == 302 and login["Location"] == reverse("workspace:my_day")


def test_unknown_address_sends_nothing_and_says_the_same(transactional_db, world, client, smtp_server, run_worker):
    response = client.post(reverse("password_reset"), {"email": "inconnu@example.fr"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    run_worker()
    assert smtp_server.messages == [] and not OutgoingMessage.objects.exists()


def test_smtp_failure_is_recorded_and_retried_later(transactional_db, world, client, settings, run_worker, smtp_server):
    settings.EMAIL_PORT = 1  # nothing listens on port 1
    client.post(reverse("password_reset"), {"email": "agent92@hauts-de-seine.fr"})
    run_worker()
    message = OutgoingMessage.objects.get()
    assert message.status == OutgoingMessage.Status.RETRYING and message.attempts == 1
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after is not None  # scheduled with back-off, not immediately
    assert "Connection refused" in message.provider_response or "Errno" in message.provider_response


def test_expired_or_used_reset_link_says_so(world, client):
    response = client.get("/compte/mot-de-passe/nouveau/MQ/mauvais-jeton/", follow=True)
    assert "plus valable" in response.content.decode()


def _ask_reset(client, email, address="203.0.113.9"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_twenty_five_reset_requests_for_one_agent_send_at_most_the_cap(
    transactional_db, world, client, smtp_server, run_worker, settings
):
    responses = [_ask_reset(client, "agent92@hauts-de-seine.fr", address=f"198.51.100.{n + 1}") for n in range(25)]
    # Every request gets the same neutral answer: nothing tells that the mails stopped.
    assert {(r.status_code, r["Location"]) for r in responses} == {(302, reverse("password_reset_done"))}
    run_worker()
    assert len(smtp_server.messages) == settings.PASSWORD_RESET_MAX_PER_ACCOUNT == 3
    assert {tuple(m["to"]) for m in smtp_server.messages} == {("agent92@hauts-de-seine.fr",)}


def test_the_account_cap_does_not_stop_another_agents_reset(world, client, settings):
    for n in range(10):
        _ask_reset(client, "agent92@hauts-de-seine.fr", address=f"198.51.100.{n + 1}")
    _ask_reset(client, "agent78@yvelines.fr", address="192.0.2.1")
    sent = list(OutgoingMessage.objects.values_list("recipient", flat=True))
    assert sorted(sent) == ["agent78@yvelines.fr"] + ["agent92@hauts-de-seine.fr"] * settings.PASSWORD_RESET_MAX_PER_ACCOUNT


def test_one_client_asking_for_many_accounts_is_capped_too(world, client, settings):
    settings.PASSWORD_RESET_MAX_PER_CLIENT = 2
    emails = ["agent92@hauts-de-seine.fr", "agent78@yvelines.fr", "pmi@hauts-de-seine.fr", "adoption@epi.fr"]
    responses = [_ask_reset(client, email) for email in emails]
    assert {r["Location"] for r in responses} == {reverse("password_reset_done")}
    assert OutgoingMessage.objects.count() == 2
    _ask_reset(client, "agent@caf92.fr", address="192.0.2.1")  # another client: served
    assert OutgoingMessage.objects.filter(recipient="agent@caf92.fr").exists()
