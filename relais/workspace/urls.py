from django.urls import path

from relais.workspace import views

app_name = "workspace"
urlpatterns = [
    path("", views.my_day, name="my_day"),
]
