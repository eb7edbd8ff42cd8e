"""Small helpers for correct French in messages built from numbers (no Django here)."""


def count_label(count: int, singular: str, plural: str | None = None) -> str:
    """`1 jour`, `30 jours`, `0 pièce reçue`: French keeps 0 and 1 in the singular."""
    word = singular if abs(count) < 2 else (plural or f"{singular}s")
    return f"{count} {word}"
