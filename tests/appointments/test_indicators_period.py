"""The appointment indicators' form shows the period its figures cover."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone


def test_without_a_chosen_period_the_form_shows_the_three_months_counted(world):
    today = timezone.localdate()
    start = today - dt.timedelta(days=90)
    page = world.client_for(world.agent92).get(reverse("appointments:indicators")).content.decode()
    assert f'name="date_from" value="{start:%d/%m/%Y}"' in page
    assert f'name="date_to" value="{today:%d/%m/%Y}"' in page
    assert f"Rendez-vous du {start:%d/%m/%Y} au {today:%d/%m/%Y}" in page
