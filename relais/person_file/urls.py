"""Every page about persons, under /usagers/ and the `people:` names: the person file's pages
(search, file, history) and the people app's own (create, edit, households, duplicates, merges)."""

from django.urls import path

from relais.people import views, views_review
from relais.person_file import views as file_views

app_name = "people"
urlpatterns = [
    path("", file_views.search, name="search"),
    path("nouveau/", views.create, name="create"),
    path("doublons/", views_review.review_queue, name="review_queue"),
    path("doublons/<uuid:public_id>/", views_review.review_pair, name="review_pair"),
    path("doublons/<uuid:public_id>/decision/", views_review.review_decide, name="review_decide"),
    path("fusions/", views_review.merges, name="merges"),
    path("fusions/<uuid:public_id>/annuler/", views_review.merge_undo_view, name="merge_undo"),
    path("traitements/", views_review.jobs, name="jobs"),
    path("traitements/imports/<uuid:public_id>/", views_review.import_job, name="import_job"),
    path("traitements/rapprochements/<uuid:public_id>/", views_review.link_job, name="link_job"),
    path("<uuid:public_id>/", file_views.detail, name="detail"),
    path("<uuid:public_id>/historique/", file_views.timeline, name="timeline"),
    path("<uuid:public_id>/modifier/", views.edit, name="edit"),
    path("<uuid:public_id>/foyer/", views.household_add, name="household_add"),
    path(
        "<uuid:public_id>/coordonnees-proposees/<int:proposal_id>/confirmer/",
        views.proposed_contact_confirm,
        name="proposed_contact_confirm",
    ),
    path("<uuid:public_id>/foyer/candidats/", views.household_candidates, name="household_candidates"),
]
