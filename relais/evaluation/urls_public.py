"""The public pages of the evaluation (`/avis/`): a survey answered through its single-use link, the kiosk."""

app_name = "survey"
urlpatterns: list = []
