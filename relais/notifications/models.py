"""A record of every message sent to someone (e-mail now; SMS with the appointments module)."""

import uuid

from django.db import models


class OutgoingMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"

    class Status(models.TextChoices):
        QUEUED = "queued", "En attente"
        SENDING = "sending", "Envoi en cours"
        SENT = "sent", "Envoyé"
        RETRYING = "retrying", "Nouvel essai prévu"
        FAILED = "failed", "Échec"

    class Kind(models.TextChoices):
        """What a message is for. The apps that send build some of these names (appointment_<event>,
        request_<letter kind>); a name missing here is refused when the message is queued."""

        PASSWORD_RESET = "password_reset", "Réinitialisation du mot de passe"
        ACCESS_LOG_HEAD = "access_log_head", "Empreinte du journal des accès"
        APPOINTMENT_CONFIRMATION = "appointment_confirmation", "Confirmation de rendez-vous"
        APPOINTMENT_CHANGE = "appointment_change", "Rendez-vous déplacé"
        APPOINTMENT_CANCELLATION = "appointment_cancellation", "Rendez-vous annulé"
        APPOINTMENT_REMINDER = "appointment_reminder", "Rappel de rendez-vous"
        REQUEST_REGISTRATION = "request_registration", "Accusé d'enregistrement électronique"
        REQUEST_ACKNOWLEDGEMENT = "request_acknowledgement", "Accusé de réception"
        REQUEST_MISSING_DOCUMENTS = "request_missing_documents", "Demande de pièces manquantes"
        REQUEST_FORWARD = "request_forward", "Information de transmission"
        REQUEST_IMPLICIT_DECISION = "request_implicit_decision", "Notification de décision implicite"
        REQUEST_DECISION = "request_decision", "Notification de décision"
        REQUEST_MESSAGE = "request_message", "Message sur une demande"
        REQUESTS_DIGEST = "requests_digest", "Récapitulatif des demandes"
        EMPLOYER_INVITATION = "employer_invitation", "Invitation à l'espace employeur"
        INSERTION_PROFILE_SHARED = "insertion_profile_shared", "Profil de candidat transmis à l'employeur"
        INSERTION_INTERVIEW_REQUESTED = "insertion_interview_requested", "Entretien proposé par l'employeur"
        INSERTION_EMPLOYER_DECLINED = "insertion_employer_declined", "Candidature déclinée par l'employeur"
        INSERTION_OFFERS_PROPOSED = "insertion_offers_proposed", "Offres d'emploi proposées à la personne"
        INSERTION_INTERVIEW_FOR_CANDIDATE = "insertion_interview_candidate", "Entretien demandé par un employeur (à la personne)"
        SURVEY_INVITATION = "survey_invitation", "Invitation à donner son avis sur une visite"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField("canal", max_length=10, choices=Channel.choices)
    recipient = models.CharField("destinataire", max_length=254)
    subject = models.CharField("objet", max_length=255, blank=True)
    body = models.TextField("texte")
    html_body = models.TextField(blank=True)
    kind = models.CharField("nature", max_length=50, choices=Kind.choices)
    person = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages")
    # The service the message speaks for: its content is shown only to whom may read that service's files.
    service = models.ForeignKey("territory.Service", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # What the message was sent for: an agent sees it only if they see that appointment or request.
    appointment = models.ForeignKey(
        "appointments.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    request = models.ForeignKey("requests.CitizenRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("essais", default=0)
    # When and by which worker process ("host:pid") the last attempt took the message (status
    # "sending"): once that process is gone, or TASK_LEASE_SECONDS have passed without an outcome,
    # the attempt died with its worker and the message may be taken again.
    claimed_at = models.DateTimeField("dernier essai", null=True, blank=True)
    claimed_by = models.CharField("processus d'envoi", max_length=100, blank=True)
    provider_response = models.TextField("réponse du prestataire", blank=True)
    provider_message_id = models.CharField("identifiant chez le prestataire", max_length=100, blank=True)
    # One logical message is queued once: reminders and confirmations carry a key such as
    # "appointment:<uuid>:reminder:sms", and the database refuses the same key twice.
    dedupe_key = models.CharField(max_length=200, blank=True)
    attachments = models.JSONField(default=list, blank=True)  # [{"filename", "content_type", "content"}] (text)
    # What to send by e-mail if this SMS cannot be delivered: {"to", "subject", "body"}.
    fallback = models.JSONField(default=dict, blank=True)
    fallback_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "message envoyé"
        verbose_name_plural = "messages envoyés"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~models.Q(dedupe_key=""), name="outgoing_message_dedupe_key_unique"
            )
        ]
        indexes = [models.Index(fields=["person", "-created_at"], name="outgoing_message_person_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} à {self.recipient} — {self.subject or self.kind}"
