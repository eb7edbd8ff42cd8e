"""A new exchange records how the person got in touch: nothing is chosen for the agent."""

import re

from django.urls import reverse

from relais.exchanges.models import Exchange
from tests.exchanges.test_views import _form


def test_the_exchange_form_starts_without_a_channel(world, person92):
    page = world.client_for(world.agent92).get(reverse("people:detail", args=[person92.public_id])).content.decode()
    exchange_form = page.split(f'action="{reverse("exchanges:create", args=[person92.public_id])}"')[1]
    select = re.search(r'<select name="channel".*?</select>', exchange_form, re.S).group(0)
    assert '<option value="" selected>Choisir le canal</option>' in select
    assert select.count("selected") == 1


def test_an_exchange_without_a_channel_is_refused_with_a_french_message(world, person92):
    client = world.client_for(world.agent92)
    response = client.post(reverse("exchanges:create", args=[person92.public_id]), _form(world, channel=""))
    assert response.status_code == 422
    assert "Indiquez le canal de l&#x27;échange" in response.content.decode()
    assert not Exchange.objects.exists()


def test_an_agent_of_several_services_chooses_the_service_of_each_exchange(world, person92):
    from relais.territory.models import Membership

    Membership.objects.create(agent=world.agent92, organisation=world.org92, service=world.pmi92)
    client = world.client_for(world.agent92)
    page = client.get(reverse("people:detail", args=[person92.public_id])).content.decode()
    exchange_form = page.split(f'action="{reverse("exchanges:create", args=[person92.public_id])}"')[1]
    select = re.search(r'<select name="service".*?</select>', exchange_form, re.S).group(0)
    assert '<option value="" selected>Choisir le service</option>' in select and select.count("selected") == 1
    response = client.post(reverse("exchanges:create", args=[person92.public_id]), _form(world, service=""))
    assert (
        response.status_code == 422 and "Choisissez le service pour lequel a eu lieu l&#x27;échange." in response.content.decode()
    )
    assert not Exchange.objects.exists()


def test_an_agent_of_one_service_finds_it_chosen(world, person92):
    page = world.client_for(world.agent92).get(reverse("people:detail", args=[person92.public_id])).content.decode()
    exchange_form = page.split(f'action="{reverse("exchanges:create", args=[person92.public_id])}"')[1]
    select = re.search(r'<select name="service".*?</select>', exchange_form, re.S).group(0)
    assert f'<option value="{world.accueil92.pk}" selected>Accueil 92</option>' in select
