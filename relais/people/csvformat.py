"""The person CSV of PRODUCT.md, shared by imports, linkage and the benchmarks' generators: its
columns, and how its encoding and delimiter are recognised. No Django here: Spark executors read it."""

COLUMNS = [
    "source_id",
    "birth_name",
    "usage_name",
    "first_names",
    "sex",
    "birth_date",
    "birth_place",
    "address",
    "postcode",
    "city",
    "phone",
    "email",
    "nir",
]
# The person's own fields among them (the others are the record's id and its contact points).
IDENTITY_COLUMNS = [column for column in COLUMNS if column not in ("source_id", "phone", "email")]


def detect_encoding(raw: bytes) -> tuple[str, list[int]]:
    """UTF-8 (with or without BOM) when every line decodes as UTF-8; Windows-1252 when no line holds
    valid non-ASCII UTF-8 (a file saved by an old Excel); otherwise UTF-8 with the broken lines listed."""
    broken: list[int] = []
    utf8_non_ascii = False
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            broken.append(number)
        else:
            utf8_non_ascii = utf8_non_ascii or any(byte > 127 for byte in line)
    if not broken:
        return "utf-8-sig", []
    if not utf8_non_ascii:
        return "cp1252", []
    return "utf-8-sig", broken


def detect_delimiter(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","
