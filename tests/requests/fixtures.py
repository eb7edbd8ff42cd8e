import pytest

from relais.requests.models import Procedure


@pytest.fixture
def procedure(world):
    """An APA request at the 92's reception service: silence means acceptance after two months."""
    world.accueil92.email = "autonomie@hauts-de-seine.fr"
    world.accueil92.address = "57 rue des Longues Raies, 92000 Nanterre"
    world.accueil92.save()
    return Procedure.objects.create(
        code="92-APA-DOMICILE", name="Allocation personnalisée d'autonomie à domicile", organisation=world.org92, service=world.accueil92,
        regime="acceptance", delay_value=2, required_documents="Avis d'imposition\nJustificatif de domicile", online_open=True,
        form_fields=[{"name": "gir", "label": "Niveau de dépendance (GIR) s'il est connu", "type": "text", "required": False}],
        legal_source="CASF L232-14 ; CRPA L231-1", receives_email=True,
    )  # fmt: skip


@pytest.fixture
def rejection_procedure(world):
    return Procedure.objects.create(
        code="92-AIDE-FINANCIERE", name="Aide financière exceptionnelle", organisation=world.org92, service=world.accueil92,
        regime="rejection", delay_value=2, legal_source="CRPA L231-4 (demande à caractère financier)",
    )  # fmt: skip
