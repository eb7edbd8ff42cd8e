"""The demo's institutions: organisations, sites, services, topics and agents of the 78 and the 92."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from relais.exchanges.models import Topic
from relais.territory.models import Agent, Commune, Membership, Organisation, Service, Site

ORGANISATIONS = [
    ("78", "Département des Yvelines", "departement", "2 place André Mignot, 78012 Versailles Cedex", "01 39 07 78 78"),
    ("92", "Département des Hauts-de-Seine", "departement", "57 rue des Longues Raies, 92000 Nanterre", "0 806 00 00 92"),
    (
        "EPI",
        "Établissement public interdépartemental Yvelines / Hauts-de-Seine",
        "interdepartmental",
        "2 place André Mignot, 78012 Versailles Cedex",
        "01 39 07 78 78",
    ),
    ("CAF92", "Caisse d'allocations familiales des Hauts-de-Seine", "partner", "70-88 rue Paul Lescop, 92000 Nanterre", "3230"),
    ("CPAM78", "Caisse primaire d'assurance maladie des Yvelines", "partner", "92 avenue de Paris, 78000 Versailles", "3646"),
    ("FTIDF", "France Travail Île-de-France", "partner", "3 rue Galilée, 93160 Noisy-le-Grand", "3949"),
    ("MSA", "MSA Île-de-France", "partner", "161 avenue Paul Vaillant-Couturier, 94250 Gentilly", "01 73 43 60 00"),
    ("CARSAT", "Carsat Île-de-France", "partner", "17-19 avenue de Flandre, 75019 Paris", "3960"),
]

# code, name, owners, sensitive, may process NIR, topics
SERVICES = [
    ("78-ACCUEIL", "Accueil et information (Yvelines)", ["78"], False, False,
     ["Information générale", "Orientation vers un partenaire", "Aide aux démarches en ligne", "Réclamation", "Prise de rendez-vous"]),
    ("92-ACCUEIL", "Accueil et information (Hauts-de-Seine)", ["92"], False, False,
     ["Information générale", "Orientation vers un partenaire", "Aide aux démarches en ligne", "Réclamation", "Prise de rendez-vous"]),
    ("78-PMI", "Protection maternelle et infantile (Yvelines)", ["78"], True, True,
     ["Consultation prénatale", "Consultation nourrisson", "Vaccination", "Visite à domicile", "Bilan de santé en école maternelle"]),
    ("92-PMI", "Protection maternelle et infantile (Hauts-de-Seine)", ["92"], True, True,
     ["Consultation prénatale", "Consultation nourrisson", "Vaccination", "Visite à domicile", "Bilan de santé en école maternelle"]),
    ("78-INSERTION", "Insertion et RSA (Yvelines)", ["78"], False, True,
     ["Orientation RSA", "Contrat d'engagement réciproque", "Offre d'emploi JOB78", "Aide à la mobilité", "Suspension ou reprise de droits"]),
    ("92-INSERTION", "Insertion et RSA (Hauts-de-Seine)", ["92"], False, True,
     ["Orientation RSA", "Contrat d'engagement réciproque", "Offre d'emploi JOB92", "Aide à la mobilité", "Suspension ou reprise de droits"]),
    ("EPI-ADOPTION", "Service interdépartemental de l'adoption", ["EPI", "78", "92"], True, True,
     ["Demande d'agrément", "Réunion d'information", "Suivi post-adoption", "Accès aux origines"]),
    ("78-AUTONOMIE", "Autonomie — personnes âgées et handicapées (Yvelines)", ["78"], False, True,
     ["Allocation personnalisée d'autonomie", "Prestation de compensation du handicap", "Aide à domicile", "Hébergement en établissement"]),
    ("92-AUTONOMIE", "Autonomie — personnes âgées et handicapées (Hauts-de-Seine)", ["92"], False, True,
     ["Allocation personnalisée d'autonomie", "Prestation de compensation du handicap", "Aide à domicile", "Hébergement en établissement"]),
    ("78-ASE", "Aide sociale à l'enfance (Yvelines)", ["78"], True, True,
     ["Information préoccupante", "Accompagnement éducatif", "Accueil provisoire", "Contrat jeune majeur"]),
    ("92-ASE", "Aide sociale à l'enfance (Hauts-de-Seine)", ["92"], True, True,
     ["Information préoccupante", "Accompagnement éducatif", "Accueil provisoire", "Contrat jeune majeur"]),
    ("CAF92-PRESTATIONS", "Prestations familiales et logement (CAF 92)", ["CAF92"], False, True,
     ["Prime d'activité", "Aide au logement", "Allocations familiales", "Changement de situation"]),
    ("CPAM78-DROITS", "Droits santé (CPAM 78)", ["CPAM78"], False, True,
     ["Complémentaire santé solidaire", "Carte Vitale", "Indemnités journalières", "Déclaration de médecin traitant"]),
    ("FTIDF-ACCOMPAGNEMENT", "Accompagnement vers l'emploi (France Travail)", ["FTIDF"], False, True,
     ["Inscription", "Actualisation", "Projet professionnel", "Formation"]),
    ("MSA-ACCUEIL", "Accueil des assurés (MSA)", ["MSA"], False, True,
     ["Retraite agricole", "Prestations familiales agricoles", "Cotisations"]),
    ("CARSAT-RETRAITE", "Retraite (Carsat)", ["CARSAT"], False, True,
     ["Demande de retraite", "Relevé de carrière", "Retraite progressive"]),
]  # fmt: skip

# key, organisation, name, kind, address, commune INSEE code
SITES = [
    ("78-HQ", "78", "Hôtel du Département des Yvelines", "head_office", "2 place André Mignot", "78646"),
    (
        "78-CENTRE",
        "78",
        "Espace départemental des solidarités Centre Yvelines",
        "social_centre",
        "1 rue Jacques Prévert",
        "78490",
    ),
    ("78-PMI-MANTES", "78", "Centre de PMI de Mantes-la-Jolie", "pmi_centre", "4 rue de Lorraine", "78361"),
    ("78-FS-MUREAUX", "78", "France services des Mureaux", "service_point", "12 rue Paul Doumer", "78440"),
    ("78-FS-RAMBOUILLET", "78", "France services de Rambouillet", "service_point", "5 rue Gambetta", "78517"),
    # The pilot "relais services publics" of the rural west, evaluated with the France services points.
    ("78-RSP-HOUDAN", "78", "Relais services publics de Houdan", "service_point", "Place de la Mairie", "78310"),
    ("78-RSP-BONNIERES", "78", "Relais services publics de Bonnières-sur-Seine", "service_point", "2 rue de la Mairie", "78089"),
    ("92-HQ", "92", "Hôtel du Département des Hauts-de-Seine", "head_office", "57 rue des Longues Raies", "92050"),
    (
        "92-CHATENAY",
        "92",
        "Pôle social Châtenay-Malabry / Le Plessis-Robinson",
        "social_centre",
        "23 avenue de la Division Leclerc",
        "92019",
    ),
    ("92-VLG", "92", "Pôle social départemental de Villeneuve-la-Garenne", "social_centre", "2 rue Pasteur", "92078"),
    ("92-PMI-GENNEVILLIERS", "92", "Centre de PMI de Gennevilliers", "pmi_centre", "8 avenue Gabriel Péri", "92036"),
    ("92-FS-CLICHY", "92", "France services de Clichy", "service_point", "80 boulevard Jean Jaurès", "92024"),
    ("EPI-ADOPTION", "EPI", "Service interdépartemental de l'adoption", "head_office", "11 avenue de Saint-Cloud", "78646"),
    ("CAF92-NANTERRE", "CAF92", "Agence CAF de Nanterre", "partner_office", "70-88 rue Paul Lescop", "92050"),
    ("CPAM78-VERSAILLES", "CPAM78", "Accueil CPAM de Versailles", "partner_office", "92 avenue de Paris", "78646"),
    ("FTIDF-BOULOGNE", "FTIDF", "Agence France Travail de Boulogne-Billancourt", "partner_office", "35 rue de Paris", "92012"),
]

# email local part, first name, last name, organisation, service, role, site key, is demo login, staff
AGENTS = [
    ("admin", "Camille", "Administratrice", "EPI", "EPI-ADOPTION", "admin", "EPI-ADOPTION", True, True),
    ("accueil78", "Sophie", "Lemaire", "78", "78-ACCUEIL", "agent", "78-CENTRE", True, False),
    ("accueil92", "Karim", "Benali", "92", "92-ACCUEIL", "agent", "92-CHATENAY", True, False),
    ("pmi92", "Hélène", "Marchand", "92", "92-PMI", "social_worker", "92-PMI-GENNEVILLIERS", True, False),
    ("insertion78", "Julien", "Moreau", "78", "78-INSERTION", "social_worker", "78-CENTRE", True, False),
    ("adoption", "Nathalie", "Rousseau", "EPI", "EPI-ADOPTION", "social_worker", "EPI-ADOPTION", True, False),
    ("responsable92", "Philippe", "Girard", "92", "92-ACCUEIL", "manager", "92-HQ", True, False),
    ("mediateur78", "Fatou", "Diallo", "78", "78-ACCUEIL", "mediator", "78-FS-MUREAUX", True, False),
    ("caf92", "Thomas", "Nguyen", "CAF92", "CAF92-PRESTATIONS", "agent", "CAF92-NANTERRE", True, False),
    ("accueil78.b", "Laurence", "Petit", "78", "78-ACCUEIL", "agent", "78-HQ", False, False),
    ("accueil78.c", "Mehdi", "Haddad", "78", "78-ACCUEIL", "agent", "78-CENTRE", False, False),
    ("mediateur78.b", "Claire", "Fontaine", "78", "78-ACCUEIL", "mediator", "78-FS-RAMBOUILLET", False, False),
    ("pmi78", "Anne", "Lefèvre", "78", "78-PMI", "social_worker", "78-PMI-MANTES", False, False),
    ("pmi78.b", "Élodie", "Garnier", "78", "78-PMI", "social_worker", "78-PMI-MANTES", False, False),
    ("insertion78.b", "Samir", "Bouzid", "78", "78-INSERTION", "social_worker", "78-CENTRE", False, False),
    ("autonomie78", "Marie-Claude", "Dubois", "78", "78-AUTONOMIE", "agent", "78-HQ", False, False),
    ("ase78", "Isabelle", "Roux", "78", "78-ASE", "social_worker", "78-CENTRE", False, False),
    ("responsable78", "François", "Mercier", "78", "78-ACCUEIL", "manager", "78-HQ", False, False),
    ("accueil92.b", "Aurélie", "Chevalier", "92", "92-ACCUEIL", "agent", "92-VLG", False, False),
    ("mediateur92", "Youssef", "El Amrani", "92", "92-ACCUEIL", "mediator", "92-FS-CLICHY", False, False),
    ("pmi92.b", "Céline", "Blanc", "92", "92-PMI", "social_worker", "92-CHATENAY", False, False),
    ("insertion92", "Nicolas", "Faure", "92", "92-INSERTION", "social_worker", "92-VLG", False, False),
    ("insertion92.b", "Sandrine", "André", "92", "92-INSERTION", "social_worker", "92-CHATENAY", False, False),
    ("autonomie92", "Pascal", "Bertrand", "92", "92-AUTONOMIE", "agent", "92-HQ", False, False),
    ("ase92", "Véronique", "Lambert", "92", "92-ASE", "social_worker", "92-VLG", False, False),
    ("adoption.b", "Olivier", "Bonnet", "EPI", "EPI-ADOPTION", "social_worker", "EPI-ADOPTION", False, False),
    ("caf92.b", "Amandine", "Leroy", "CAF92", "CAF92-PRESTATIONS", "agent", "CAF92-NANTERRE", False, False),
    ("cpam78", "Stéphane", "Morel", "CPAM78", "CPAM78-DROITS", "agent", "CPAM78-VERSAILLES", False, False),
    ("francetravail", "Inès", "Benoît", "FTIDF", "FTIDF-ACCOMPAGNEMENT", "agent", "FTIDF-BOULOGNE", False, False),
    ("msa", "Gérard", "Picard", "MSA", "MSA-ACCUEIL", "agent", None, False, False),
    ("carsat", "Brigitte", "Vidal", "CARSAT", "CARSAT-RETRAITE", "agent", None, False, False),
    ("responsable.epi", "Hugo", "Lacroix", "EPI", "EPI-ADOPTION", "manager", "EPI-ADOPTION", False, False),
]  # fmt: skip

EMAIL_DOMAIN = {"78": "yvelines.fr", "92": "hauts-de-seine.fr", "EPI": "epi78-92.fr"}

ROLE_LABELS = {
    "admin": "Administratrice (accès à l'administration)",
    "agent": "Agent d'accueil",
    "social_worker": "Travailleur social",
    "manager": "Responsable de service",
    "mediator": "Médiateur France services",
}


@dataclass
class World:
    organisations: dict[str, Organisation]
    services: dict[str, Service]
    sites: dict[str, Site]
    agents: dict[str, Agent]
    topics: dict[str, list[Topic]]
    memberships: list[Membership]


def agent_email(local: str, organisation: str) -> str:
    return f"{local}@{EMAIL_DOMAIN.get(organisation, organisation.lower() + '.demo.fr')}"


def build_world(password: str) -> World:
    organisations = {
        code: Organisation.objects.create(code=code, name=name, kind=kind, address=address, phone=phone)
        for code, name, kind, address, phone in ORGANISATIONS
    }
    services: dict[str, Service] = {}
    topics: dict[str, list[Topic]] = {}
    for code, name, owners, sensitive, nir, topic_names in SERVICES:
        owner = organisations[owners[0]]
        service = Service.objects.create(
            code=code, name=name, is_sensitive=sensitive, may_process_nir=nir,
            email=f"{code.lower()}@{EMAIL_DOMAIN.get(owners[0], 'partenaire.demo.fr')}", phone=owner.phone, address=owner.address,
        )  # fmt: skip
        service.organisations.set([organisations[o] for o in owners])
        services[code] = service
        topics[code] = Topic.objects.bulk_create([Topic(service=service, name=topic) for topic in topic_names])
    communes = {c.insee_code: c for c in Commune.objects.filter(insee_code__in=[s[5] for s in SITES])}
    sites = {
        key: Site.objects.create(
            organisation=organisations[org], name=name, code=key, kind=kind, address=address, commune=communes[insee]
        )
        for key, org, name, kind, address, insee in SITES
    }
    hashed = make_password(password)  # hashed once: 30 agents × PBKDF2 would take seconds
    agents: dict[str, Agent] = {}
    memberships: list[Membership] = []
    for local, first, last, org, service_code, role, site, _login, staff in AGENTS:
        agent = Agent.objects.create(
            email=agent_email(local, org), first_name=first, last_name=last, password=hashed, is_staff=staff, is_superuser=staff
        )
        agents[local] = agent
        memberships.append(
            Membership.objects.create(
                agent=agent,
                organisation=organisations[org],
                service=services[service_code],
                role=role,
                site=sites.get(site) if site else None,
            )
        )
    # Managers and admins often hold a second membership: the 92 manager also supervises insertion.
    memberships.append(
        Membership.objects.create(
            agent=agents["responsable92"], organisation=organisations["92"], service=services["92-INSERTION"], role="manager"
        )
    )
    return World(organisations, services, sites, agents, topics, memberships)


def demo_logins() -> list[tuple[str, str, str]]:
    """(role label, e-mail, service) of the accounts printed by `relais demo`."""
    service_names = {code: name for code, name, *_ in SERVICES}
    return [
        (ROLE_LABELS[role] if local != "caf92" else "Agent partenaire (CAF)", agent_email(local, org), service_names[service])
        for local, _f, _l, org, service, role, _s, login, _st in AGENTS
        if login
    ]
