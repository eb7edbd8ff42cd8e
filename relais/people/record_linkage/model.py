"""The Splink model of the linkage: its comparisons (with their French labels) and blocking
rules, its unsupervised training, the scoring of candidate pairs, the per-field explanation of a
pair, the sure pairs that measure the identity rules, and the judging of scored pairs by them."""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from relais.people import identity_rules

if TYPE_CHECKING:
    from splink import Linker


# French labels of each comparison's levels, from the most to the least similar (Splink numbers
# the non-null levels from the top: the first label is the highest gamma).
LEVEL_LABELS: dict[str, tuple[str, list[str]]] = {
    "names": (
        "Nom de famille",
        ["identique", "nom d'usage et de naissance croisés", "une partie du nom commune", "même son", "une faute de frappe",
         "proche", "nom et prénom inversés", "différent"],
    ),
    "first_names": (
        "Prénoms",
        ["identique", "un prénom en commun", "même son", "une faute de frappe", "proche", "nom et prénom inversés", "sans rapport"],
    ),
    "birth_date": (
        "Date de naissance",
        ["identique", "jour et mois inversés", "un chiffre différent", "à quelques jours près", "année seule, la même",
         "même année", "différente"],
    ),
    "birth_place": ("Lieu de naissance", ["identique", "différent"]),
    "place": ("Lieu de résidence", ["même adresse", "même commune", "même département", "ailleurs"]),
    "phone": ("Téléphone", ["identique", "différent"]),
    "email": ("Courriel", ["identique", "différent"]),
    "nir": ("NIR", ["identique", "un chiffre différent", "différent", "différent, l'un douteux"]),
    "sex": ("Sexe", ["identique", "différent"]),
}  # fmt: skip


# What disagrees — first names without any relation, birth dates or sexes that differ, two usable
# NIRs apart — is weighed by the identity rules (identity_rules.py), which know the typing errors
# that explain a difference and the households that explain an agreement. In the model these levels
# weigh nothing (m = u): learnt without labels on bases full of families, they would say that
# disagreeing hardly matters. Their labels still show on the review page.
def neutral(level: Any) -> Any:
    return level.configure(m_probability=0.5, u_probability=0.5, fix_m_probability=True, fix_u_probability=True)


# A near-zero probability the EM may produce for a level the training pairs never show (see
# `_clamp_em_underflow`).
UNSEEN = 1e-12


# An identifier that can be taken as its record's own: see `nir_trusted` and `looks_like_nir`.
USABLE_ID = '("nir_trusted_{side}" OR "nir_foreign_{side}")'

# The family name typed in the first-name field and the reverse: a classic of paper forms.
SWAPPED_NAMES = '"surname_l" = "first_r" OR "first_l" = "surname_r"'


