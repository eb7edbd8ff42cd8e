"""The agents' insertion pages, under /insertion/ and the `insertion:` names."""

from django.urls import path

from relais.insertion import views, views_candidates

app_name = "insertion"
urlpatterns = [
    path("", views.home, name="home"),
    path("repartition/", views.allocate, name="allocate"),
    path("entreprises/", views.company_list, name="company_list"),
    path("entreprises/nouvelle/", views.company_create, name="company_create"),
    path("entreprises/<int:company_id>/", views.company_detail, name="company_detail"),
    path("entreprises/<int:company_id>/modifier/", views.company_edit, name="company_edit"),
    path("entreprises/<int:company_id>/etablissements/nouveau/", views.site_add, name="site_add"),
    path("entreprises/<int:company_id>/contacts/nouveau/", views.contact_add, name="contact_add"),
    path("entreprises/<int:company_id>/contacts/<int:contact_id>/inviter/", views.contact_invite, name="contact_invite"),
    path("offres/", views.offer_list, name="offer_list"),
    path("offres/nouvelle/", views.offer_create, name="offer_create"),
    path("offres/<int:offer_id>/", views.offer_detail, name="offer_detail"),
    path("offres/<int:offer_id>/modifier/", views.offer_edit, name="offer_edit"),
    path("offres/<int:offer_id>/statut/", views.offer_status, name="offer_status"),
    path("offres/<int:offer_id>/proposer/", views.offer_propose, name="offer_propose"),
    path("candidats/<uuid:public_id>/", views_candidates.profile_detail, name="profile_detail"),
    path("candidats/<uuid:public_id>/nouveau/", views_candidates.profile_create, name="profile_create"),
    path("candidats/<uuid:public_id>/modifier/", views_candidates.profile_edit, name="profile_edit"),
    path("candidats/<uuid:public_id>/pourquoi-pas/", views_candidates.profile_why, name="profile_why"),
    path("propositions/", views_candidates.proposal_list, name="proposal_list"),
    path("propositions/<int:insertion_proposal_id>/", views_candidates.proposal_detail, name="proposal_detail"),
]
