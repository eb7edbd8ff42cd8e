from django.urls import path

from relais.appointments import views_booking, views_calendar

app_name = "appointments"
urlpatterns = [
    path("rendez-vous/", views_calendar.calendar, name="calendar"),
    path("rendez-vous/aujourdhui/", views_calendar.today, name="today"),
    path("rendez-vous/reunions/", views_calendar.sessions, name="sessions"),
    path("rendez-vous/indicateurs/", views_calendar.indicators, name="indicators"),
    path("rendez-vous/agendas/", views_calendar.agendas, name="agendas"),
    path("rendez-vous/agendas/<uuid:public_id>/", views_calendar.agenda_detail, name="agenda"),
    path(
        "rendez-vous/agendas/<uuid:public_id>/ouvertures/<int:opening_id>/supprimer/",
        views_calendar.opening_remove,
        name="opening_remove",
    ),
    path(
        "rendez-vous/agendas/<uuid:public_id>/absences/<int:absence_id>/supprimer/",
        views_calendar.absence_remove,
        name="absence_remove",
    ),
    path("rendez-vous/agendas/<uuid:public_id>/flux/", views_calendar.feed_token, name="feed_token"),
    path("calendrier/<str:token>.ics", views_calendar.feed, name="feed"),
    path("rendez-vous/<uuid:public_id>/", views_booking.detail, name="detail"),
    path("rendez-vous/<uuid:public_id>/statut/", views_booking.set_outcome, name="set_outcome"),
    path("rendez-vous/<uuid:public_id>/annuler/", views_booking.cancel, name="cancel"),
    path("rendez-vous/<uuid:public_id>/deplacer/", views_booking.move, name="move"),
    path("rendez-vous/<uuid:public_id>/ics/", views_booking.ics, name="ics"),
    path("rendez-vous/<uuid:public_id>/participants/<uuid:person_id>/desinscrire/", views_booking.unregister, name="unregister"),
    path("usagers/<uuid:person_id>/rendez-vous/", views_booking.book_choose_motive, name="book_motive"),
    path("usagers/<uuid:person_id>/rendez-vous/<uuid:motive_id>/", views_booking.book_choose_slot, name="book_slot"),
    path("usagers/<uuid:person_id>/rendez-vous/<uuid:motive_id>/confirmer/", views_booking.book_confirm, name="book_confirm"),
    path("usagers/<uuid:person_id>/reunions/<uuid:session_id>/inscrire/", views_booking.book_session, name="book_session"),
]
