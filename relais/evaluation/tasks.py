from django_tasks import task

from relais.evaluation.surveys import invitations_send


@task()
def send_survey_invitations() -> int:
    """Hourly: a single-use survey link after each honoured visit at a service point."""
    return invitations_send()
