import uuid

import django.db.models.deletion
from django.db import migrations, models


def link_messages_to_their_origin(apps, schema_editor):
    """Appointment messages carry the appointment in their dedupe key; request letters point to their
    e-mail. Other past messages stay without origin and are no longer listed on timelines."""
    OutgoingMessage = apps.get_model("notifications", "OutgoingMessage")
    Appointment = apps.get_model("appointments", "Appointment")
    Letter = apps.get_model("requests", "Letter")
    for message in OutgoingMessage.objects.filter(dedupe_key__startswith="appointment:").only("pk", "dedupe_key"):
        try:
            public_id = uuid.UUID(message.dedupe_key.split(":")[1])
        except (IndexError, ValueError):
            continue
        appointment_id = Appointment.objects.filter(public_id=public_id).values_list("pk", flat=True).first()
        if appointment_id is not None:
            OutgoingMessage.objects.filter(pk=message.pk).update(appointment_id=appointment_id)
    for message_id, request_id in Letter.objects.filter(message__isnull=False).values_list("message_id", "request_id"):
        OutgoingMessage.objects.filter(pk=message_id).update(request_id=request_id)


class Migration(migrations.Migration):

    dependencies = [
        ('appointments', '0004_participant_short_code'),
        ('notifications', '0004_outgoingmessage_service'),
        ('requests', '0002_letter_sent_by_postal'),
    ]

    operations = [
        migrations.AddField(
            model_name='outgoingmessage',
            name='appointment',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='appointments.appointment'),
        ),
        migrations.AddField(
            model_name='outgoingmessage',
            name='request',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='requests.request'),
        ),
        migrations.RunPython(link_messages_to_their_origin, migrations.RunPython.noop),
    ]
