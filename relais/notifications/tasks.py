from django_tasks import task

from relais.notifications.services import message_send


@task()
def send_message(message_id: int) -> str:
    return message_send(message_id=message_id).status
