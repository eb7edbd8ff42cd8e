"""How exchanges follow a person merge (see people/merge_registry.py)."""

from __future__ import annotations

from relais.exchanges.models import ExchangePerson
from relais.people import merge_registry
from relais.people.merge_registry import Moved, repoint, repoint_back
from relais.people.models import Person


def move(absorbed: Person, kept: Person) -> dict[str, list]:
    # Links that would become duplicates (both records on the same exchange) are dropped, and kept in
    # the merge record to be recreated on undo.
    kept_exchanges = set(ExchangePerson.objects.filter(person=kept).values_list("exchange_id", flat=True))
    duplicate_links = ExchangePerson.objects.filter(person=absorbed, exchange_id__in=kept_exchanges)
    dropped = list(duplicate_links.values_list("exchange_id", flat=True))
    duplicate_links.delete()
    return {"dropped_exchange_links": dropped, "exchange_links": repoint(ExchangePerson.objects.filter(person=absorbed), kept)}


def undo(kept: Person, absorbed: Person, moved: Moved) -> None:
    repoint_back(ExchangePerson, moved.get("exchange_links", []), kept, absorbed)
    ExchangePerson.objects.bulk_create(
        [ExchangePerson(exchange_id=exchange_id, person=absorbed) for exchange_id in moved.get("dropped_exchange_links", [])],
        ignore_conflicts=True,
    )


def deals_with(person: Person, organisation_id: int) -> bool:
    return ExchangePerson.objects.filter(person=person, exchange__organisation_id=organisation_id).exists()


def register() -> None:
    merge_registry.register(
        relations=["exchanges.ExchangePerson.person"], move=move, undo=undo, deals_with=deals_with,
        activity=("échanges", lambda person: ExchangePerson.objects.filter(person=person).count()),
    )  # fmt: skip
