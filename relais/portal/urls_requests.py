from django.urls import path

from relais.portal import views_requests as views

app_name = "portal_requests"
urlpatterns = [
    path("", views.procedures, name="procedures"),
    path("deposer/<slug:code>/", views.submit, name="submit"),
    path("suivi/<str:token>/", views.track, name="track"),
    path("suivi/<str:token>/deposee/", views.submitted, name="submitted"),
    path("suivi/<str:token>/pieces/", views.track_upload, name="upload"),
    path("suivi/<str:token>/message/", views.track_message, name="message"),
    path("suivi/<str:token>/courriers/<uuid:letter_id>/", views.track_letter, name="letter"),
]
