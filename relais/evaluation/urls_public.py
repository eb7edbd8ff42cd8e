"""The public pages of the evaluation (`/avis/`): a survey answered through its single-use link, the kiosk."""

from django.urls import path

from relais.evaluation import views_survey

app_name = "survey"
urlpatterns = [
    path("borne/<str:token>/", views_survey.kiosk, name="kiosk"),
    path("<str:token>/", views_survey.answer, name="answer"),
]