def comparisons() -> list:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def both_missing(*columns: str) -> Any:
        left = " AND ".join(f'"{c}_l" IS NULL' for c in columns)
        right = " AND ".join(f'"{c}_r" IS NULL' for c in columns)
        return cll.CustomLevel(f"({left}) OR ({right})", "absent", base_dialect_str="duckdb").configure(is_null_level=True)

    def custom(condition: str, label: str) -> Any:
        # Written in DuckDB's SQL; Splink translates it for Spark.
        return cll.CustomLevel(condition, label, base_dialect_str="duckdb")

    return [
        cl.CustomComparison(
            output_column_name="names",
            comparison_levels=[
                both_missing("surname", "usage"),
                cll.ExactMatchLevel("surname", term_frequency_adjustments=True),
                custom('"usage_l" = "surname_r" OR "surname_l" = "usage_r" OR "usage_l" = "usage_r"', "croisés"),
                cll.ArrayIntersectLevel("name_keys", 1),
                custom(
                    '"surname_phon_l" = "surname_phon_r" OR "usage_phon_l" = "surname_phon_r" '
                    'OR "surname_phon_l" = "usage_phon_r" OR "usage_phon_l" = "usage_phon_r"',
                    "même son",
                ),
                cll.DamerauLevenshteinLevel("surname", 1),
                cll.JaroWinklerLevel("surname", 0.88).configure(m_probability=0.005),
                custom(SWAPPED_NAMES, "nom et prénom inversés").configure(m_probability=0.002),
                cll.ElseLevel().configure(m_probability=1e-5),
            ],
        ),
        cl.CustomComparison(
            output_column_name="first_names",
            comparison_levels=[
                cll.NullLevel("first"),
                cll.ExactMatchLevel("first", term_frequency_adjustments=True),
                cll.ArrayIntersectLevel("firsts", 1),
                cll.ExactMatchLevel("first_phon"),
                cll.DamerauLevenshteinLevel("first", 1),
                cll.JaroWinklerLevel("first", 0.88).configure(m_probability=0.005),
                custom(SWAPPED_NAMES, "nom et prénom inversés").configure(m_probability=0.002),
                neutral(cll.ElseLevel()),
            ],
        ),
        cl.CustomComparison(
            output_column_name="birth_date",
            comparison_levels=[
                cll.NullLevel("dob_year"),
                cll.ExactMatchLevel("dob"),
                custom('"dob_swapped_l" = "dob_r"', "jour et mois inversés"),
                cll.DamerauLevenshteinLevel("dob", 1),
                custom(f'abs("dob_days_l" - "dob_days_r") <= {identity_rules.FEW_DAYS}', "à quelques jours près"),
                # Only the year known on one side: "1985", or 01/01/1985 written for an unknown day and month.
                custom(
                    '("dob_l" IS NULL OR "dob_r" IS NULL OR "dob_l" LIKE \'%-01-01\' OR "dob_r" LIKE \'%-01-01\') '
                    'AND "dob_year_l" = "dob_year_r"',
                    "année seule, la même",
                ),
                custom('"dob_year_l" = "dob_year_r"', "même année"),
                neutral(cll.ElseLevel()),
            ],
        ),
        cl.CustomComparison(
            output_column_name="birth_place",
            comparison_levels=[cll.NullLevel("birth_place"), cll.ExactMatchLevel("birth_place"), cll.ElseLevel()],
        ),
        cl.CustomComparison(
            output_column_name="place",
            comparison_levels=[
                both_missing("city", "postcode"),
                cll.ExactMatchLevel("address"),
                custom('"city_l" = "city_r" OR "postcode_l" = "postcode_r"', "même commune"),
                cll.ExactMatchLevel("dept"),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="phone",
            comparison_levels=[cll.NullLevel("phone"), cll.ExactMatchLevel("phone"), cll.ElseLevel()],
        ),
        cl.CustomComparison(
            output_column_name="email",
            comparison_levels=[
                cll.NullLevel("email"),
                cll.ExactMatchLevel("email"),
                cll.ElseLevel(),
            ],
        ),
        cl.CustomComparison(
            output_column_name="nir",
            comparison_levels=[
                cll.NullLevel("nir"),
                cll.ExactMatchLevel("nir"),
                cll.DamerauLevenshteinLevel("nir", 1).configure(m_probability=0.01),
                # Two identifiers more than a typo apart, both usable (a trusted NIR, another
                # country's number): rarely one person's.
                custom(f"{USABLE_ID.format(side='l')} AND {USABLE_ID.format(side='r')}", "différent").configure(
                    m_probability=1e-4
                ),
                neutral(cll.ElseLevel()),  # a NIR that may not be the record's own (a parent's) says nothing
            ],
        ),
        cl.CustomComparison(
            output_column_name="sex",
            comparison_levels=[
                cll.NullLevel("sex"),
                cll.ExactMatchLevel("sex"),
                neutral(cll.ElseLevel()),
            ],
        ),
    ]


# Candidate pairs: records agreeing on at least one of these. Together they catch a person whose
# family name changed (marriage), whose first name or family name has a typo, whose birth date was
# typed with day and month swapped, or who moved — while keeping the number of comparisons near
# linear in the size of the files.
BLOCKING_RULES = [
    ("surname_phon", "first_phon"),
    ("dob", "first_phon"),
    ("dob", "surname_phon"),
    'l."usage_phon" = r."surname_phon" AND l."first_phon" = r."first_phon"',
    'l."surname_phon" = r."usage_phon" AND l."first_phon" = r."first_phon"',
    'l."dob_swapped" = r."dob" AND l."surname_phon" = r."surname_phon"',
    'l."surname_phon" = r."first_phon" AND l."first_phon" = r."surname_phon"',
    ("dob", "postcode"),
    # Someone whose family name changed (a marriage the base did not record as a usage name) stays
    # in their postcode with their first name; the birth year (when both records have one) keeps
    # the common first names of a big commune from making tens of millions of pairs.
    'l."first_phon" = r."first_phon" AND l."postcode" = r."postcode" '
    'AND (l."dob_year" = r."dob_year" OR l."dob_year" IS NULL OR r."dob_year" IS NULL)',
    ("address", "city"),
    ("phone",),
    ("email",),
    ("nir",),
]


def settings(link_type: Literal["link_only", "dedupe_only"]) -> Any:
    from splink import SettingsCreator, block_on
    from splink.blocking_rule_library import CustomRule

    rules: list[Any] = [
        CustomRule(rule, sql_dialect="duckdb") if isinstance(rule, str) else block_on(*rule) for rule in BLOCKING_RULES
    ]
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        additional_columns_to_retain=[],
    )


