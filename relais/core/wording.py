"""French wording helpers: plurals as French writes them (0 and 1 take the singular)."""


def plural_suffix(count: int, suffixes: str = "s") -> str:
    """The ending after a count: "" for 0 and 1, "s" above; "al,aux" gives "al" or "aux"."""
    singular, _, many = suffixes.rpartition(",") if "," in suffixes else ("", "", suffixes)
    return many if abs(count) >= 2 else singular


def count_of(count: int, singular: str, plural: str | None = None) -> str:
    """'0 demande', '1 demande', '3 demandes'; `plural` for irregular words ('2 journaux')."""
    word = singular if abs(count) < 2 else (plural or f"{singular}s")
    return f"{count} {word}"
