"""The agents' survey pages, under `/evaluation/` (namespace `evaluation`): questionnaires, kiosks, paper entry."""

from django.urls import path

from relais.evaluation import views_surveys as views

urlpatterns = [
    path("questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("questionnaires/nouveau/", views.questionnaire_create, name="questionnaire_create"),
    path("questionnaires/<uuid:public_id>/", views.questionnaire_edit, name="questionnaire_edit"),
    path("questionnaires/<uuid:public_id>/apercu/", views.questionnaire_preview, name="questionnaire_preview"),
    path("questionnaires/<uuid:public_id>/questions/nouvelle/", views.question_create, name="question_create"),
    path("questionnaires/<uuid:public_id>/questions/<int:id>/", views.question_edit, name="question_edit"),
    path("questionnaires/<uuid:public_id>/questions/<int:id>/supprimer/", views.question_delete, name="question_delete"),
    path("questionnaires/<uuid:public_id>/questions/<int:id>/deplacer/", views.question_move, name="question_move"),
    path("bornes/", views.kiosk_list, name="kiosk_list"),
    path("bornes/<int:id>/retirer/", views.kiosk_revoke, name="kiosk_revoke"),
    path("questionnaires-papier/", views.paper_entry, name="paper_entry"),
]
