"""Reading person files for the linkage: the person CSV of PRODUCT.md into a frame of strings, and
the French messages of a file that cannot be linked."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from relais.core.csv_reading import detect_encoding
from relais.people.csvformat import COLUMNS, detect_delimiter


class LinkageInputError(ValueError):
    """A person file that cannot be linked, with a French message for the user."""


def read_person_csv(path: Path) -> pd.DataFrame:
    """A person file in the CSV format of PRODUCT.md: comma or semicolon, UTF-8 or Windows-1252."""
    raw = path.read_bytes()
    encoding, broken = detect_encoding(raw)
    if broken:
        lines = ", ".join(map(str, broken[:10])) + (" …" if len(broken) > 10 else "")
        raise LinkageInputError(f"{path.name} : caractères illisibles (UTF-8 invalide) aux lignes {lines}.")
    text = raw.decode(encoding)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=detect_delimiter(text.split("\n", 1)[0]), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise LinkageInputError(f"{path.name} : le fichier est vide.") from None
    except pd.errors.ParserError as error:
        raise LinkageInputError(
            f"{path.name} : fichier CSV mal formé{_near_line(str(error))} "
            "(guillemet non refermé ou nombre de colonnes différent de l'en-tête)."
        ) from None
    frame.columns = [column.strip().lower() for column in frame.columns]
    if "source_id" not in frame.columns:
        raise LinkageInputError(f"{path.name} : la colonne « source_id » manque dans l'en-tête.")
    unknown = [column for column in frame.columns if column not in COLUMNS]
    if unknown:
        raise LinkageInputError(
            f"{path.name} : {'colonne inconnue' if len(unknown) == 1 else 'colonnes inconnues'} {', '.join(unknown)}."
        )
    if frame.empty:
        raise LinkageInputError(f"{path.name} : aucune personne après la ligne d'en-tête.")
    return frame


def _near_line(parser_message: str) -> str:
    """The file line pandas' parser names: "line N" is a line of the file, "row N" counts from the header."""
    if found := re.search(r"line (\d+)", parser_message):
        return f" à la ligne {found.group(1)}"
    if found := re.search(r"row (\d+)", parser_message):
        return f" à la ligne {int(found.group(1)) + 1}"
    return ""
