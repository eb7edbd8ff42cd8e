from django.utils import timezone
from django_tasks import task

from relais.requests.digest import send_service_digests
from relais.requests.services import requests_record_implicit_decisions


@task()
def record_implicit_decisions() -> int:
    return requests_record_implicit_decisions(today=timezone.localdate())


@task()
def send_digests() -> int:
    return send_service_digests(today=timezone.localdate())
