"""The Content-Security-Policy: every page carries it, strict (no 'unsafe-inline', no 'unsafe-eval'),
and no page needs it relaxed: no style attribute, no <style> or inline <script>, no on…= handler,
no javascript: URL and no hx-on attribute in what Relais renders. Walks the same pages as the French
wording sweep, per role, plus the API documentation and the administration."""

import json
import os
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests import test_french_wording as wording
from tests import test_permissions_sweep as sweep

objects = sweep.objects

EXPECTED = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:", "font-src": "'self'",
    "connect-src": "'self'", "frame-ancestors": "'none'", "form-action": "'self'", "base-uri": "'self'", "object-src": "'none'",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href"}


class _InlineCode(HTMLParser):
    """What the policy would refuse in a page: inline styles and scripts, in any of their forms."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "style":
            self.found.append("élément <style>")
        if tag == "script":
            if not dict(attrs).get("src"):
                self.found.append("<script> sans src")
            self._in_script = True
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            elif name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.found.append(f"<{tag} {name}=…>")
            elif name in URL_ATTRIBUTES and value and value.strip().lower().startswith("javascript:"):
                self.found.append(f'<{tag} {name}="{value}">')

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"code dans <script> : {data.strip()[:60]}")


def inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.found


def policy_problems(response, header_name: str = "Content-Security-Policy") -> list[str]:
    header = response.get(header_name)
    if not header:
        return [f"pas d'en-tête {header_name}"]
    directives = {name: value for name, _, value in (part.strip().partition(" ") for part in header.split(";")) if name}
    problems = [
        f"{name}: {directives.get(name)!r} au lieu de {value!r}"
        for name, value in EXPECTED.items()
        if directives.get(name) != value
    ]
    problems += [f"{word} permis" for word in ("unsafe-inline", "unsafe-eval", "unsafe-hashes") if word in header]
    return problems


def test_the_checks_catch_what_they_are_meant_to_catch():
    page = (
        '<div style="color: red"></div><style>p {}</style><script>alert(1)</script><script src="/a.js"></script>'
        '<button onclick="go()"></button><a href=" JavaScript:go()"></a><form hx-on:submit="x"></form>'
        '<input hx-on::after-request="x"><img src="/i.png" alt="">'
    )
    assert len(inline_code(page)) == 8
    assert not inline_code(
        '<script src="/static/relais/relais.js" defer></script><p>style="x" onclick=</p><a href="/javascript:">x</a>'
    )


@pytest.mark.parametrize("who", ["agent92", "pmi_agent", "caf_agent", None])
def test_every_page_carries_the_strict_policy_and_needs_no_inline_code(world, objects, who):
    client = world.client_for(getattr(world, who)) if who else Client()
    found, read = {}, 0
    pages = [*wording._pages(objects), ("api-docs", reverse("api-docs")), ("api-console", reverse("api-console"))]
    for name, url in pages:
        if who is None and not sweep._is_public(name):
            continue
        response = client.get(url)
        if response.status_code >= 500:
            found[f"{name} {url}"] = [f"HTTP {response.status_code}"]
            continue
        problems = policy_problems(response)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            read += 1
            problems += inline_code(response.content.decode())
        if problems:
            found[f"{name} {url}"] = problems
    assert read >= {"agent92": 30, "pmi_agent": 25, "caf_agent": 15, None: 10}[who], f"only {read} pages read"
    assert not found, "\n".join(f"{page}\n    " + "\n    ".join(problems) for page, problems in found.items())


def test_administration_pages_need_no_inline_code(world, objects):
    world.agent92.is_staff = world.agent92.is_superuser = True
    world.agent92.save()
    client = world.client_for(world.agent92)
    urls = [reverse("admin:index"), reverse("admin:territory_agent_change", args=[world.agent92.pk])]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls += [reverse("admin:{}_{}_changelist".format(*info)), reverse("admin:{}_{}_add".format(*info))]
    found = {}
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            continue  # a model without an add page (403) or a changelist refused
        if problems := policy_problems(response) + inline_code(response.content.decode()):
            found[url] = problems
    assert len(urls) > 20
    assert not found, "\n".join(f"{page}\n    " + "\n    ".join(problems) for page, problems in found.items())


def test_api_console_start_up_code_is_a_script_of_its_own(world):
    """Swagger UI's page loads its start-up code from ?script, served as JavaScript under the policy."""
    client = world.client_for(world.agent92)
    page = client.get(reverse("api-console")).content.decode()
    assert 'src="/api/console/?script="' in page
    script = client.get(reverse("api-console"), {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode() and not policy_problems(script)
    assert '"validatorUrl": null' in script.content.decode()  # no badge fetched from validator.swagger.io


def test_redoc_address_leads_to_the_api_reference(db):
    response = Client().get("/api/redoc/")
    assert response.status_code == 301 and response["Location"] == reverse("api-docs")


def test_api_answers_and_error_pages_carry_the_policy_too(world):
    client = world.client_for(world.agent92)
    assert not policy_problems(client.get("/api/v1/persons/"))
    missing = client.get("/usagers/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404 and not policy_problems(missing) and not inline_code(missing.content.decode())


def test_report_only_setting_sends_the_same_policy_without_enforcing_it(world, settings):
    code = (
        "import relais.config.settings as s, json;"
        "print(json.dumps([s.CONTENT_SECURITY_POLICY, s.CONTENT_SECURITY_POLICY_REPORT_ONLY]))"
    )
    env = {**os.environ, "DEBUG": "true"}
    enforced = json.loads(
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    )
    report_only = json.loads(
        subprocess.run(
            [sys.executable, "-c", code], env={**env, "CSP_REPORT_ONLY": "true"}, capture_output=True, text=True, check=True
        ).stdout
    )
    assert enforced[0] and enforced[1] is None
    assert report_only[0] is None and report_only[1] == enforced[0]
    settings.CONTENT_SECURITY_POLICY, settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = report_only
    response = Client().get(reverse("login"))
    assert "Content-Security-Policy" not in response
    assert not policy_problems(response, "Content-Security-Policy-Report-Only")
