"""Who sees which appointments and who may book or manage them."""

from django.db.models import Q

from relais.appointments.models import Agenda, Appointment, AppointmentQuerySet, Motive
from relais.territory.policies import AccessScope


def appointments_visible_filter(scope: AccessScope) -> Q:
    """Appointments on an agenda of the scope's organisations, or booked from one of its sites
    (a France services point sees the partner appointments its mediators booked)."""
    if scope.is_empty:
        return Q(pk__in=[])
    return Q(agenda__organisation_id__in=scope.organisation_ids) | Q(booked_from_site__organisation_id__in=scope.organisation_ids)


def appointments_visible(scope: AccessScope) -> AppointmentQuerySet:
    return Appointment.objects.filter(appointments_visible_filter(scope))


def appointment_content_visible(scope: AccessScope, appointment: Appointment) -> bool:
    """Notes of a sensitive service's appointment (PMI) stay within the service."""
    service = appointment.motive.service
    return scope.may_read_content_of_service(service.pk, service.is_sensitive)


RESTRICTED_LABEL = "Rendez-vous — service à accès restreint"


def appointment_label(scope: AccessScope, appointment: Appointment) -> str:
    """What the appointment is about (its title, or its motive). A sensitive service's motive says too
    much (« Consultation prénatale »): non-members read a neutral label, like for its notes."""
    if not appointment_content_visible(scope, appointment):
        return RESTRICTED_LABEL
    return appointment.title or appointment.motive.name


def may_book_motive(scope: AccessScope, motive: Motive) -> bool:
    """The service's own agents book any of its motives; any agent or partner books motives open to
    partners (a mediator booking a CAF visio slot) or to the public."""
    if scope.is_empty:
        return False
    if motive.service_id in scope.loggable_service_ids:
        return True
    return motive.bookable_by in (Motive.BookableBy.AGENTS_AND_PARTNERS, Motive.BookableBy.PUBLIC)


def may_manage_agenda(scope: AccessScope, agenda: Agenda) -> bool:
    """Openings, absences and the status of appointments: members of the agenda's service in its organisation."""
    return agenda.service_id in scope.loggable_service_ids and agenda.organisation_id in scope.organisation_ids


def may_manage_appointment(scope: AccessScope, appointment: Appointment) -> bool:
    """Move or cancel: the agenda's service (the partner), or the mediators of the France services
    point it was booked from — not every agent of the point's organisation."""
    if may_manage_agenda(scope, appointment.agenda):
        return True
    return appointment.booked_from_site_id is not None and appointment.booked_from_site_id in scope.site_ids
