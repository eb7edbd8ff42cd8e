"""`relais link`: find the persons recorded twice in the database and act on what the model says.

Pairs at or above the upper threshold whose identity agrees (no contradicting evidence, and the
same trusted NIR or agreeing names and birth date: see identity_rules.py) are merged automatically
(the merge is audited and can be undone like any other); every other pair at or above the lower
threshold goes to the review queue, its contradictions spelt out. Absorbed records are
never compared again; a pair already decided (rejected, merged) is never proposed twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from relais.core.wording import count_of
from relais.people import identity_rules
from relais.people.csvformat import COLUMNS, IDENTITY_COLUMNS
from relais.people.identity_rules import Finding
from relais.people.merging import MergeRefused, pairs_record, persons_merge
from relais.people.models import ContactPoint, LinkJob, MatchPair, Person, PersonMerge
from relais.people.record_linkage import link_frames, prepare_frame
from relais.people.selectors import person_to_keep
from relais.people.services import PersonData

PERSON_FIELDS = IDENTITY_COLUMNS


def persons_frame(*, source: str | None = None) -> pd.DataFrame:
    """Live persons (optionally those with a record of one source) in the columns of the person CSV."""
    queryset = Person.objects.filter(merged_into__isnull=True)
    if source:
        queryset = queryset.filter(source_records__source=source.upper()).distinct()
    return persons_frame_of(queryset)


def persons_frame_of(queryset: QuerySet[Person]) -> pd.DataFrame:
    """These persons in the columns of the person CSV (their first phone and e-mail), ids as source_id."""
    rows = list(queryset.order_by("pk").values_list("pk", *PERSON_FIELDS))
    frame = pd.DataFrame(rows, columns=["source_id", *PERSON_FIELDS])
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame["source_id"] = frame["source_id"].astype(str)
    frame["birth_date"] = frame["birth_date"].map(lambda day: day.isoformat() if day else "")
    contacts: dict[tuple[int, str], str] = {}
    for person_id, kind, value in (
        ContactPoint.objects.filter(person__in=queryset).order_by("-position").values_list("person_id", "kind", "value")
    ):
        contacts[(person_id, kind)] = value  # the first by position wins (ordered last)
    ids = frame["source_id"].astype(int)
    frame["phone"] = [contacts.get((pk, "phone"), "") for pk in ids]
    frame["email"] = [contacts.get((pk, "email"), "") for pk in ids]
    return frame.reindex(columns=COLUMNS).fillna("")


def person_data_frame(data: PersonData) -> pd.DataFrame:
    """A person being entered (not saved yet), as one row of the person CSV."""
    row = {name: str(getattr(data, name, "") or "") for name in PERSON_FIELDS}
    row["birth_date"] = data.birth_date.isoformat() if data.birth_date else ""
    row.update(source_id="new", phone=(data.phones or [""])[0], email=(data.emails or [""])[0])
    return pd.DataFrame([row]).reindex(columns=COLUMNS).fillna("")


def findings_against(data: PersonData, persons: list[Person]) -> dict[int, list[Finding]]:
    """What the identity rules find between a person being entered and each of these persons
    (by person id): the duplicate warning shows a parent, a twin or a namesake for what it is."""
    if not persons:
        return {}
    new = prepare_frame(person_data_frame(data)).set_index("unique_id")
    known = prepare_frame(persons_frame_of(Person.objects.filter(pk__in=[person.pk for person in persons]))).set_index(
        "unique_id"
    )
    sides = identity_rules.side_by_side(new.loc[["new"] * len(known)], known)
    return {int(person_id): found for person_id, found in zip(known.index, identity_rules.findings_of(sides), strict=True)}


@dataclass(frozen=True)
class MergeRecheck:
    """An automatic merge that today's identity rules would not make, and why (in French)."""

    merge: PersonMerge
    reasons: list[str]


