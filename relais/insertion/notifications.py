"""The e-mails of the insertion pipeline, in French, through the outgoing queue (recorded, retried).

- **Invitation** to the employer space: a link to choose a password (Django's password-reset token,
  valid PASSWORD_RESET_TIMEOUT, once), then the usual login page.
- **Profile shared** (« profil transmis »): to the company's contacts who have an account, when the
  adviser shares a pseudonymised profile. The pseudonym and the offer only: never the person's name,
  contact details or birth date.
- **Interview proposed** / **declined** by the employer: to the candidate's referent adviser (or the
  agent who made the proposal), who books the interview or tells the person. The pseudonym and the
  proposal's number only: the adviser finds the person in Relais, not in a mailbox.

- **To the candidate**, by e-mail or else by SMS to a mobile: the offers their adviser proposes
  (one message per round, listing them: an allocation round proposes several at once), then that an
  employer wants to meet them. Their agreement is still recorded by the adviser (« acceptée par la
  personne »), and the interview is an appointment, whose confirmation the appointments app sends.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from relais.insertion.models import CandidateProfile, EmployerContact, Proposal
from relais.insertion.pseudonymisation import candidate_pseudonym
from relais.notifications.models import OutgoingMessage
from relais.notifications.services import message_queue_email, message_queue_sms
from relais.people.selectors import person_addresses
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


def _candidate_addresses(profile: CandidateProfile) -> tuple[str, str]:
    """The person's first e-mail address and first mobile number (either may be empty)."""
    emails, mobiles = person_addresses(profile.person)
    return next(iter(emails), ""), next(iter(mobiles), "")


def _offer_line(proposal: Proposal) -> str:
    offer = proposal.offer
    return (
        f"{_offer_label(proposal)} — {offer.company.name}, {offer.commune.name} "
        f"({offer.get_contract_type_display()}, {offer.weekly_hours} h par semaine)"
    )


def _to_candidate(profile: CandidateProfile, *, subject: str, text: str, sms: str, kind: str, key: str) -> OutgoingMessage | None:
    email, mobile = _candidate_addresses(profile)
    adviser = profile.referent
    contact = f"Votre conseiller : {adviser.get_full_name()}" + (f", {adviser.email}" if adviser.email else "") if adviser else ""
    if email:
        body = f"Bonjour {profile.person.first_names.split(',')[0].strip()},\n\n{text}\n\n{contact}\n\n{SIGNATURE}\n"
        return message_queue_email(recipient=email, subject=subject, body=body, kind=kind, person=profile.person, dedupe_key=key)
    if mobile:
        return message_queue_sms(recipient=mobile, body=sms, kind=kind, person=profile.person, dedupe_key=key)
    return None  # nowhere to write: the adviser tells the person


def offers_proposed_queue(profile: CandidateProfile, proposals: list[Proposal]) -> OutgoingMessage | None:
    """To the candidate: the offers just proposed to them, in one message."""
    if not proposals:
        return None
    count = len(proposals)
    listing = "\n".join(f"- {_offer_line(p)}" for p in proposals)
    text = (
        f"Votre conseiller vous propose {'une offre' if count == 1 else f'{count} offres'} d'emploi :\n{listing}\n\n"
        "Dites-lui si elles vous intéressent : avec votre accord, votre profil, sans votre nom ni vos coordonnées, "
        "sera transmis à l'employeur."
    )
    sms = (
        f"Relais : votre conseiller vous propose {'une offre' if count == 1 else f'{count} offres'} d'emploi "
        f"({_offer_label(proposals[0])}{'…' if count > 1 else ''}). Parlez-en avec lui."
    )
    return _to_candidate(
        profile,
        subject="Relais — des offres d'emploi pour vous" if count > 1 else "Relais — une offre d'emploi pour vous",
        text=text,
        sms=sms,
        kind=OutgoingMessage.Kind.INSERTION_OFFERS_PROPOSED,
        key="insertion:offers:" + ",".join(str(p.pk) for p in proposals),
    )


def interview_for_candidate_queue(proposal: Proposal) -> OutgoingMessage | None:
    """To the candidate: the employer wants to meet them; the adviser sets the appointment."""
    offer = _offer_label(proposal)
    return _to_candidate(
        proposal.profile,
        subject="Relais — un employeur souhaite vous rencontrer",
        text=(
            f"{proposal.offer.company.name} souhaite vous rencontrer pour l'offre « {offer} ».\n"
            "Votre conseiller vous contacte pour fixer la date de l'entretien."
        ),
        sms=f"Relais : {proposal.offer.company.name} souhaite vous rencontrer (offre « {offer} »). Votre conseiller vous contacte.",
        kind=OutgoingMessage.Kind.INSERTION_INTERVIEW_FOR_CANDIDATE,
        key=f"insertion:proposal:{proposal.pk}:interview:candidate",
    )
