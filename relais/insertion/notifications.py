"""The e-mails of the insertion pipeline, in French, through the outgoing queue (recorded, retried).

- **Invitation** to the employer space: a link to choose a password (Django's password-reset token,
  valid PASSWORD_RESET_TIMEOUT, once), then the usual login page.
- **Profile shared** (« profil transmis »): to the company's contacts who have an account, when the
  adviser shares a pseudonymised profile. The pseudonym and the offer only: never the person's name,
  contact details or birth date.
- **Interview proposed** / **declined** by the employer: to the candidate's referent adviser (or the
  agent who made the proposal), who books the interview or tells the person. The pseudonym and the
  proposal's number only: the adviser finds the person in Relais, not in a mailbox.

The candidate is not written to from here: the adviser tells them of the proposal (it is their
agreement that moves it to « acceptée par la personne ») and the interview is an appointment, whose
confirmation the appointments app sends.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from relais.insertion.models import EmployerContact, Proposal
from relais.insertion.pseudonymisation import candidate_pseudonym
from relais.notifications.models import OutgoingMessage
from relais.notifications.services import message_queue_email
from relais.territory.models import Agent

SIGNATURE = "— Relais, service insertion des Départements des Yvelines et des Hauts-de-Seine"


def _offer_label(proposal: Proposal) -> str:
    offer = proposal.offer
    return offer.title or offer.metier.label


def employer_invitation_queue(*, contact: EmployerContact, account: Agent, actor: Agent) -> OutgoingMessage:
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    token = default_token_generator.make_token(account)
    link = settings.SITE_URL + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    body = (
        f"Bonjour {contact.first_name},\n\n"
        f"{actor.get_full_name() or 'Le service insertion'} vous ouvre l'espace employeur de Relais pour "
        f"{contact.company.name} : vous pourrez y publier vos offres d'emploi et répondre aux profils de "
        "candidats que le service insertion vous transmet.\n\n"
        f"Pour choisir votre mot de passe, ouvrez ce lien (valable {hours} heures, une seule fois) :\n\n{link}\n\n"
        f"Ensuite, connectez-vous avec votre adresse e-mail ({account.email}) sur "
        f"{settings.SITE_URL}{reverse('login')}\n\n"
        "Si le lien a expiré, demandez une nouvelle invitation à votre chargé d'affaires.\n\n"
        f"{SIGNATURE}\n"
    )
    return message_queue_email(
        recipient=account.email,
        subject="Relais — votre accès à l'espace employeur",
        body=body,
        kind=OutgoingMessage.Kind.EMPLOYER_INVITATION,
    )


def profile_shared_queue(proposal: Proposal) -> list[OutgoingMessage]:
    """« Profil transmis »: one e-mail per contact of the company who may sign in (once per proposal)."""
    contacts = EmployerContact.objects.filter(
        company_id=proposal.offer.company_id, is_active=True, account__isnull=False, account__is_active=True
    ).select_related("account")
    pseudonym = candidate_pseudonym(proposal.profile)
    link = settings.SITE_URL + reverse("employer:proposal", kwargs={"proposal_id": proposal.pk})
    sent = []
    for contact in contacts:
        assert contact.account is not None
        body = (
            f"Bonjour {contact.first_name},\n\n"
            f"Le service insertion vous transmet le profil de {pseudonym} pour votre offre « {_offer_label(proposal)} ».\n"
            "Le profil est pseudonymisé : son nom et ses coordonnées vous seront communiqués par son conseiller "
            "si vous proposez un entretien.\n\n"
            f"Consulter le profil et répondre :\n{link}\n\n{SIGNATURE}\n"
        )
        sent.append(
            message_queue_email(
                recipient=contact.account.email,
                subject=f"Relais — un profil pour votre offre « {_offer_label(proposal)} »",
                body=body,
                kind=OutgoingMessage.Kind.INSERTION_PROFILE_SHARED,
                dedupe_key=f"insertion:proposal:{proposal.pk}:shared:{contact.pk}",
            )
        )
    return sent


def _adviser(proposal: Proposal) -> Agent | None:
    adviser = proposal.profile.referent or proposal.proposed_by
    return adviser if adviser is not None and adviser.is_active and adviser.email else None


def employer_answer_queue(proposal: Proposal, *, contact: EmployerContact, note: str = "") -> OutgoingMessage | None:
    """To the adviser: the employer proposes an interview, or declines (with the reason)."""
    adviser = _adviser(proposal)
    if adviser is None:
        return None
    pseudonym = candidate_pseudonym(proposal.profile)
    who = f"{contact.first_name} {contact.last_name} ({contact.company.name})"
    offer = _offer_label(proposal)
    if proposal.status == Proposal.Status.INTERVIEW:
        kind = OutgoingMessage.Kind.INSERTION_INTERVIEW_REQUESTED
        subject = f"Relais — entretien proposé pour la proposition n° {proposal.pk}"
        what = (
            f"{who} propose un entretien à {pseudonym} pour l'offre « {offer} » (proposition n° {proposal.pk}).\n"
            "Prévenez la personne et prenez le rendez-vous d'entretien dans Relais."
        )
    else:
        kind = OutgoingMessage.Kind.INSERTION_EMPLOYER_DECLINED
        subject = f"Relais — candidature déclinée, proposition n° {proposal.pk}"
        what = (
            f"{who} décline la candidature de {pseudonym} pour l'offre « {offer} » (proposition n° {proposal.pk}).\n"
            f"Motif : {proposal.get_refusal_reason_display()}."
        )
    if note:
        what += f"\nMessage de l'employeur : {note}"
    body = f"Bonjour {adviser.first_name},\n\n{what}\n\n{SIGNATURE}\n"
    return message_queue_email(
        recipient=adviser.email,
        subject=subject,
        body=body,
        kind=kind,
        dedupe_key=f"insertion:proposal:{proposal.pk}:{proposal.status}:adviser",
    )
