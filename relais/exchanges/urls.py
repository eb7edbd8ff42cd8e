from django.urls import path

from relais.exchanges import views

app_name = "exchanges"
urlpatterns = [
    path("echanges/", views.list_view, name="list"),
    path("echanges/export.csv", views.export_csv, name="export"),
    path("echanges/<uuid:public_id>/", views.detail, name="detail"),
    path("echanges/<uuid:public_id>/suite-traitee/", views.close_follow_up, name="close_follow_up"),
    path("echanges/<uuid:public_id>/pieces/<uuid:attachment_id>/", views.attachment, name="attachment"),
    path("usagers/<uuid:person_id>/echanges/", views.create, name="create"),
]
