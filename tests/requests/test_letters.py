"""The paper acknowledgement is a French administrative letter that fits a window envelope and
that a screen reader can read (tagged PDF)."""

import io

import pytest
from pypdf import PdfReader

from relais.requests.services import RequestActor, request_register

MM = 72 / 25.4  # PDF points per millimetre
A4_HEIGHT_MM = 297


@pytest.fixture
def letter_to_print(world, procedure, person92):
    person92.address, person92.address_complement = "12 rue de la Paix", "Bâtiment B"
    person92.postcode, person92.city = "92000", "Nanterre"
    person92.save()
    world.accueil92.email = "contact.solidarites@hauts-de-seine.fr"  # long: must not be cut at a hyphen
    world.accueil92.save()
    item = request_register(
        procedure=procedure, person=person92, channel="letter", subject="APA pour ma mère", actor=RequestActor(label="Accueil")
    )
    letter = item.letters.get(kind="acknowledgement")
    assert letter.sent_by == "post"
    with letter.file.open("rb") as handle:
        return item, PdfReader(io.BytesIO(handle.read()))


def _positions(reader: PdfReader) -> dict[str, list[tuple[float, float]]]:
    """Each line of the first page with where it is (left edge, distance from the top, in millimetres)."""
    found: dict[str, list[tuple[float, float]]] = {}

    def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
        if text.strip():
            found.setdefault(text.strip(), []).append((x / MM, A4_HEIGHT_MM - y / MM))

    reader.pages[0].extract_text(visitor_text=visit)
    return found


def test_the_letter_to_print_carries_sender_recipient_object_and_reference(letter_to_print):
    item, reader = letter_to_print
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    for line in (
        "Madame Élodie MARTIN-DUPONT", "Bâtiment B", "12 rue de la Paix", "92000 NANTERRE",  # recipient
        "Département des Hauts-de-Seine", "Accueil 92", "57 rue des Longues Raies",  # sender
        "Courriel : contact.solidarites@hauts-de-seine.fr",
        "Nanterre, le", f"Objet : accusé de réception de votre demande n° {item.reference}", f"Référence : {item.reference}",
        "Votre demande : Allocation personnalisée d'autonomie à domicile — APA pour ma mère",
        "Madame,", "réputée acceptée", "salutations distinguées",
    ):  # fmt: skip
        assert line in text, line


def test_the_recipient_shows_through_a_dl_window_and_the_sender_sits_top_left(letter_to_print):
    _, reader = letter_to_print
    positions = _positions(reader)
    # DL window: 100 × 45 mm, 20 mm from the right edge (x 90–190 mm), about 50–95 mm from the top.
    for line in ("Madame Élodie MARTIN-DUPONT", "12 rue de la Paix", "92000 NANTERRE"):
        [(left, top)] = positions[line]
        assert 90 <= left <= 150 and 50 <= top <= 95, (line, left, top)
    [(left, top)] = positions["57 rue des Longues Raies"]
    assert left < 30 and top < 40


def test_the_letter_is_a_tagged_pdf_in_french_with_a_title(letter_to_print):
    item, reader = letter_to_print
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr-FR"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == f"Accusé de réception — {item.reference}"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
