"""How the rows that point to a person follow a merge of two records, and its undo.

The people app does not know the other apps. Each app holding a foreign key to `Person` registers,
from its own `merging.py` imported in its `AppConfig.ready()`, a handler:

- `move(absorbed, kept)` points its rows at the kept record (dropping those that would become
  duplicates) and returns what it did as lists of ids under keys of its own; the merge stores them
  in `PersonMerge.moved`;
- `undo(kept, absorbed, moved)` puts back exactly what its keys say moved (rows added to the
  merged person since stay where they are);
- `deals_with(person, organisation_id)`, optional, says whether the organisation deals with the
  person through the app's rows: on undo, an organisation the merge brought to the kept record
  stays only if some handler says so;
- `activity`, optional, names the history the rows make (« échanges ») and counts it for a person:
  the duplicate review keeps by default the record with more history.

A relation deliberately not moved is declared with `leave_alone(relation, reason=...)`.
`unhandled_relations()` lists every relation to `Person` (foreign keys, one-to-one, the through
models of many-to-many) that is neither: a test keeps it empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from relais.people.models import Person

Moved = Mapping[str, Any]


@dataclass(frozen=True)
class MergeHandler:
    relations: tuple[str, ...]  # "app_label.Model.field"
    move: Callable[[Person, Person], dict[str, list]]
    undo: Callable[[Person, Person, Moved], None]
    deals_with: Callable[[Person, int], bool] | None = None
    activity: tuple[str, Callable[[Person], int]] | None = None


_handlers: dict[tuple[str, ...], MergeHandler] = {}
_left_alone: dict[str, str] = {}


def register(
    *,
    relations: Iterable[str],
    move: Callable[[Person, Person], dict[str, list]],
    undo: Callable[[Person, Person, Moved], None],
    deals_with: Callable[[Person, int], bool] | None = None,
    activity: tuple[str, Callable[[Person], int]] | None = None,
) -> MergeHandler:
    """Say how the rows of `relations` follow a merge. Registering the same relations again replaces
    the handler (a module imported twice); a relation claimed by two handlers is a mistake."""
    handler = MergeHandler(relations=tuple(relations), move=move, undo=undo, deals_with=deals_with, activity=activity)
    claimed = {label for key in _handlers if key != handler.relations for label in key} | set(_left_alone)
    if clash := claimed.intersection(handler.relations):
        raise ImproperlyConfigured(f"Relation(s) already covered for merges: {', '.join(sorted(clash))}")
    _handlers[handler.relations] = handler
    return handler


def leave_alone(*relations: str, reason: str) -> None:
    """Declare relations that a merge deliberately does not move, and why."""
    handled = {label for key in _handlers for label in key}
    if clash := handled.intersection(relations):
        raise ImproperlyConfigured(f"Relation(s) both moved and left alone: {', '.join(sorted(clash))}")
    for relation in relations:
        _left_alone[relation] = reason


def merge_handlers() -> tuple[MergeHandler, ...]:
    return tuple(_handlers.values())


def person_activity(person: Person) -> dict[str, int]:
    """How much history a record carries, by kind, as the apps count it (registration order)."""
    return {handler.activity[0]: handler.activity[1](person) for handler in _handlers.values() if handler.activity}


def left_alone() -> dict[str, str]:
    return dict(_left_alone)


def relation_label(field: models.Field) -> str:
    return f"{field.model._meta.label}.{field.name}"


def person_relations() -> set[str]:
    """Every field of any model that points to `Person`: reverse foreign keys and one-to-one, and
    for many-to-many (either side) the foreign keys of their through model, where the rows are."""
    labels: set[str] = set()
    throughs: list[Any] = [field.remote_field.through for field in Person._meta.many_to_many]
    for relation in Person._meta.get_fields(include_hidden=True):
        if not (relation.is_relation and relation.auto_created and not relation.concrete):
            continue
        if relation.many_to_many:
            throughs.append(relation.through)  # type: ignore[union-attr]
        else:
            labels.add(relation_label(relation.field))  # type: ignore[union-attr]
    for through in throughs:
        labels.update(
            relation_label(field)
            for field in through._meta.get_fields()
            if isinstance(field, models.ForeignKey) and field.related_model is Person
        )
    return labels


def unhandled_relations() -> list[str]:
    covered = {label for key in _handlers for label in key} | set(_left_alone)
    return sorted(person_relations() - covered)


def repoint(queryset: models.QuerySet, kept: Person, *, field: str = "person") -> list[int]:
    """Point the rows of `queryset` at `kept`; return their ids."""
    ids = list(queryset.values_list("pk", flat=True))
    queryset.model._default_manager.filter(pk__in=ids).update(**{field: kept})
    return ids


def repoint_back(model: type[models.Model], ids: Iterable[int], kept: Person, absorbed: Person, *, field: str = "person") -> None:
    """Undo `repoint`: the rows among `ids` still on `kept` go back to `absorbed`."""
    model._default_manager.filter(pk__in=list(ids), **{field: kept}).update(**{field: absorbed})