EM_MAX_PAIRS = 2e6  # a sample is enough to learn m; all the pairs of 3 M records would take minutes
MIN_SHARED_IDENTIFIERS = 100
# Personal identifiers only: a usable NIR (trusted, or another country's number) and a personal
# e-mail. Never the phone, nor a family e-mail: a household shares them, twins with the birth date.
IDENTIFIERS = ("nir_usable", "email_own")


def identifier_for_training(frames: list[pd.DataFrame]) -> str | None:
    """The personal identifier that the most records share, with their birth date, across the
    files (or within the one file): pairs sharing both are one person."""

    def shared(column: str) -> int:
        values = [(frame[column] + "|" + frame["dob"]).dropna() for frame in frames]
        return len(set(values[0]) & set(values[1])) if len(values) == 2 else int(values[0].duplicated().sum())

    return _most_shared(shared)


def _most_shared(shared: Callable[[str], int]) -> str | None:
    counts = {column: shared(column) for column in IDENTIFIERS}
    best = max(IDENTIFIERS, key=lambda column: counts[column])
    return best if counts[best] >= MIN_SHARED_IDENTIFIERS else None


def _clamp_em_underflow() -> None:
    """Edge cases of Splink 5.0's EM for levels that have (almost) no weight in the training pairs:
    m comes out as 0.0 or a subnormal float (which Splink then refuses: below 1e-300 raises), or as
    0/0 = NaN (written into the SQL as `nan`). An m below UNSEEN is read as "never seen": UNSEEN,
    the same near-veto for every such level; a NaN as "not observed", so the starting value stays."""
    from splink.internals import expectation_maximisation

    original = expectation_maximisation.populate_m_u_from_lookup
    if getattr(original, "relais_clamped", False):
        return

    def populate(fixed, level, column, lookup):  # type: ignore[no-untyped-def]
        for record in lookup.get(column, {}).values():
            for key, floor in (("m_probability", UNSEEN), ("u_probability", 1e-300)):
                value = record.get(key)
                if isinstance(value, float) and math.isnan(value):
                    del record[key]
                elif value is not None and value < floor:
                    record[key] = floor
        return original(fixed, level, column, lookup)

    populate.relais_clamped = True  # type: ignore[attr-defined]
    expectation_maximisation.populate_m_u_from_lookup = populate


