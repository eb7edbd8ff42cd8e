"""pyspark is the `relais[spark]` extra: without it, asking for the Spark backend says what to install."""

import sys

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from relais.people.models import LinkJob
from relais.people.record_linkage import LinkageInputError, _db_api, link_files_on_spark, link_frames


@pytest.fixture
def without_pyspark(monkeypatch):
    for name in [name for name in sys.modules if name == "pyspark" or name.startswith("pyspark.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` now raises ImportError


def test_the_spark_backend_without_pyspark_asks_for_the_extra_in_french(without_pyspark, world, tmp_path):
    with pytest.raises(LinkageInputError, match=r"installez « relais\[spark\] »"):
        link_frames(pd.DataFrame({"source_id": ["1", "2"]}), backend="spark")
    with pytest.raises(LinkageInputError, match=r"relais\[spark\]"):
        link_files_on_spark(str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), str(tmp_path / "pairs"))
    with pytest.raises(CommandError, match=r"relais\[spark\]"):
        call_command("link", "--backend", "spark")
    assert not LinkJob.objects.exists()  # refused before a job is recorded


def test_the_duckdb_backend_needs_no_pyspark(without_pyspark):
    assert type(_db_api("duckdb")).__name__ == "DuckDBAPI"
