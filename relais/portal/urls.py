from django.urls import path

from relais.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("motif/<uuid:motive_id>/", views.place, name="place"),
    path("motif/<uuid:motive_id>/lieu/<int:site_id>/", views.slots, name="slots"),
    path("motif/<uuid:motive_id>/lieu/<int:site_id>/reserver/", views.hold, name="hold"),
    path("reunion/<uuid:session_id>/", views.session_details, name="session"),
    path("reservation/<uuid:hold_id>/", views.details, name="details"),
    path("reservation/<uuid:hold_id>/confirmee/", views.confirmed, name="confirmed"),
    path("gerer/<str:token>/", views.manage, name="manage"),
]