def train(linker: Linker, *, records: int, identifier: str | None) -> None:
    """Unsupervised training: the prior from near-certain rules, u by sampling, m by EM.

    Names are learnt from pairs that share a personal identifier (a usable NIR, a personal
    e-mail) and the birth date, when the files have enough of them: pairs blocked on the birth
    date alone, or on a household's phone, are full of twins and siblings."""
    from splink import block_on

    _clamp_em_underflow()
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("nir_usable"), block_on("surname", "first", "dob"), block_on("email_own")], recall=0.7
    )
    training.estimate_u_using_random_sampling(max_pairs=min(5e6, max(1e6, records * 2.0)), seed=1)
    # Each session trains every comparison but the ones its blocking fixes.
    rules = [block_on(identifier, "dob") if identifier else block_on("dob"), block_on("surname_phon", "first_phon")]
    for rule in rules:
        training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True, max_pairs=EM_MAX_PAIRS
        )


def explanation(row: dict) -> dict:
    """Per-field levels and weights (in bits, term frequencies included) of a scored pair, in French."""
    items = []
    for name, (label, levels) in LEVEL_LABELS.items():
        gamma = row.get(f"gamma_{name}")
        if gamma is None or _missing(gamma) or int(gamma) < 0:
            continue
        weight = float(row.get(f"mw_{name}") or 0.0)
        adjustment = row.get(f"mw_tf_adj_{name}")
        if adjustment is not None and not _missing(adjustment):
            weight += float(adjustment)
        index = max(0, len(levels) - 1 - int(gamma))
        items.append({"label": label, "level": levels[index], "weight": round(weight, 1)})
    return {"comparisons": items}


