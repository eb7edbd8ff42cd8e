from django.urls import path

from relais.requests import views

app_name = "requests"
urlpatterns = [
    path("demandes/", views.queue, name="queue"),
    path("demandes/lot/", views.bulk, name="bulk"),
    path("demandes/indicateurs/", views.indicators, name="indicators"),
    path("demandes/<uuid:public_id>/", views.detail, name="detail"),
    path("demandes/<uuid:public_id>/actions/<slug:name>/", views.action, name="action"),
    path("demandes/<uuid:public_id>/courriers/<uuid:letter_id>/", views.letter, name="letter"),
    path("demandes/<uuid:public_id>/pieces/<uuid:document_id>/", views.document, name="document"),
    path("usagers/<uuid:person_id>/demandes/nouvelle/", views.register, name="register"),
]
