"""`relais link`: find the persons recorded twice in the database and act on what the model says.

Pairs at or above the upper threshold are merged automatically (the merge is audited and can be
undone like any other); pairs between the thresholds go to the review queue. Absorbed records are
never compared again; a pair already decided (rejected, merged) is never proposed twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd
from django.db import transaction
from django.utils import timezone

from relais.people.csvformat import COLUMNS, IDENTITY_COLUMNS
from relais.people.linkage import link_frames
from relais.people.merging import MergeRefused, pairs_record, persons_merge
from relais.people.models import ContactPoint, LinkJob, MatchPair, Person
from relais.people.selectors import person_to_keep

PERSON_FIELDS = IDENTITY_COLUMNS


def persons_frame(*, source: str | None = None) -> pd.DataFrame:
    """Live persons (optionally those with a record of one source) in the columns of the person CSV."""
    queryset = Person.objects.filter(merged_into__isnull=True)
    if source:
        queryset = queryset.filter(source_records__source=source.upper()).distinct()
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
        say(f"{job.records} fiche(s) à comparer…")
        if len(frame_a) < 2 or (frame_b is not None and frame_b.empty):
            pairs = pd.DataFrame(columns=["id_a", "id_b", "match_probability", "explanation"])
        else:
            pairs = link_frames(frame_a, frame_b, threshold=lower, backend=backend, explain=True)
        pairs = pairs[pairs["id_a"] != pairs["id_b"]]
        job.pairs = len(pairs)
        say(f"{job.pairs} paire(s) probable(s) ; fusions et file d'examen…")
        job.auto_merged, job.to_review, refused, known = _act_on_pairs(job, pairs, upper=upper, auto_merge=auto_merge)
        job.status = LinkJob.Status.DONE
        job.report = (
            f"{job.records} fiche(s) comparée(s), {job.pairs} paire(s) au-dessus de {lower:.2f} : "
            f"{job.auto_merged} fusionnée(s) automatiquement (≥ {upper:.2f}), {job.to_review} à examiner"
            + (
                f", {refused} fusion(s) automatique(s) écartée(s) (fiche en cours de modification ou déjà fusionnée)"
                if refused
                else ""
            )
            + (f", {known} déjà connue(s) (examinée(s) ou en file d'examen)" if known else "")
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


def _act_on_pairs(job: LinkJob, pairs: pd.DataFrame, *, upper: float, auto_merge: bool) -> tuple[int, int, int, int]:
    # A pair seen before keeps its fate: decided by a reviewer, waiting in the queue, or merged and
    # undone (then back in the queue): a new run never merges it behind the reviewer's back.
    known = set(MatchPair.objects.values_list("person_a_id", "person_b_id"))
    rows = []
    for id_a, id_b, probability, explanation in pairs[["id_a", "id_b", "match_probability", "explanation"]].itertuples(
        index=False
    ):
        a, b = sorted((int(id_a), int(id_b)))
        if (a, b) not in known:
            rows.append((a, b, float(probability), explanation))
    review = [row for row in rows if not (auto_merge and row[2] >= upper)]
    pairs_record(job=job, rows=review)
    merged = refused = 0
    absorbed_ids: set[int] = set()
    for a, b, probability, explanation in sorted((row for row in rows if row not in review), key=lambda row: -row[2]):
        if a in absorbed_ids or b in absorbed_ids:
            refused += 1
            continue
        first, second = Person.objects.filter(pk__in=[a, b]).order_by("pk")
        kept, absorbed = person_to_keep(first, second)
        try:
            with transaction.atomic():
                pair, _ = MatchPair.objects.get_or_create(
                    person_a_id=a, person_b_id=b, defaults={"job": job, "probability": probability, "explanation": explanation}
                )
                persons_merge(kept=kept, absorbed=absorbed, acting_user=None, pair=pair, automatic=True)
        except MergeRefused:
            refused += 1
            pairs_record(job=job, rows=[(a, b, probability, explanation)])
            continue
        absorbed_ids.add(absorbed.pk)
        merged += 1
    to_review = MatchPair.objects.filter(job=job, status=MatchPair.Status.PENDING).count()
    return merged, to_review, refused, len(pairs) - len(rows)


__all__ = ["persons_frame", "persons_link"]