def _missing(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


class _Stages:
    """Wall time of each stage of a linkage, for the log (where a large link spends its time)."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.laps: list[tuple[str, float]] = []

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append((name, now - self.last))
        self.last = now

    def __str__(self) -> str:
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.laps) + f" (in all {self.last - self.started:.1f} s)"


# The features the model compares and blocks on (the others are for the identity rules).
MODEL_COLUMNS = [
    "unique_id", "surname", "usage", "surname_phon", "usage_phon", "name_keys", "first", "firsts", "first_phon", "sex",
    "dob", "dob_swapped", "dob_year", "dob_days", "birth_place", "postcode", "dept", "city", "address", "phone", "email",
    "nir", "nir_trusted", "nir_foreign", "nir_usable", "email_own",
]  # fmt: skip
SURE_PAIRS_MAX = 100_000
# An identifier this frequent in one file is a placeholder ("0000000"), not a person's.
SURE_ID_MAX_RECORDS = 5


def sure_pairs(left: pd.DataFrame, right: pd.DataFrame, *, dedupe: bool) -> pd.DataFrame:
    """Pairs of records sharing a usable identifier (a trusted NIR, another country's number):
    surely one person, whatever else they say. They measure the identity rules (`calibrate`)."""

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        keys = frame["nir_usable"].dropna()
        keys = keys[keys.map(keys.value_counts()) <= SURE_ID_MAX_RECORDS]
        return keys.rename_axis("unique_id").reset_index()

    merged = keyed(left).merge(keyed(right), on="nir_usable", suffixes=("_l", "_r"))
    if dedupe:
        merged = merged[merged["unique_id_l"] < merged["unique_id_r"]]
    if len(merged) > SURE_PAIRS_MAX:
        merged = merged.sample(SURE_PAIRS_MAX, random_state=1)
    return identity_rules.side_by_side(left.loc[merged["unique_id_l"]], right.loc[merged["unique_id_r"]])


# The model's per-comparison weights of what a household shares (identity_rules.HOUSEHOLD_COMPARISONS).
HOUSEHOLD_WEIGHTS = [f"mw_{name}" for name in identity_rules.HOUSEHOLD_COMPARISONS]


def judged_pairs(
    scored: pd.DataFrame,
    left: pd.DataFrame,
    right: pd.DataFrame,
    calibration: identity_rules.Calibration,
    *,
    threshold: float,
    explain: bool = False,
) -> pd.DataFrame:
    """The model's scored pairs once the identity rules have spoken: (id_a, id_b, match_probability,
    model_probability, identity_agrees, findings[, explanation]), those still at or above the
    threshold. `left` and `right` are the prepared features indexed by unique_id."""
    ids_l, ids_r = scored["unique_id_l"].astype(str), scored["unique_id_r"].astype(str)
    sides = identity_rules.side_by_side(left.loc[ids_l], right.loc[ids_r])
    pairs, judgement = judge_scored(sides, scored, calibration)
    if explain:
        pairs["explanation"] = [
            explanation(row)
            | {"findings": found, "household_discount": round(float(discount), 2), "rules_weight": round(-float(bits), 1)}
            for row, found, discount, bits in zip(
                scored.to_dict("records"), pairs["findings"], judgement.household_discount, pairs["rules_bits"], strict=True
            )
        ]
    return pairs[pairs["match_probability"] >= threshold]


def judge_scored(
    sides: pd.DataFrame, scored: pd.DataFrame, calibration: identity_rules.Calibration
) -> tuple[pd.DataFrame, identity_rules.Judgement]:
    """Scored pairs (ids, match weight and household weights in `scored`, the features of both
    records in `sides`, row by row) judged by the identity rules."""
    judgement = identity_rules.judge(sides, calibration)
    weights = scored["match_weight"].to_numpy(dtype=float)
    household = np.zeros(len(scored))
    personal = sides["email_personal_l"].to_numpy(dtype=bool) & sides["email_personal_r"].to_numpy(dtype=bool)
    for column in HOUSEHOLD_WEIGHTS:
        weight = np.clip(scored[column].fillna(0.0).to_numpy(dtype=float), 0.0, None)
        household += np.where(personal, 0.0, weight) if column == "mw_email" else weight
    adjusted = identity_rules.adjusted_weights(weights, household, judgement)
    pairs = pd.DataFrame(
        {
            "id_a": scored["unique_id_l"].astype(str).to_numpy(),
            "id_b": scored["unique_id_r"].astype(str).to_numpy(),
            "match_probability": identity_rules.probability(adjusted),
            "model_probability": identity_rules.probability(weights),
            "rules_bits": weights - adjusted,  # what the identity rules took off the model's weight
            "identity_agrees": judgement.identity_agrees,
            "findings": [[finding.as_dict() for finding in found] for found in judgement.findings],
        }
    )
    return pairs, judgement


def _score(
    db_api: Any,
    prepared: list[Any],
    *,
    identifier: str | None,
    records: int,
    threshold: float,
    explain: bool,
    clock: _Stages | None = None,
) -> Any:
    """Train the model on the prepared tables (pandas or Spark) and score the candidate pairs."""
    from splink import Linker

    run = uuid.uuid4().hex[:8]  # a Spark session outlives one linkage: its tables need their own names
    # Only what the model reads: the rules' own features (name lists above all) would make the
    # engine copy millions of Python objects it never uses.
    model_only = [frame[MODEL_COLUMNS] if isinstance(frame, pd.DataFrame) else frame.select(*MODEL_COLUMNS) for frame in prepared]
    tables = [
        db_api.register(frame, table_name=f"relais_{name}_{run}") for frame, name in zip(model_only, ("a", "b"), strict=False)
    ]
    model_settings = settings("link_only" if len(tables) > 1 else "dedupe_only")
    model_settings.retain_intermediate_calculation_columns = True  # the per-comparison weights the rules read
    if explain:
        model_settings.retain_matching_columns = True
    linker = Linker(tables if len(tables) > 1 else tables[0], model_settings, log_level=logging.ERROR)
    train(linker, records=records, identifier=identifier)
    if clock:
        clock.lap("training")
    scored = linker.inference.predict(threshold_match_probability=threshold)
    if clock:
        clock.lap("scoring")
    return scored
