from django.conf import settings
from django.utils import timezone
from django_tasks import task

from relais.appointments.models import Agenda
from relais.appointments.notifications import appointments_send_reminders
from relais.appointments.services import agenda_rebuild_windows, appointments_release_expired_holds


@task()
def send_reminders() -> int:
    return appointments_send_reminders(hours_before=settings.REMINDER_HOURS_BEFORE)


@task()
def release_expired_holds() -> int:
    return appointments_release_expired_holds()


@task()
def extend_agenda_windows() -> int:
    """Daily: move every agenda's precomputed windows one day further (and drop yesterday's)."""
    today = timezone.localdate()
    return sum(agenda_rebuild_windows(agenda, today=today) for agenda in Agenda.objects.filter(is_active=True))
