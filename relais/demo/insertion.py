"""The demo's insertion activity (JOB78 / JOB92): employers of the two départements in the sectors
that recruit, a few hundred offers, 1,500 candidate profiles among the adults of the demo, six
months of proposals in every state, an allocation round of today and a job-dating session."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.conf import settings
from django.utils import timezone
from stdnum import luhn

from relais.appointments.availability import refresh_whole_agenda
from relais.appointments.models import Agenda, Appointment, Motive, Participant
from relais.core.calendar import PARIS, is_holiday
from relais.demo.population import CommunePicker, DemoPerson
from relais.demo.world import World
from relais.insertion import matching, selectors
from relais.insertion.models import (
    CandidateProfile,
    Company,
    ContractType,
    EmployerContact,
    Offer,
    Proposal,
    ProposalEvent,
    RomeMetier,
)
from relais.insertion.services import proposal_create, proposal_transition, proposals_allocate
from relais.people.models import HouseholdMember, PersonOrganisation
from relais.territory.communes import commune_coordinates
from relais.territory.models import Agent
from relais.territory.policies import agent_access_scope

# sector: NAF code, company names, métiers (ROME), usual contracts, share of night / weekend work
SECTORS = {
    "Hôtellerie-restauration": (
        "56.10A", ["Brasserie du Marché", "Restaurant Le Relais", "Hôtel des Tilleuls", "Le Bistrot de la Gare", "Hôtel Mercure Parc"],
        ["G1602", "G1603", "G1605", "G1803", "G1501", "G1703", "G1801"], [ContractType.CDI, ContractType.CDD, ContractType.APPRENTICESHIP], 0.15, 0.7,
    ),
    "Sécurité": (
        "80.10Z", ["Sécurité Ouest Services", "Gardiennage Île-de-France", "Protect Sites", "Vigilance Plus"],
        ["K2503", "K2501"], [ContractType.CDI, ContractType.CDD], 0.5, 0.6,
    ),
    "Aide à domicile": (
        "88.10A", ["Aide et Domicile", "Les Temps de Vie", "Familles Services", "Présence Seniors"],
        ["K1302", "K1304", "K1303"], [ContractType.CDI, ContractType.CDD, ContractType.PEC], 0.0, 0.4,
    ),
    "Propreté": (
        "81.21Z", ["Propreté Plus", "Net Services", "Clair Bureaux", "Éclat Nettoyage"],
        ["K2204", "K2202", "K2303"], [ContractType.CDI, ContractType.CDDI, ContractType.CDD], 0.2, 0.3,
    ),
    "Bâtiment": (
        "43.99C", ["BTP Seine", "Maçonnerie Durand", "Bâti-Ouest", "Rénov' Habitat"],
        ["F1703", "F1704", "F1606", "F1602", "F1702"], [ContractType.CDI, ContractType.INTERIM, ContractType.APPRENTICESHIP], 0.0, 0.05,
    ),
    "Commerce": (
        "47.11D", ["Supermarché du Centre", "Primeurs et Cie", "Marché Frais", "Boulangerie Morel"],
        ["D1505", "D1507", "D1106", "D1102"], [ContractType.CDI, ContractType.CDD, ContractType.APPRENTICESHIP], 0.05, 0.6,
    ),
    "Logistique": (
        "52.10B", ["Logistique Seine Aval", "Entrepôts de l'Ouest", "Colis Express", "Plateforme Vélizy"],
        ["N1103", "N1105", "N4105", "N1101"], [ContractType.INTERIM, ContractType.CDI, ContractType.CDD], 0.3, 0.3,
    ),
    "Travail de bureau": (
        "82.11Z", ["Cabinet Lefort", "Services Administratifs 92", "Gestion Plus", "Centre d'appels Horizon"],
        ["M1602", "M1607", "M1601", "M1606"], [ContractType.CDI, ContractType.CDD, ContractType.PEC], 0.0, 0.05,
    ),
}  # fmt: skip
SECTOR_WEIGHTS = [22, 10, 14, 14, 12, 12, 10, 6]
SKILLS = {
    "G16": ["Hygiène alimentaire (HACCP)", "Travail en équipe", "Cuisine collective"],
    "G18": ["Service en salle", "Accueil de la clientèle", "Travail en équipe"],
    "G15": ["Entretien des chambres", "Travail en équipe"],
    "G17": ["Accueil de la clientèle", "Anglais courant"],
    "K25": ["Carte professionnelle CNAPS", "SST (sauveteur secouriste du travail)", "Rondes de surveillance"],
    "K13": ["Aide à la toilette", "Préparation des repas", "Accompagnement des personnes âgées"],
    "K22": ["Autolaveuse", "Produits d'entretien", "Travail en autonomie"],
    "K23": ["Produits d'entretien", "Travail en extérieur"],
    "F17": ["Lecture de plans", "Coffrage", "Travail en hauteur"],
    "F16": ["Peinture", "Électricité (habilitation B0)"],
    "D15": ["Encaissement", "Mise en rayon", "Accueil de la clientèle"],
    "D11": ["Vente conseil", "Hygiène alimentaire (HACCP)"],
    "N11": ["CACES R489", "Préparation de commandes", "Lecture de bons de livraison"],
    "N41": ["Permis B", "Livraison en tournée"],
    "M16": ["Bureautique", "Accueil téléphonique", "Saisie de données"],
}
REFUSAL_WEIGHTS = {
    Proposal.RefusalReason.NOT_REACHABLE: 14, Proposal.RefusalReason.LACKS_SKILLS: 16, Proposal.RefusalReason.NOT_MOBILE: 9,
    Proposal.RefusalReason.HOURS: 12, Proposal.RefusalReason.EMPLOYER_CHOICE: 25, Proposal.RefusalReason.CANDIDATE_CHOICE: 20,
    Proposal.RefusalReason.OTHER: 4,
}  # fmt: skip
DEMO_EMPLOYER_EMAIL = "recrutement@hotel-des-tilleuls.example.fr"
DEMO_EMPLOYER_COMPANY = "Hôtel des Tilleuls"
PROFILES = 1500
COMPANIES_PER_DEPARTMENT = 45
OFFERS = 320
HISTORY_DAYS = 182


def _siret(rng: random.Random) -> str:
    siren = str(rng.randint(10_000_000, 99_999_999))
    siren += luhn.calc_check_digit(siren)
    establishment = siren + f"{rng.randint(1, 99):05d}"[:4]
    return establishment + luhn.calc_check_digit(establishment)


def _skills(rng: random.Random, metier_code: str) -> list[str]:
    pool = SKILLS.get(metier_code[:3], ["Travail en équipe"])
    return rng.sample(pool, k=min(len(pool), rng.randint(1, 2)))


def build_insertion(rng: random.Random, world: World, people: list[DemoPerson]) -> dict[str, int]:
    today = timezone.localdate()
    metiers = {m.code: m for m in RomeMetier.objects.all()}
    picker = CommunePicker()
    communes = {
        "78": [c for c in picker.communes if c.department == "78"],
        "92": [c for c in picker.communes if c.department == "92"],
    }
    sector_names = list(SECTORS)

    # Employers, in the portfolio of their département; a contact each.
    companies: dict[str, list[tuple[Company, str]]] = {"78": [], "92": []}
    for department in ("78", "92"):
        managers = [world.agents[f"insertion{department}"], world.agents[f"insertion{department}.b"]]
        for index in range(COMPANIES_PER_DEPARTMENT):
            sector = rng.choices(sector_names, SECTOR_WEIGHTS)[0]
            naf, names, *_ = SECTORS[sector]
            commune = rng.choice(communes[department])
            company = Company.objects.create(
                siret=_siret(rng), name=f"{names[index % len(names)]} — {commune.name}", naf_code=naf,
                address=f"{rng.randint(1, 120)} avenue de la République", commune=commune, account_manager=rng.choice(managers),
            )  # fmt: skip
            company.organisations.set([world.organisations[department]])
            EmployerContact.objects.create(
                company=company, first_name=rng.choice(["Claire", "Karim", "Sophie", "Thomas", "Nadia", "Julien"]),
                last_name=rng.choice(["Martin", "Benali", "Lefèvre", "Nguyen", "Rousseau", "Diallo"]),
                role="Responsable du recrutement", email=f"recrutement{index}.{department}@entreprise.example.fr",
            )  # fmt: skip
            companies[department].append((company, sector))

    # Offers: most published now, the others filled or closed in the last six months, a few drafts.
    offers: list[Offer] = []
    offer_organisation: dict[int, int] = {}  # id(offer) → the département holding its company
    for _ in range(OFFERS):
        department = "92" if rng.random() < 0.54 else "78"  # 28 k of the 52 k beneficiaries live in the 92
        company, sector = rng.choice(companies[department])
        _naf, _names, codes, contracts, night_share, weekend_share = SECTORS[sector]
        code = rng.choice(codes)
        state = rng.choices(
            [Offer.Status.PUBLISHED, Offer.Status.FILLED, Offer.Status.CLOSED, Offer.Status.DRAFT], [62, 20, 12, 6]
        )[0]
        opened = today - dt.timedelta(days=rng.randint(0 if state == Offer.Status.PUBLISHED else 20, HISTORY_DAYS))
        offers.append(
            Offer(
                company=company, metier=metiers[code], title=metiers[code].label, contract_type=rng.choice(contracts),
                weekly_hours=rng.choice([20, 24, 28, 30, 35, 35, 35, 39]), night_work=rng.random() < night_share,
                weekend_work=rng.random() < weekend_share,
                commune=company.commune if rng.random() < 0.8 else rng.choice(communes[department]),
                positions=rng.choices([1, 2, 3, 5], [60, 25, 10, 5])[0],
                start_date=(today + dt.timedelta(days=rng.randint(7, 60))) if state == Offer.Status.PUBLISHED else opened + dt.timedelta(days=30),
                education_level=rng.choices([0, 3, 4, 5], [55, 30, 12, 3])[0],
                driving_licence_required=code.startswith("N41") or rng.random() < 0.08,
                vehicle_required=rng.random() < 0.04, skills=_skills(rng, code),
                published_from=None if state == Offer.Status.DRAFT else opened,
                published_until=None if state != Offer.Status.CLOSED else opened + dt.timedelta(days=45),
                status=state, created_by=company.account_manager,
            )
        )  # fmt: skip
        offer_organisation[id(offers[-1])] = world.organisations[department].pk
    Offer.objects.bulk_create(offers)

    # Candidate profiles among the adults of working age, followed by their département.
    adults = [p for p in people if 18 <= p.age <= 62 and p.role != HouseholdMember.Role.CHILD]
    chosen = rng.sample(adults, min(PROFILES, len(adults)))
    referents = {d: [world.agents[f"insertion{d}"], world.agents[f"insertion{d}.b"]] for d in ("78", "92")}
    profiles = []
    wishes = []
    for entry in chosen:
        department = entry.department
        sector = rng.choices(sector_names, SECTOR_WEIGHTS)[0]
        codes = rng.sample(SECTORS[sector][2], k=min(len(SECTORS[sector][2]), rng.randint(1, 3)))
        hours_min = rng.choice([0, 15, 20, 24, 28])
        consent = rng.random() < 0.8
        profiles.append(
            CandidateProfile(
                person=entry.person, organisation=world.organisations[department], referent=rng.choice(referents[department]),
                skills=_skills(rng, codes[0]), experience=rng.choice(["", "Premier emploi recherché.", "Deux ans d'expérience.", "Plusieurs missions d'intérim."]),
                education_level=rng.choices([0, 3, 4, 5], [40, 35, 18, 7])[0], driving_licence=rng.random() < 0.45,
                vehicle=rng.random() < 0.25, max_commute_km=rng.choice([5, 8, 10, 15, 20, 30]),
                hours_min=hours_min, hours_max=max(hours_min, rng.choice([24, 30, 35, 35, 39])),
                accepts_nights=rng.random() < 0.25, accepts_weekends=rng.random() < 0.55,
                available_from=today + dt.timedelta(days=rng.choice([0, 0, 0, 7, 14, 30])),
                constraints=rng.choice(["", "", "", "Garde d'enfant jusqu'à 16 h 30.", "Pas de port de charges lourdes (avis médical).", "Sans voiture : transports en commun."]),
                consent_shared=consent, consent_at=timezone.now() - dt.timedelta(days=rng.randint(1, HISTORY_DAYS)) if consent else None,
            )
        )  # fmt: skip
        wishes.append(codes)
    CandidateProfile.objects.bulk_create(profiles, batch_size=1000)
    # Followed since before the six months of history (auto_now_add wrote today).
    for profile in profiles:
        profile.created_at = timezone.now() - dt.timedelta(days=rng.randint(HISTORY_DAYS, 2 * HISTORY_DAYS))
    CandidateProfile.objects.bulk_update(profiles, ["created_at"], batch_size=1000)
    through = CandidateProfile.desired_metiers.through
    through.objects.bulk_create(
        [
            through(candidateprofile_id=profile.pk, romemetier_id=code)
            for profile, codes in zip(profiles, wishes, strict=True)
            for code in codes
        ],
        batch_size=2000,
    )
    PersonOrganisation.objects.bulk_create(
        [PersonOrganisation(person_id=p.person_id, organisation_id=p.organisation_id) for p in profiles],
        ignore_conflicts=True,
        batch_size=2000,
    )

    history = _pipeline_history(
        rng,
        [(profile, codes) for profile, codes in zip(profiles, wishes, strict=True)],
        [(o, offer_organisation[id(o)]) for o in offers if o.status != Offer.Status.DRAFT],
    )
    # Today's allocation round, as an adviser of each département would start it.
    rounds = [
        proposals_allocate(
            scope=agent_access_scope(world.agents[f"insertion{d}"]), organisation_ids=[world.organisations[d].pk], today=today
        )
        for d in ("78", "92")
    ]
    job_dating = _job_dating(rng, world, profiles, today)
    _demo_employer(world)
    return {
        "companies": sum(len(c) for c in companies.values()),
        "offers": len(offers),
        "candidate_profiles": len(profiles),
        "past_proposals": history,
        "proposals_today": sum(r.proposals for r in rounds),
        "job_dating_registrations": job_dating,
    }


def _pipeline_history(
    rng: random.Random, profiles: list[tuple[CandidateProfile, list[str]]], offers: list[tuple[Offer, int]]
) -> int:
    """Six months of proposals, each with its steps: most end refused or withdrawn, some in a hire.
    Pairs are drawn among the candidate's wished domains within their département, as the engine would."""
    by_domain: dict[tuple[int, str], list[Offer]] = defaultdict(list)
    for offer, organisation_id in offers:
        by_domain[(organisation_id, offer.metier_id[:3])].append(offer)
    S = Proposal.Status
    proposals: list[Proposal] = []
    steps: list[list[tuple[str, str, dt.datetime]]] = []
    now = timezone.now()
    for profile, codes in rng.sample(profiles, len(profiles) * 2 // 3):
        pool = list({o.pk: o for code in codes for o in by_domain.get((profile.organisation_id, code[:3]), [])}.values())
        for offer in rng.sample(pool, k=min(len(pool), rng.randint(1, 3))):
            at = now - dt.timedelta(days=rng.randint(3, HISTORY_DAYS), hours=rng.randint(0, 8))
            chain: list[tuple[str, str, dt.datetime]] = []
            for status in _path(rng, profile.consent_shared):
                if at > now:
                    break
                chain.append((chain[-1][1] if chain else "", status, at))
                at += dt.timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 6))
            if chain[-1][1] in Proposal.OPEN_STATUSES and chain[0][2] < now - dt.timedelta(days=60):
                # Open for two months: in real life it ended, usually without a word from someone.
                chain.append((chain[-1][1], S.REFUSED, min(now, chain[-1][2] + dt.timedelta(days=5))))
            final = chain[-1][1]
            proposal = Proposal(
                profile=profile, offer=offer, score=round(rng.uniform(0.45, 0.95), 3), reasons=["Historique de démonstration"],
                status=final, proposed_by=profile.referent,
            )  # fmt: skip
            if final == S.REFUSED:
                proposal.refusal_reason = rng.choices(list(REFUSAL_WEIGHTS), list(REFUSAL_WEIGHTS.values()))[0]
            if final == S.HIRED:
                proposal.hire_contract_type = offer.contract_type
                proposal.hire_start_date = (chain[-1][2] + dt.timedelta(days=rng.randint(3, 20))).date()
            proposals.append(proposal)
            steps.append(chain)
    Proposal.objects.bulk_create(proposals, batch_size=1000)
    # auto_now_add wrote today's date on insert: put the invented past back.
    for proposal, chain in zip(proposals, steps, strict=True):
        proposal.created_at, proposal.updated_at = chain[0][2], chain[-1][2]
    Proposal.objects.bulk_update(proposals, ["created_at", "updated_at"], batch_size=1000)
    events = [
        ProposalEvent(proposal=proposal, from_status=before, to_status=after, actor=proposal.proposed_by,
                      actor_label=str(proposal.proposed_by), note="" if before else "Répartition des offres")
        for proposal, chain in zip(proposals, steps, strict=True)
        for before, after, _at in chain
    ]  # fmt: skip
    ProposalEvent.objects.bulk_create(events, batch_size=2000)
    for event, at in zip(events, [at for chain in steps for _b, _a, at in chain], strict=True):
        event.at = at
    ProposalEvent.objects.bulk_update(events, ["at"], batch_size=2000)
    return len(proposals)


