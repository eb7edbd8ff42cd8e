from django.conf import settings
from django.utils import timezone
from django_tasks import task

from relais.privacy.services import access_log_email_head, access_log_purge, access_log_seal


@task()
def seal_access_log() -> int:
    return access_log_seal()


@task()
def purge_access_log() -> int:
    return access_log_purge(older_than_days=settings.ACCESS_LOG_RETENTION_DAYS)


@task()
def email_access_log_head() -> bool:
    return access_log_email_head(today=timezone.localdate())