def automatic_merges_to_recheck() -> list[MergeRecheck]:
    """The automatic merges still in force that the identity rules would now leave to a reviewer:
    both records are compared as they were when merged (the kept record's values before the merge,
    each record's own contact points)."""
    merges = list(
        PersonMerge.objects.filter(automatic=True, undone_at__isnull=True)
        .select_related("kept", "absorbed")
        .order_by("merged_at")
    )
    if not merges:
        return []
    kept_rows, absorbed_rows = [], []
    for merge in merges:
        moved_contacts = merge.moved.get("contact_points", [])
        # The kept record's own contact points: not those this merge or a later one brought to it.
        later = [
            m.moved.get("contact_points", []) for m in merges if m.kept_id == merge.kept_id and m.merged_at > merge.merged_at
        ]
        brought = set(moved_contacts).union(*later)
        before = dict(merge.kept_before["fields"])
        kept_rows.append(
            _record_row(f"k{merge.pk}", before, ContactPoint.objects.filter(person=merge.kept_id).exclude(pk__in=brought))
        )
        absorbed_fields = {name: getattr(merge.absorbed, name) for name in PERSON_FIELDS}
        absorbed_fields["birth_date"] = merge.absorbed.birth_date.isoformat() if merge.absorbed.birth_date else ""
        contacts = ContactPoint.objects.filter(Q(pk__in=moved_contacts) | Q(person=merge.absorbed_id))
        absorbed_rows.append(_record_row(f"a{merge.pk}", absorbed_fields, contacts))
    kept = prepare_frame(pd.DataFrame(kept_rows).reindex(columns=COLUMNS).fillna(""))
    absorbed = prepare_frame(pd.DataFrame(absorbed_rows).reindex(columns=COLUMNS).fillna(""))
    sides = identity_rules.side_by_side(kept, absorbed)
    judgement = identity_rules.judge(sides)
    gaps = identity_rules.identity_gaps(sides)
    rechecks = []
    for merge, agrees, found, gap in zip(merges, judgement.identity_agrees, judgement.findings, gaps, strict=True):
        if not agrees:
            rechecks.append(MergeRecheck(merge=merge, reasons=[finding.message for finding in found] or gap))
    # Newest first: a chain of merges is undone from its end (an older merge whose kept record was
    # absorbed since cannot be undone before the later one).
    return rechecks[::-1]


def _record_row(source_id: str, fields: dict, contacts: QuerySet[ContactPoint]) -> dict:
    """A record as a row of the person CSV: identity fields and its first phone and e-mail."""
    row = {name: str(fields.get(name) or "") for name in PERSON_FIELDS}
    ordered = sorted(contacts, key=lambda point: point.position)
    row.update(
        source_id=source_id,
        phone=next((point.value for point in ordered if point.kind == ContactPoint.Kind.PHONE), ""),
        email=next((point.value for point in ordered if point.kind == ContactPoint.Kind.EMAIL), ""),
    )
    return row


