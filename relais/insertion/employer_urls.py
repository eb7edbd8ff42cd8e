from django.urls import path

from relais.insertion import employer_views as views

app_name = "employer"

urlpatterns = [
    path("", views.home, name="home"),
    path("offres/nouvelle/", views.offer_create, name="offer_create"),
    path("offres/<int:offer_id>/", views.offer_detail, name="offer"),
    path("offres/<int:offer_id>/modifier/", views.offer_edit, name="offer_edit"),
    path("offres/<int:offer_id>/statut/", views.offer_status, name="offer_status"),
    path("propositions/<int:proposal_id>/", views.proposal_detail, name="proposal"),
    path("propositions/<int:proposal_id>/entretien/", views.proposal_interview, name="proposal_interview"),
    path("propositions/<int:proposal_id>/decliner/", views.proposal_decline, name="proposal_decline"),
]
