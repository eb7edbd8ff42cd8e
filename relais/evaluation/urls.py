"""The agents' pages of the network's evaluation (`/evaluation/`); each area has its own module."""

from django.urls import include, path

from relais.evaluation import views_dashboard

app_name = "evaluation"
urlpatterns = [
    path("", views_dashboard.dashboard, name="dashboard"),
    path("rapport.pdf", views_dashboard.report_pdf, name="report_pdf"),
    path("export/", views_dashboard.export, name="export"),
    path("", include("relais.evaluation.urls_surveys")),  # questionnaires, kiosks, paper entry
    path("", include("relais.evaluation.urls_grid")),
]
