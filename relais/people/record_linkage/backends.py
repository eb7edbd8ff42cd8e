"""The engines that run the linkage's SQL: DuckDB on one machine, Spark (the `relais[spark]` extra,
imported only when asked for) on a cluster, with `link_files_on_spark` for files too large for one
machine (see docs/scaling.md)."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from relais.people import identity_rules
from relais.people.csvformat import detect_delimiter
from relais.people.record_linkage.features import prepare_frame
from relais.people.record_linkage.files import LinkageInputError
from relais.people.record_linkage.model import (
    HOUSEHOLD_WEIGHTS,
    SURE_ID_MAX_RECORDS,
    SURE_PAIRS_MAX,
    _most_shared,
    _score,
    judge_scored,
)

BACKENDS = ("duckdb", "spark")


SPARK_MISSING = (
    "Le moteur Spark demande pyspark, absent de cette installation : installez « relais[spark] » "
    '(pip install "relais[spark]", ou uv sync --extra spark) et Java 17, ou employez le moteur duckdb.'
)


def require_spark() -> None:
    """pyspark is an extra (`relais[spark]`): asking for the Spark backend without it says so in French."""
    try:
        import pyspark  # noqa: F401
    except ImportError as error:
        raise LinkageInputError(SPARK_MISSING) from error


def _db_api(backend: str) -> Any:
    if backend == "spark":
        require_spark()
        from splink import SparkAPI

        return SparkAPI(spark_session=spark_session())
    from splink import DuckDBAPI

    return DuckDBAPI()


def spark_session() -> Any:
    """The Spark session: the cluster of SPARK_MASTER when set, else Spark in local mode."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    builder = SparkSession.builder.appName("relais-linkage").master(os.environ.get("SPARK_MASTER", "local[2]"))
    # Splink's string-similarity functions (Jaro-Winkler, Damerau-Levenshtein) for Spark SQL.
    builder = builder.config("spark.jars", similarity_jar_location())
    builder = builder.config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "8"))
    builder = builder.config("spark.ui.enabled", "false").config("spark.driver.memory", "2g")
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    logging.getLogger("py4j").setLevel(logging.ERROR)  # its INFO lines at exit go to closed streams
    checkpoints = os.environ.get("SPARK_CHECKPOINT_DIR") or str(Path(tempfile.gettempdir()) / "relais-spark-checkpoints")
    session.sparkContext.setCheckpointDir(checkpoints)
    return session


def default_backend() -> str:
    """LINKAGE_BACKEND from the settings; DuckDB when used without Django settings (Spark executors)."""
    from django.conf import settings as django_settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        return getattr(django_settings, "LINKAGE_BACKEND", "duckdb")
    except ImproperlyConfigured:
        return "duckdb"


def feature_schema() -> Any:
    """The Spark schema of `prepare_frame`'s output: strings, arrays of strings for the name sets,
    the number of days since 1900 and the flags."""
    from pyspark.sql.types import ArrayType, BooleanType, DataType, LongType, StringType, StructField, StructType

    columns = prepare_frame(pd.DataFrame({"source_id": ["x"]})).columns
    types: dict[str, DataType] = dict.fromkeys(("name_keys", "firsts", "given", "surname_given"), ArrayType(StringType()))
    types.update(dob_days=LongType(), nir_trusted=BooleanType(), nir_foreign=BooleanType(), email_personal=BooleanType())
    return StructType([StructField(name, types.get(name, StringType()), True) for name in columns])


def link_files_on_spark(path_a: str, path_b: str, out: str, *, threshold: float = 0.5) -> int:
    """Link two person files of any size on a Spark cluster: the files are read, prepared (on the
    executors, with the same `prepare_frame`), linked and written by Spark, never on the driver.
    `out` is a directory of CSV parts (id_a,id_b,match_probability). See docs/scaling.md."""
    require_spark()
    from pyspark.sql import functions as F

    db_api = _db_api("spark")
    spark = db_api.spark
    schema = feature_schema()

    def features(path: str) -> Any:
        raw = spark.read.csv(path, header=True, sep=_spark_separator(path), encoding="UTF-8", inferSchema=False)
        raw = raw.select([F.col(name).alias(name.strip().lower()) for name in raw.columns])
        if "source_id" not in raw.columns:
            raise LinkageInputError(f"{path} : la colonne « source_id » manque dans l'en-tête.")
        return raw.mapInPandas(lambda batches: (prepare_frame(batch) for batch in batches), schema=schema).persist()

    prepared = [features(path_a), features(path_b)]
    duplicated = prepared[0].groupBy("unique_id").count().where("count > 1").limit(1).collect()
    duplicated += prepared[1].groupBy("unique_id").count().where("count > 1").limit(1).collect()
    if duplicated:
        raise LinkageInputError(f"L'identifiant « {duplicated[0]['unique_id']} » apparaît deux fois dans le même fichier.")

    def shared(column: str) -> int:
        keys = [frame.select(column, "dob").dropna().distinct() for frame in prepared]
        return keys[0].join(keys[1], [column, "dob"]).count()

    identifier = _most_shared(shared)
    records = prepared[0].count() + prepared[1].count()
    scored = _score(db_api, prepared, identifier=identifier, records=records, threshold=threshold, explain=False)
    calibration = identity_rules.calibrate(_sure_pairs_on_spark(prepared))
    # The identity rules run on the executors, on the scored pairs joined to both records' features.
    columns = list(identity_rules.FEATURES)
    left = prepared[0].select(F.col("unique_id").alias("unique_id_l"), *(F.col(c).alias(f"{c}_l") for c in columns))
    right = prepared[1].select(F.col("unique_id").alias("unique_id_r"), *(F.col(c).alias(f"{c}_r") for c in columns))
    weights = scored.as_spark_dataframe().select("unique_id_l", "unique_id_r", "match_weight", *HOUSEHOLD_WEIGHTS)
    joined = weights.join(left, "unique_id_l").join(right, "unique_id_r")

    def judge(batches: Any) -> Any:
        for batch in batches:
            judged, _ = judge_scored(batch, batch, calibration)
            yield judged[["id_a", "id_b", "match_probability"]]

    pairs = joined.mapInPandas(judge, schema="id_a string, id_b string, match_probability double")
    pairs = pairs.where(F.col("match_probability") >= threshold).withColumn("match_probability", F.round("match_probability", 6))
    pairs.write.mode("overwrite").csv(out, header=True)
    return spark.read.csv(out, header=True).count()


def _sure_pairs_on_spark(prepared: list[Any]) -> pd.DataFrame:
    """`sure_pairs` computed by Spark: records of both files sharing a usable identifier."""
    from pyspark.sql import functions as F

    columns = list(identity_rules.FEATURES)

    def keyed(frame: Any, side: str) -> Any:
        usable = frame.where(F.col("nir_usable").isNotNull())
        placeholders = usable.groupBy("nir_usable").count().where(F.col("count") > SURE_ID_MAX_RECORDS).select("nir_usable")
        usable = usable.join(placeholders, "nir_usable", "left_anti")
        return usable.select("nir_usable", *(F.col(c).alias(f"{c}_{side}") for c in columns))

    sure = keyed(prepared[0], "l").join(keyed(prepared[1], "r"), "nir_usable").limit(SURE_PAIRS_MAX).toPandas()
    return sure.drop(columns=["nir_usable"])


def _spark_separator(path: str) -> str:
    """The separator of a CSV file, from its first line (local or mounted files only)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            first = handle.readline()
    except OSError:
        return ","  # a cluster path (hdfs://, s3a://): comma, the default of the person CSV
    return detect_delimiter(first)
