"""What a shared computer's browser or a proxy may keep of a page: nothing personal."""

from django.urls import reverse
from rest_framework.test import APIClient

from relais.api.services import api_token_create


def test_pages_and_api_answers_with_personal_data_are_never_cached(world, person92):
    page = world.client_for(world.agent92).get(reverse("people:detail", args=[person92.public_id]))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    assert "camera=()" in page["Permissions-Policy"]
    assert page["Referrer-Policy"] == "same-origin"

    _, raw = api_token_create(organisation=world.org92, name="logiciel RSA")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    answer = client.get(f"/api/v1/persons/{person92.public_id}/")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]


def test_the_citizen_portal_is_not_cached_either(client, db):
    response = client.get(reverse("portal:index"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
