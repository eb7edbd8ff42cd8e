from django.conf import settings
from django_tasks import task

from relais.api.idempotency import idempotency_keys_purge


@task()
def purge_idempotency_keys() -> int:
    return idempotency_keys_purge(older_than_days=settings.IDEMPOTENCY_KEY_DAYS)
