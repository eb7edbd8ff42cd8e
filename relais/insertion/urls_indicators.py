"""The insertion indicators' page (its exports are the same address with ?export=…&format=…)."""

from django.urls import path

from relais.insertion import views_indicators

app_name = "insertion-indicators"
urlpatterns = [
    path("", views_indicators.indicators, name="index"),
]
