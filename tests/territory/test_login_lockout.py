"""Guessing a password: the login is locked per account and per address (django-axes), in French,
and an administrator can lift the lock."""

from io import StringIO

from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from relais.territory.models import Agent

LOCKED = "Connexion temporairement bloquée"


def _login(client, email, password, address="203.0.113.9", **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address, **extra)


def _logged_in(client) -> bool:
    return client.get(reverse("workspace:my_day")).status_code == 200


def test_sixty_wrong_passwords_then_the_right_one_is_refused_with_the_french_lockout_page(world, client, password, settings):
    first = _login(client, "agent92@hauts-de-seine.fr", "pas-le-bon")
    assert first.status_code == 200 and "Adresse e-mail ou mot de passe incorrect." in first.content.decode()
    for n in range(59):
        # The address typed in capitals is the same account: it gets no allowance of its own.
        email = "Agent92@Hauts-de-Seine.fr" if n % 2 else "agent92@hauts-de-seine.fr"
        _login(client, email, f"essai-{n}")

    response = _login(client, "agent92@hauts-de-seine.fr", password)

    page = response.content.decode()
    assert response.status_code == 429
    assert LOCKED in page and f"pendant {settings.AXES_COOLOFF_MINUTES} minutes" in page
    assert 'href="/compte/mot-de-passe/oubli/"' in page and "Se déconnecter" not in page  # the site's layout, logged out
    assert not _logged_in(client)


def test_the_account_stays_locked_from_any_address_and_others_are_not(world, password, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "agent92@hauts-de-seine.fr", "pas-le-bon", address=f"198.51.100.{n + 1}")

    agent92 = Client()
    assert LOCKED in _login(agent92, "agent92@hauts-de-seine.fr", password, address="192.0.2.200").content.decode()
    assert not _logged_in(agent92)
    colleague = Client()  # same address as the last failures, another account: not concerned
    assert _login(colleague, "agent78@yvelines.fr", password, address="198.51.100.10").status_code == 302
    assert _logged_in(colleague)


def test_an_address_is_locked_across_accounts_even_behind_a_proxy_with_a_forged_header(world, password, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCESS_LOG_TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    attacker = Client()
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        # A new account each time, so that no account reaches its own limit; the client writes a
        # new address in front of what our proxy saw: it is ignored.
        _login(
            attacker,
            f"inconnu{n}@example.fr",
            "pas-le-bon",
            address="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"6.6.6.{n % 250}, 203.0.113.9",
        )

    from_that_address = Client()
    response = _login(from_that_address, "agent78@yvelines.fr", password, address="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    elsewhere = Client()
    assert (
        _login(elsewhere, "agent78@yvelines.fr", password, address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1").status_code
        == 302
    )


def test_a_few_mistakes_do_not_lock_and_a_correct_login_still_works(world, client, password, settings):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "agent92@hauts-de-seine.fr", f"essai-{n}")
    assert _login(client, "agent92@hauts-de-seine.fr", password).status_code == 302
    assert _logged_in(client)


def _lock_out_agent92(settings) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "agent92@hauts-de-seine.fr", f"essai-{n}")
    assert _login(Client(), "agent92@hauts-de-seine.fr", "encore").status_code == 429


def test_an_administrator_unlocks_an_account_from_the_admin(world, password, settings):
    _lock_out_agent92(settings)
    admin = Client()
    admin.force_login(Agent.objects.create_superuser(email="admin@example.fr", password="x", first_name="A", last_name="B"))
    assert "Tentatives de connexion" in admin.get("/admin/").content.decode()
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "agent92@hauts-de-seine.fr" in listing.content.decode()

    attempts = list(AccessAttempt.objects.filter(username="agent92@hauts-de-seine.fr").values_list("pk", flat=True))
    admin.post(
        "/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": attempts, "post": "yes"}, follow=True
    )

    agent92 = Client()
    assert _login(agent92, "agent92@hauts-de-seine.fr", password).status_code == 302
    assert _logged_in(agent92)


def test_the_axes_reset_commands_unlock_an_account_or_an_address(world, password, settings):
    _lock_out_agent92(settings)
    out = StringIO()
    call_command("axes_reset_username", "agent92@hauts-de-seine.fr", stdout=out)
    assert "removed" in out.getvalue()
    assert _login(Client(), "agent92@hauts-de-seine.fr", password).status_code == 302

    _lock_out_agent92(settings)
    call_command("axes_reset_ip", "203.0.113.9", stdout=StringIO())
    assert _login(Client(), "agent92@hauts-de-seine.fr", password).status_code == 302
