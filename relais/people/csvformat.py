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


def detect_delimiter(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","