def persons_link(
    *,
    source: str | None = None,
    against: str | None = None,
    lower: float = 0.5,
    upper: float = 0.99,
    auto_merge: bool = True,
    backend: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> LinkJob:
    """Link `source` against `against` (two legacy bases), or deduplicate `source` (or everyone)."""
    say = progress or (lambda message: None)
    description = f"{source} ↔ {against}" if against else (f"doublons dans {source}" if source else "doublons dans toute la base")
    job = LinkJob.objects.create(
        description=description, backend=backend or "duckdb", lower_threshold=lower, upper_threshold=upper
    )
    started = time.monotonic()
    try:
        frame_a = persons_frame(source=source)
        frame_b = persons_frame(source=against) if against else None
        job.records = len(frame_a) + (len(frame_b) if frame_b is not None else 0)
        say(f"{count_of(job.records, 'fiche')} à comparer…")
        if len(frame_a) < 2 or (frame_b is not None and frame_b.empty):
            pairs = pd.DataFrame(columns=["id_a", "id_b", "match_probability", "identity_agrees", "explanation"])
        else:
            # The database holds French civil records, and the pairs sharing an identifier that
            # earlier runs left unmerged are the unusual ones: the rules keep their full weight.
            pairs = link_frames(frame_a, frame_b, threshold=lower, backend=backend, explain=True, calibrate=False)
        pairs = pairs[pairs["id_a"] != pairs["id_b"]]
        job.pairs = len(pairs)
        say(f"{count_of(job.pairs, 'paire probable', 'paires probables')} ; fusions et file d'examen…")
        originals = {
            int(row["source_id"]): row for frame in (frame_a, frame_b) if frame is not None for row in frame.to_dict("records")
        }
        job.auto_merged, job.to_review, refused, known = _act_on_pairs(job, pairs, originals, upper=upper, auto_merge=auto_merge)
        held = int(((pairs["match_probability"] >= upper) & ~pairs["identity_agrees"].astype(bool)).sum()) if auto_merge else 0
        job.status = LinkJob.Status.DONE
        job.report = (
            f"{count_of(job.records, 'fiche comparée', 'fiches comparées')}, {count_of(job.pairs, 'paire')} au-dessus de {lower:.2f} : "
            f"{count_of(job.auto_merged, 'fusionnée', 'fusionnées')} automatiquement (≥ {upper:.2f}, identité concordante), "
            f"{job.to_review} à examiner"
            + (
                f", dont {held} au-dessus du seuil de fusion mais sans identité assez sûre pour fusionner sans examen"
                if held
                else ""
            )
            + (
                f", {count_of(refused, 'fusion automatique écartée', 'fusions automatiques écartées')} (fiche en cours de modification, déjà fusionnée "
                f"ou contredite par une fiche qui vient de lui être fusionnée)"
                if refused
                else ""
            )
            + (f", {count_of(known, 'déjà connue', 'déjà connues')} (examinées ou en file d'examen)" if known else "")
            + "."
        )
    except Exception as error:
        job.status = LinkJob.Status.FAILED
        job.report = f"Échec du rapprochement : {error}"
        raise
    finally:
        job.seconds = round(time.monotonic() - started, 1)
        job.finished_at = timezone.now()
        job.save()
    return job


def _group_contradiction(originals: dict[int, dict], group_a: list[int], group_b: list[int]) -> str:
    """What contradicts, between a record of one group and a record of the other (their values
    before this run's merges), in French; "" when nothing does."""
    cross = [(x, y) for x in group_a for y in group_b]
    left = prepare_frame(pd.DataFrame([originals[x] | {"source_id": str(i)} for i, (x, _) in enumerate(cross)]))
    right = prepare_frame(pd.DataFrame([originals[y] | {"source_id": str(i)} for i, (_, y) in enumerate(cross)]))
    for found in identity_rules.findings_of(identity_rules.side_by_side(left, right)):
        against = [f.message for f in found if f.severity in (identity_rules.VETO, identity_rules.AGAINST)]
        if against:
            return f"une fiche déjà fusionnée avec l'une s'oppose à l'autre : {against[0]}"
    return ""


def _act_on_pairs(
    job: LinkJob, pairs: pd.DataFrame, originals: dict[int, dict], *, upper: float, auto_merge: bool
) -> tuple[int, int, int, int]:
    # A pair seen before keeps its fate: decided by a reviewer, waiting in the queue, or merged and
    # undone (then back in the queue): a new run never merges it behind the reviewer's back.
    known = set(MatchPair.objects.values_list("person_a_id", "person_b_id"))
    rows, sure = [], set()
    columns = ["id_a", "id_b", "match_probability", "identity_agrees", "explanation"]
    for id_a, id_b, probability, agrees, explanation in pairs[columns].itertuples(index=False):
        a, b = sorted((int(id_a), int(id_b)))
        if (a, b) not in known:
            rows.append((a, b, float(probability), explanation))
            if agrees:
                sure.add((a, b))
    # Only strong, uncontradicted identity is merged without a reviewer (identity_rules.py).
    review = [row for row in rows if not (auto_merge and row[2] >= upper and (row[0], row[1]) in sure)]
    pairs_record(job=job, rows=review)
    merged = refused = 0
    # Merges chain (A with B, then B with C): each record stands for the group merged into it, and
    # two groups are merged only if no record of one contradicts a record of the other — twins
    # must not meet through a third record that resembles both.
    group: dict[int, list[int]] = {}
    kept_for: dict[int, int] = {}

    def current(person_id: int) -> int:
        while person_id in kept_for:
            person_id = kept_for[person_id]
        return person_id

    for a, b, probability, explanation in sorted((row for row in rows if row not in review), key=lambda row: -row[2]):
        first_id, second_id = sorted((current(a), current(b)))
        if first_id == second_id:
            continue  # already one record through other merges
        members = (group.get(first_id, [first_id]), group.get(second_id, [second_id]))
        if len(members[0]) + len(members[1]) > 2 and (against := _group_contradiction(originals, *members)):
            refused += 1
            finding = {"code": "group_contradicts", "severity": "against", "message": against}
            pairs_record(job=job, rows=[(first_id, second_id, probability, explanation | {"findings": [finding]})])
            continue
        first, second = Person.objects.filter(pk__in=[first_id, second_id]).order_by("pk")
        kept, absorbed = person_to_keep(first, second)
        try:
            with transaction.atomic():
                pair, _ = MatchPair.objects.get_or_create(
                    person_a_id=first_id,
                    person_b_id=second_id,
                    defaults={"job": job, "probability": probability, "explanation": explanation},
                )
                persons_merge(kept=kept, absorbed=absorbed, acting_user=None, pair=pair, automatic=True)
        except MergeRefused:
            refused += 1
            pairs_record(job=job, rows=[(first_id, second_id, probability, explanation)])
            continue
        kept_for[absorbed.pk] = kept.pk
        group[kept.pk] = members[0] + members[1]
        group.pop(absorbed.pk, None)
        merged += 1
    to_review = MatchPair.objects.filter(job=job, status=MatchPair.Status.PENDING).count()
    return merged, to_review, refused, len(pairs) - len(rows)


__all__ = ["automatic_merges_to_recheck", "findings_against", "persons_frame", "persons_link"]
