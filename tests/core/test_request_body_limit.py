"""CitizenRequest bodies are capped before they are read; the API answers its errors in JSON."""

import base64

from django.urls import reverse

from relais.requests.models import CitizenRequest
from tests.requests.test_pages_and_api import PDF, _token


class _NeverRead:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_an_anonymous_300_mb_upload_is_refused_before_being_read(world, procedure, client):
    response = client.post(
        reverse("portal_requests:submit", args=[procedure.code]),
        content_type="multipart/form-data; boundary=xyz",
        data=b"--xyz--\r\n",
        CONTENT_LENGTH=str(300 * 1024 * 1024),
        **{"wsgi.input": _NeverRead()},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "Votre envoi est trop volumineux" in page and "300,0\xa0Mio" in page and "limite de 51,0\xa0Mio" in page
    assert not CitizenRequest.objects.exists()


def test_an_over_large_api_body_gets_a_413_in_json(world):
    response = _token().post(
        "/api/v1/requests/", data=b"{}", content_type="application/json", CONTENT_LENGTH=str(6 * 1024 * 1024),
        **{"wsgi.input": _NeverRead()},
    )  # fmt: skip
    assert response.status_code == 413
    assert "dépasse la limite" in response.json()["detail"]


def test_an_unreadable_api_request_gets_a_400_in_json(world):
    fields = "&".join(f"champ{n}=1" for n in range(1200))  # over Django's DATA_UPLOAD_MAX_NUMBER_FIELDS
    response = _token().get(f"/api/v1/requests/?{fields}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Requête invalide")


def test_the_api_takes_json_only_and_says_so_in_json(world):
    fields = "&".join(f"champ{n}=1" for n in range(10))
    response = _token().post("/api/v1/requests/", data=fields, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response["Content-Type"] == "application/json"


def test_the_inbound_email_endpoint_takes_an_attachment_up_to_the_documented_limit(world, procedure, person92, settings):
    padding = b"0" * (settings.ATTACHMENT_MAX_BYTES - len(PDF) - 1024)
    attachment = PDF[:9] + padding + PDF[9:]  # just under 10 MB: 13 MB in base64
    body = {
        "to": "autonomie@hauts-de-seine.fr", "from": "elodie.martin@example.fr", "subject": "Demande d'APA",
        "attachments": [{"filename": "avis.pdf", "content_type": "application/pdf", "content_base64": base64.b64encode(attachment).decode()}],
    }  # fmt: skip
    response = _token("92", "--service", "92-ACCUEIL").post("/api/v1/inbound-email/", body, format="json")
    assert response.status_code == 201, response.content[:300]
    assert CitizenRequest.objects.get().documents.get().size == len(attachment)
