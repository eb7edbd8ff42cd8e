"""The linkage's entry points: `link_frames`, the whole pipeline on pandas frames, and `link_files`
(`relais link-files`) over it."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from relais.people import identity_rules
from relais.people.record_linkage.backends import BACKENDS, _db_api, default_backend, feature_schema
from relais.people.record_linkage.features import prepare_frame
from relais.people.record_linkage.files import LinkageInputError, read_person_csv
from relais.people.record_linkage.model import (
    HOUSEHOLD_WEIGHTS,
    _score,
    _Stages,
    identifier_for_training,
    judged_pairs,
    sure_pairs,
)

logger = logging.getLogger("relais.people.record_linkage")  # the package's name: the log lines read as before the split
JUDGE_CHUNK = 500_000


def link_frames(
    frame_a: pd.DataFrame,
    frame_b: pd.DataFrame | None = None,
    *,
    threshold: float = 0.5,
    backend: str | None = None,
    explain: bool = False,
    calibrate: bool = True,
) -> pd.DataFrame:
    """Pairs of records that are probably one person: (id_a, id_b, match_probability[, explanation]).

    With two frames, records of A are compared with records of B; with one, the frame is
    deduplicated (each pair once). Both hold the Relais person columns as strings. Without
    `calibrate`, the identity rules keep their full weight whatever the files show.
    """
    backend = backend or default_backend()
    if backend not in BACKENDS:
        raise LinkageInputError(f"Moteur de rapprochement inconnu : {backend} (duckdb ou spark).")
    db_api = _db_api(backend)
    clock = _Stages()
    prepared = [prepare_frame(frame_a)] + ([prepare_frame(frame_b)] if frame_b is not None else [])
    identifier = identifier_for_training(prepared)
    records = sum(len(frame) for frame in prepared)
    tables = prepared
    if backend == "spark":
        tables = [db_api.spark.createDataFrame(frame, schema=feature_schema()) for frame in prepared]
    clock.lap("features")
    scored = _score(db_api, tables, identifier=identifier, records=records, threshold=threshold, explain=explain, clock=clock)
    if backend == "spark":
        result = scored.as_pandas_dataframe()
    else:  # only the columns the rules and the explanation read: a large link holds millions of pairs
        columns = "*" if explain else "unique_id_l, unique_id_r, match_weight, " + ", ".join(HOUSEHOLD_WEIGHTS)
        result = scored.query_sql(f"SELECT {columns} FROM {{this}}").as_pandas_dataframe()  # noqa: S608 (our own column names)
    features = [frame.set_index("unique_id")[[*identity_rules.FEATURES, "nir_usable"]] for frame in prepared]
    calibration = (
        identity_rules.calibrate(sure_pairs(features[0], features[-1], dedupe=frame_b is None))
        if calibrate
        else identity_rules.FULL_STRENGTH
    )
    chunks = [
        judged_pairs(
            result.iloc[start : start + JUDGE_CHUNK], features[0], features[-1], calibration, threshold=threshold, explain=explain
        )
        for start in range(0, max(len(result), 1), JUDGE_CHUNK)
    ]
    pairs = pd.concat(chunks, ignore_index=True)
    pairs = pairs.sort_values(["id_a", "match_probability"], ascending=[True, False], ignore_index=True)
    pairs.attrs["calibration"] = calibration
    clock.lap("identity rules")
    logger.info("linkage of %s records, %s pairs scored: %s", records, len(result), clock)
    return pairs


def link_files(
    path_a: Path, path_b: Path, out: Path, *, threshold: float = 0.5, backend: str | None = None
) -> tuple[int, identity_rules.Calibration]:
    """`relais link-files`: write id_a,id_b,match_probability for every pair at or above the threshold;
    return their number and how the identity rules were weighed on these files.
    (On Spark, for files too large for one machine, see `link_files_on_spark`.)"""
    pairs = link_frames(read_person_csv(path_a), read_person_csv(path_b), threshold=threshold, backend=backend)
    pairs["match_probability"] = pairs["match_probability"].round(6)
    pairs.to_csv(out, index=False, columns=["id_a", "id_b", "match_probability"])
    return len(pairs), pairs.attrs["calibration"]
