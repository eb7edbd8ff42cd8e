"""The candidate as an employer may see them: no name, no contact, no birth date, the commune only,
and a stable pseudonym (« Candidat·e 7F3KQ2 ») that is the same every time for the same profile
and reveals nothing (a keyed hash of the profile's id)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from relais.insertion.models import CandidateProfile, EducationLevel
from relais.territory.models import Commune

# No 0/O, 1/I/L: a pseudonym is read aloud on the phone.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PSEUDONYM_LENGTH = 6


class ConsentMissing(Exception):
    pass


def candidate_pseudonym(profile: CandidateProfile) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"insertion-candidate:{profile.pk}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(PSEUDONYM_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "Candidat·e " + "".join(chars)


def candidate_pseudonymised(profile: CandidateProfile, *, require_consent: bool = True) -> dict:
    """What the employer sees of a profile. Refused without the person's consent, unless the caller
    says otherwise (an adviser previewing what would be shared). Never the stated constraints.
    The experience is free text the adviser writes for this purpose: it must not name anyone."""
    if require_consent and not profile.consent_shared:
        raise ConsentMissing("La personne n'a pas consenti au partage de son profil pseudonymisé avec les employeurs.")
    person = profile.person
    commune = Commune.objects.filter(insee_code=person.commune_code).first() if person.commune_code else None
    return {
        "pseudonym": candidate_pseudonym(profile),
        "commune": commune.name if commune else person.city,
        "commune_code": person.commune_code,
        "desired_metiers": [{"code": m.code, "label": m.label} for m in profile.desired_metiers.order_by("code")],
        "skills": list(profile.skills),
        "experience": profile.experience,
        "education_level": profile.education_level,
        "education_level_label": EducationLevel(profile.education_level).label,
        "driving_licence": profile.driving_licence,
        "vehicle": profile.vehicle,
        "max_commute_km": profile.max_commute_km,
        "hours_min": profile.hours_min,
        "hours_max": profile.hours_max,
        "accepts_nights": profile.accepts_nights,
        "accepts_weekends": profile.accepts_weekends,
        "available_from": profile.available_from.isoformat() if profile.available_from else None,
    }