def _path(rng: random.Random, consent: bool) -> list[str]:
    S = Proposal.Status
    full: list[str] = [S.PROPOSED, S.CANDIDATE_AGREED, S.SHARED_WITH_EMPLOYER, S.INTERVIEW, S.HIRED]
    if not consent:
        full = full[:2]
    reached = rng.choices(range(1, len(full) + 1), [18, 22, 20, 22, 18][: len(full)])[0]
    path = full[:reached]
    if path[-1] != S.HIRED and rng.random() < 0.8:
        path.append(S.WITHDRAWN if rng.random() < 0.2 else S.REFUSED)
    return path


def _job_dating(rng: random.Random, world: World, profiles: list[CandidateProfile], today: dt.date) -> int:
    """A job-dating morning in ten days on the 92 insertion agenda: a collective session with the
    candidates of the 92 registered, the first forty seated and the others waiting."""
    motive = Motive.objects.get(service__code="92-INSERTION", name="Job dating")
    agenda = Agenda.objects.get(agent=world.agents["insertion92"])
    day = today + dt.timedelta(days=10)
    while day.weekday() not in (0, 2, 4) or is_holiday(day):
        day += dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(9), PARIS)
    end = start + dt.timedelta(minutes=motive.duration_minutes)
    overlapping = Appointment.objects.filter(agenda=agenda, start__lt=end, blocked_until__gt=start)
    Participant.objects.filter(appointment__in=overlapping).delete()
    overlapping.delete()  # the demo frees the morning for the event
    session = Appointment.objects.create(
        motive=motive, agenda=agenda, site=agenda.site, start=start, end=end, blocked_until=end, capacity=motive.default_capacity,
        title="Job dating hôtellerie, propreté et logistique", booked_by=agenda.agent,
    )  # fmt: skip
    pool = [p for p in profiles if p.organisation_id == world.organisations["92"].pk]
    registered = rng.sample(pool, min(len(pool), 46))
    Participant.objects.bulk_create(
        [
            Participant(appointment=session, person_id=profile.person_id, capacity=session.capacity,
                        seat=index if index <= session.capacity else None, status="registered" if index <= session.capacity else "waiting")
            for index, profile in enumerate(registered, start=1)
        ]
    )  # fmt: skip
    refresh_whole_agenda(agenda, today, today + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS))
    return len(registered)


