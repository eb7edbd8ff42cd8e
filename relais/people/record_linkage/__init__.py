"""Record linkage of French person records with Splink: which records of two bases are one person.

The model is the Fellegi–Sunter model Splink implements, trained without labels (u by random
sampling, m by expectation maximisation), with comparisons written for French civil identity:

- family names compared crosswise (a married woman appears under her birth name in one base and
  her spouse's name in the other), compound names matching on one part, particles ignored, a French
  phonetic key and a typo level, with term-frequency adjustment (a shared "Martin" proves less than
  a shared "Kerguelen");
- first names as sets ("Marie" against "Anne, Marie"), phonetic key, typo level;
- birth dates exact, with day and month swapped, one typed character wrong, or the same year;
- commune, postcode and département; address; phone; e-mail; NIR (or any national identifier).

Features are computed in pandas (`prepare_frame`, memoised per distinct value: a million records
hold a few tens of thousands of names) and the comparisons are plain SQL run by DuckDB — or by
Spark when `LINKAGE_BACKEND = "spark"` (see docs/scaling.md). `link_frames` is the whole pipeline;
`relais link-files` and `relais link` are thin commands over it.

The package's files:

- `files.py`: reading person files (`read_person_csv`) and `LinkageInputError`, the French message
  of a file or a request that cannot be linked;
- `features.py`: the features frame the model compares (`prepare_frame`: name keys, phonetics,
  dates, NIR trust, département of birth, personal e-mail);
- `model.py`: the Splink model — comparisons, blocking rules, settings, training, scoring,
  explanation, sure pairs, and the scored pairs judged by the identity rules;
- `backends.py`: DuckDB and Spark (`relais[spark]`, imported lazily), `link_files_on_spark`;
- `linking.py`: the entry points `link_frames` and `link_files`.
"""

from relais.people.record_linkage.backends import (
    BACKENDS,
    SPARK_MISSING,
    _db_api,
    default_backend,
    feature_schema,
    link_files_on_spark,
    require_spark,
    spark_session,
)
from relais.people.record_linkage.features import (
    birth_department,
    email_personal,
    looks_like_nir,
    nir_trusted,
    prepare_frame,
)
from relais.people.record_linkage.files import LinkageInputError, read_person_csv
from relais.people.record_linkage.linking import JUDGE_CHUNK, link_files, link_frames
from relais.people.record_linkage.model import (
    BLOCKING_RULES,
    EM_MAX_PAIRS,
    HOUSEHOLD_WEIGHTS,
    IDENTIFIERS,
    LEVEL_LABELS,
    MIN_SHARED_IDENTIFIERS,
    MODEL_COLUMNS,
    SURE_ID_MAX_RECORDS,
    SURE_PAIRS_MAX,
    comparisons,
    explanation,
    identifier_for_training,
    judge_scored,
    judged_pairs,
    settings,
    sure_pairs,
    train,
)

__all__ = [
    "BACKENDS",
    "BLOCKING_RULES",
    "EM_MAX_PAIRS",
    "HOUSEHOLD_WEIGHTS",
    "IDENTIFIERS",
    "JUDGE_CHUNK",
    "LEVEL_LABELS",
    "MIN_SHARED_IDENTIFIERS",
    "MODEL_COLUMNS",
    "SPARK_MISSING",
    "SURE_ID_MAX_RECORDS",
    "SURE_PAIRS_MAX",
    "LinkageInputError",
    "_db_api",
    "birth_department",
    "comparisons",
    "default_backend",
    "email_personal",
    "explanation",
    "feature_schema",
    "identifier_for_training",
    "judge_scored",
    "judged_pairs",
    "link_files",
    "link_files_on_spark",
    "link_frames",
    "looks_like_nir",
    "nir_trusted",
    "prepare_frame",
    "read_person_csv",
    "require_spark",
    "settings",
    "spark_session",
    "sure_pairs",
    "train",
]
