"""Shared fixtures: a small two-département world, a real SMTP server and the task worker."""

from __future__ import annotations

import itertools
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.mark.expression import Expression
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from relais.territory.models import Agent, Organisation, Service
from tests import database_cache
from tests.appointments.fixtures import booking  # noqa: F401 - shared fixture
from tests.exchanges.factories import TopicFactory
from tests.people.factories import PersonFactory
from tests.requests.fixtures import procedure, rejection_procedure  # noqa: F401 - shared fixtures
from tests.territory.factories import PASSWORD, AgentFactory, OrganisationFactory, ServiceFactory, SiteFactory


def _whole_directories(config: pytest.Config) -> bool:
    """True when pytest runs directories (the suite, `tests/people`…), not named files or tests."""
    return all((config.invocation_params.dir / str(arg)).is_dir() for arg in config.args)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The suite runs on every core (pytest-xdist, `-n auto`). Tests are dealt one by one in
    pytest-django's order (`--dist load`), never file by file: a worker must run its transactional
    tests after its other database tests, since their flush empties the communes the migrations
    load. A named file or test runs in one process, as do `-n 0`, `-p no:xdist`, `--pdb` and runs
    against Redis (every test clears the one shared cache). Tests go out at most four at a time
    (`--maxschedchunk 4`): xdist otherwise hands a worker dozens of queued tests near the end, the
    slow sweeps among them, while the other worker sits idle (up to 35 s seen). Runs before xdist's
    own hook, which turns `auto` into the number of CPUs."""
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):  # a worker runs its share
        return
    if config.option.numprocesses is not None:  # -n given
        return
    if config.option.usepdb or os.environ.get("REDIS_URL") or not _whole_directories(config):
        return
    config.option.numprocesses = "auto"
    if config.option.dist == "no":
        config.option.dist = "load"
    if config.option.maxschedchunk is None:
        config.option.maxschedchunk = 4


def _mark_always_deselected(config: pytest.Config, mark: str) -> bool:
    """True when `-m` leaves out every test carrying `mark`, whatever its other marks."""
    if not config.option.markexpr:
        return False
    expression = Expression.compile(config.option.markexpr)
    others = sorted(set(re.findall(r"[\w.]+", config.option.markexpr)) - {"and", "or", "not", mark})
    for values in itertools.product((False, True), repeat=len(others)):
        present = {mark} | {name for name, on in zip(others, values, strict=True) if on}
        if expression.evaluate(lambda name, /, present=present, **kwargs: name in present):
            return False
    return True


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The API contract's module is not even imported when `-m` leaves its tests out, as by default:
    Schemathesis makes one test per API operation and token when the module is collected, about
    9 s in each pytest process."""
    if collection_path.name == "test_api_contract.py" and _mark_always_deselected(config, "contract"):
        return True
    return None


def pytest_configure(config: pytest.Config) -> None:
    database_cache.install()  # SQLite's migrated test database, copied (see tests/database_cache.py)


# Property tests check behaviour, never time: on a busy CI machine neither a slow example nor slow
# input generation is a failure.
hypothesis_settings.register_profile("relais", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("relais")


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """Rate limits and throttles start afresh in each test. In the database (the default), a test
    in a rolled-back transaction leaves nothing behind, a committing one (transactional_db) clears
    the table before and after, and a test without the database cannot count anything there.
    Redis (REDIS_URL set) is cleared around every test."""
    from django.core.cache import cache, caches

    from relais.core.cache import DatabaseCache

    in_database = isinstance(caches["default"], DatabaseCache)
    if in_database and "transactional_db" not in request.fixturenames:
        yield
        return
    if in_database:
        request.getfixturevalue("transactional_db")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "relais.notifications.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.log")
    settings.ACCESS_LOG_ANCHOR_FILE = str(tmp_path / "access-log-anchors.log")


@dataclass
class World:
    org78: Organisation
    org92: Organisation
    epi: Organisation
    caf: Organisation
    accueil78: Service
    accueil92: Service
    pmi92: Service
    adoption: Service
    caf_service: Service
    agent78: Agent
    agent92: Agent
    pmi_agent: Agent
    adoption_agent: Agent
    caf_agent: Agent

    def client_for(self, agent: Agent) -> Client:
        client = Client()
        client.force_login(agent)
        return client


@pytest.fixture
def world(db) -> World:
    org78 = OrganisationFactory(code="78", name="Département des Yvelines")
    org92 = OrganisationFactory(code="92", name="Département des Hauts-de-Seine")
    epi = OrganisationFactory(code="EPI", name="EPI 78-92", kind=Organisation.Kind.INTERDEPARTMENTAL)
    caf = OrganisationFactory(code="CAF92", name="CAF des Hauts-de-Seine", partner=True)
    accueil78 = ServiceFactory(code="78-ACCUEIL", name="Accueil 78", organisations=[org78])
    accueil92 = ServiceFactory(code="92-ACCUEIL", name="Accueil 92", organisations=[org92])
    pmi92 = ServiceFactory(code="92-PMI", name="PMI 92", organisations=[org92], sensitive=True, may_process_nir=True)
    adoption = ServiceFactory(code="EPI-ADOPTION", name="Adoption", organisations=[epi, org78, org92])
    caf_service = ServiceFactory(code="CAF92-PRESTATIONS", name="Prestations CAF", organisations=[caf])
    for service in (accueil78, accueil92, pmi92, adoption, caf_service):
        TopicFactory(service=service, name=f"Information {service.code}")
    SiteFactory(organisation=org92, name="Pôle social de Châtenay-Malabry")
    return World(
        org78=org78, org92=org92, epi=epi, caf=caf,
        accueil78=accueil78, accueil92=accueil92, pmi92=pmi92, adoption=adoption, caf_service=caf_service,
        agent78=AgentFactory(email="agent78@yvelines.fr", memberships=[(org78, accueil78)]),
        agent92=AgentFactory(email="agent92@hauts-de-seine.fr", memberships=[(org92, accueil92)]),
        pmi_agent=AgentFactory(email="pmi@hauts-de-seine.fr", memberships=[(org92, pmi92, "social_worker")]),
        adoption_agent=AgentFactory(email="adoption@epi.fr", memberships=[(epi, adoption, "social_worker")]),
        caf_agent=AgentFactory(email="agent@caf92.fr", memberships=[(caf, caf_service)]),
    )  # fmt: skip


@pytest.fixture
def person92(world):
    return PersonFactory(
        birth_name="Lefèvre", usage_name="Martin-Dupont", first_names="Élodie, Marie", sex="F",
        organisations=[world.org92], phones=["+33612345678"], emails=["elodie.martin@example.fr"],
    )  # fmt: skip


@pytest.fixture
def person78(world):
    return PersonFactory(birth_name="N'Diaye", first_names="Moussa", sex="M", organisations=[world.org78], city="Versailles")


@pytest.fixture
def password():
    return PASSWORD


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(
            {"from": envelope.mail_from, "to": envelope.rcpt_tos, "data": envelope.content.decode("utf-8", "replace")}
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on localhost; Django sends to it through its SMTP backend."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture
def run_worker():
    """Run the real database worker until the queue is empty."""

    def run() -> None:
        call_command("worker", batch=True, verbosity=0)

    return run
