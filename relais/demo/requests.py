"""The demo's procedure catalogue and a few months of requests in every state."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from relais.demo.names import ascii_slug
from relais.demo.population import DemoPerson
from relais.demo.world import World
from relais.requests.models import Procedure
from relais.requests.services import (
    RequestActor,
    request_ask_documents,
    request_receive_documents,
    request_register,
    request_transition,
    requests_record_implicit_decisions,
)
from relais.territory.policies import agent_access_scope

REMEDIES_78 = (
    "Recours gracieux auprès du Président du Conseil départemental des Yvelines, ou recours contentieux devant le tribunal "
    "administratif de Versailles, dans les deux mois suivant la décision (www.telerecours.fr)."
)
REMEDIES_92 = (
    "Recours gracieux auprès du Président du Conseil départemental des Hauts-de-Seine, ou recours contentieux devant le tribunal "
    "administratif de Cergy-Pontoise, dans les deux mois suivant la décision (www.telerecours.fr)."
)

# code, name, service, regime, delay, unit, online, legal source, is example, documents, e-mail procedure
PROCEDURES = [
    ("92-APA-DOMICILE", "Allocation personnalisée d'autonomie (APA) à domicile", "92-AUTONOMIE", "acceptance", 2, "months", True,
     "CASF L232-14 (décision réputée favorable à deux mois du dossier complet)", False, "Formulaire CERFA 16301\nAvis d'imposition\nJustificatif de domicile", False),
    ("78-APA-DOMICILE", "Allocation personnalisée d'autonomie (APA) à domicile", "78-AUTONOMIE", "acceptance", 2, "months", True,
     "CASF L232-14", False, "Formulaire CERFA 16301\nAvis d'imposition\nJustificatif de domicile", False),
    ("92-AGREMENT-ASSMAT", "Agrément d'assistant maternel", "92-PMI", "acceptance", 3, "months", True,
     "CASF L421-3 et L421-6 (agrément réputé acquis à trois mois)", False, "Formulaire CERFA 13394\nCertificat médical\nExtrait de casier judiciaire", False),
    ("78-AGREMENT-ASSMAT", "Agrément d'assistant maternel", "78-PMI", "acceptance", 3, "months", True,
     "CASF L421-3 et L421-6", False, "Formulaire CERFA 13394\nCertificat médical", False),
    ("78-AGREMENT-ASSFAM", "Agrément d'assistant familial", "78-ASE", "acceptance", 4, "months", False,
     "CASF L421-6 — délai de quatre mois donné à titre d'exemple", True, "Formulaire de demande\nCertificat médical", False),
    ("EPI-AGREMENT-ADOPTION", "Agrément en vue d'adoption", "EPI-ADOPTION", "rejection", 9, "months", False,
     "CASF L225-2 (neuf mois) — régime du silence donné à titre d'exemple", True, "Confirmation écrite de la demande\nCertificat médical\nJustificatifs de ressources", False),
    ("92-ASH", "Aide sociale à l'hébergement en établissement", "92-AUTONOMIE", "rejection", 2, "months", False,
     "CRPA L231-4 2° (demande à caractère financier)", False, "Dossier de demande d'aide sociale\nAvis d'imposition\nRelevés de comptes", False),
    ("78-AIDE-INSERTION", "Aide financière individuelle d'insertion (RSA)", "78-INSERTION", "rejection", 2, "months", True,
     "CRPA L231-4 2° (demande à caractère financier)", False, "Devis ou facture\nRIB", False),
    ("92-AIDE-PERMIS", "Aide au permis de conduire des jeunes en insertion", "92-INSERTION", "rejection", 2, "months", True,
     "Règlement départemental d'aide — exemple", True, "Devis de l'auto-école\nJustificatif de domicile", False),
    ("92-COMMUNICATION-DOCUMENTS", "Communication de documents administratifs", "92-ACCUEIL", "rejection", 1, "months", True,
     "CRPA R311-13 (silence d'un mois : refus)", False, "", False),
    ("78-COMMUNICATION-DOCUMENTS", "Communication de documents administratifs", "78-ACCUEIL", "rejection", 1, "months", True,
     "CRPA R311-13", False, "", False),
    ("92-RECOURS-GRACIEUX", "Recours gracieux contre une décision du Département", "92-ACCUEIL", "rejection", 2, "months", True,
     "CRPA L231-4 3° (recours administratif)", False, "Copie de la décision contestée", False),
    ("92-ACTIVITES-PLACES-LIMITEES", "Inscription à une activité à places limitées", "92-ACCUEIL", "acceptance", 4, "months", True,
     "Délai de quatre mois pour les inscriptions à places limitées — exemple", True, "", False),
    ("92-COURRIEL", "Demande adressée par courriel (à qualifier)", "92-ACCUEIL", "acceptance", 2, "months", False,
     "CRPA L112-8 et L231-1 (règle générale)", False, "", True),
    ("78-COURRIEL", "Demande adressée par courriel (à qualifier)", "78-ACCUEIL", "acceptance", 2, "months", False,
     "CRPA L112-8 et L231-1 (règle générale)", False, "", True),
]  # fmt: skip

FORM_FIELDS = {
    "92-APA-DOMICILE": [{"name": "gir", "label": "Niveau de dépendance (GIR) s'il est connu", "type": "text", "required": False}],
    "78-APA-DOMICILE": [{"name": "gir", "label": "Niveau de dépendance (GIR) s'il est connu", "type": "text", "required": False}],
    "92-AGREMENT-ASSMAT": [{"name": "enfants", "label": "Nombre d'enfants à accueillir", "type": "number", "required": True}],
    "78-AGREMENT-ASSMAT": [{"name": "enfants", "label": "Nombre d'enfants à accueillir", "type": "number", "required": True}],
    "92-COMMUNICATION-DOCUMENTS": [{"name": "documents", "label": "Documents demandés", "type": "textarea", "required": True}],
}


def build_requests(rng: random.Random, world: World, people: list[DemoPerson], count: int = 60) -> dict[str, int]:
    procedures = []
    for code, name, service, regime, delay, unit, online, source, example, documents, email in PROCEDURES:
        organisation_code = code.split("-", 1)[0]
        remedies = REMEDIES_78 if organisation_code == "78" else REMEDIES_92
        procedures.append(
            Procedure.objects.create(
                code=code,
                name=name,
                organisation=world.organisations[organisation_code],
                service=world.services[service],
                regime=regime,
                delay_value=delay,
                delay_unit=unit,
                online_open=online,
                legal_source=source,
                is_example=example,
                required_documents=documents,
                receives_email=email,
                remedies=remedies,
                form_fields=FORM_FIELDS.get(code, []),
            )
        )
    for code, service in (("92", "92-ACCUEIL"), ("78", "78-ACCUEIL")):
        world.services[service].email = f"contact.solidarites@{'hauts-de-seine' if code == '92' else 'yvelines'}.fr"
        world.services[service].save(update_fields=["email"])
    members = {m.service_id: m.agent for m in world.memberships}
    now = timezone.now()
    by_department = {
        "78": [p for p in people if p.department == "78" and p.age >= 18],
        "92": [p for p in people if p.department == "92" and p.age >= 18],
    }
    created = 0
    for _ in range(count):
        procedure = rng.choice([p for p in procedures if not p.receives_email])
        department = (
            "78"
            if procedure.organisation.code == "78"
            else rng.choice(["78", "92"])
            if procedure.organisation.code == "EPI"
            else "92"
        )
        person = rng.choice(by_department[department]).person
        agent = members.get(procedure.service_id)
        actor = (
            RequestActor(label=str(agent), agent=agent, scope=agent_access_scope(agent))
            if agent
            else RequestActor(label="Accueil")
        )
        channel = rng.choices(["online_form", "email", "letter", "counter", "phone"], [40, 20, 25, 10, 5])[0]
        if channel == "online_form" and not procedure.online_open:
            channel = "letter"
        received_at = now - dt.timedelta(days=rng.randint(1, 110), hours=rng.randint(0, 8))
        item = request_register(
            procedure=procedure, person=person, channel=channel, subject=procedure.name, received_at=received_at, actor=actor,
            contact_email=f"{ascii_slug(person.first_name)}.{ascii_slug(person.birth_name)}@example.fr" if channel in ("online_form", "email") else "",
        )  # fmt: skip
        created += 1
        fate = rng.random()
        if agent is None:
            continue
        if fate < 0.2 and procedure.documents_list:
            request_ask_documents(
                request=item,
                items=procedure.documents_list[0],
                deadline=timezone.localdate() + dt.timedelta(days=rng.randint(5, 30)),
                actor=actor,
            )
            if rng.random() < 0.4:
                request_receive_documents(request=item, actor=actor)
        elif fate < 0.45:
            request_transition(request=item, to_status="under_review", actor=actor)
        elif fate < 0.75:
            outcome = rng.choice(["accepted", "rejected"])
            request_transition(
                request=item,
                to_status=outcome,
                actor=actor,
                note="" if outcome == "accepted" else "Conditions de ressources non remplies",
            )
    implicit = requests_record_implicit_decisions(today=timezone.localdate())
    return {"requests": created, "implicit": implicit, "procedures": len(procedures)}