def _demo_employer(world: World) -> None:
    """A hotel of the 92 whose recruiter signs in to the employer space with the demo password, with
    a few profiles of today's round already shared with them."""
    company = Company.objects.create(
        siret=_siret(random.Random(7892)), name=DEMO_EMPLOYER_COMPANY, naf_code="55.10Z", address="12 rue des Tilleuls",
        commune_id="92050", account_manager=world.agents["insertion92"],
    )  # fmt: skip
    company.organisations.set([world.organisations["92"]])
    account = Agent.objects.create_user(
        email=DEMO_EMPLOYER_EMAIL, password=settings.DEMO_PASSWORD, first_name="Claire", last_name="Bernard"
    )
    EmployerContact.objects.create(
        company=company, first_name="Claire", last_name="Bernard", role="Directrice", email=DEMO_EMPLOYER_EMAIL, account=account
    )
    today = timezone.localdate()
    offers = [
        Offer.objects.create(
            company=company, metier_id=metier, title=title, contract_type=ContractType.CDI, weekly_hours=hours,
            weekend_work=weekends, commune_id="92050", positions=2, start_date=today + dt.timedelta(days=21),
            status=Offer.Status.PUBLISHED, published_from=today, created_by=company.account_manager,
        )
        for title, metier, hours, weekends in (("Réceptionniste", "G1703", 35, True), ("Commis de cuisine", "G1602", 30, False))
    ]  # fmt: skip
    # The best candidates of the 92 who agreed to share their profile, as the offer's page ranks them.
    adviser = agent_access_scope(world.agents["insertion92"])
    profiles = {
        str(p.pk): p
        for p in selectors.profiles_seeking(organisation_ids=[world.organisations["92"].pk]).filter(consent_shared=True)
    }
    rows = [selectors.candidate_row(profile, today=today) for profile in profiles.values()]
    for offer in offers:
        for ranked in matching.candidates_for(selectors.offer_row(offer), rows, commune_coordinates(), limit=2):
            proposal = proposal_create(
                scope=adviser, profile=profiles[ranked.candidate_id], offer=offer, score=round(ranked.score, 3),
                reasons=list(ranked.reasons),
            )  # fmt: skip
            proposal_transition(scope=adviser, proposal=proposal, to_status=Proposal.Status.CANDIDATE_AGREED)
            proposal_transition(scope=adviser, proposal=proposal, to_status=Proposal.Status.SHARED_WITH_EMPLOYER)
