"""The counting grid and the label checks (`/evaluation/grille/…`, `/evaluation/labels/…`).
No identifier in the paths: sites are named by their code in the query and looked up among the
agent's own."""

from django.urls import path

from relais.evaluation import views_grid, views_labels

urlpatterns = [
    path("grille/", views_grid.grid, name="grid"),
    path("grille/cloture/", views_grid.grid_closure, name="grid_closure"),
    path("grille/fichiers/", views_grid.grid_files, name="grid_files"),
    path("grille/fichiers/grille.csv", views_grid.grid_export, name="grid_export"),
    path("labels/", views_labels.labels, name="labels"),
    path("labels/point-d-accueil/", views_labels.label_site, name="label_site"),
]
