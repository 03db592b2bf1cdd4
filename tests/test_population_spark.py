"""The Spark engine gives the DuckDB engine's rows, skips and reports (one SparkSession)."""

import datetime
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

from painmodalities.errors import ValidationError
from painmodalities.population import population_report, write_synthetic_export
from tests.population_support import expected_rows, split_bundle
from tests.samples import fhir_fixture

AS_OF = datetime.date(2024, 1, 1)


@settings(max_examples=2)
@given(seed=st.integers(0, 10_000), size=st.integers(0, 12))
def test_spark_equals_duckdb_on_synthetic_exports(spark: Any, seed: int, size: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        manifest = write_synthetic_export(Path(scratch), size, seed=seed, as_of=AS_OF)
        duck = population_report(manifest, as_of=AS_OF)
        sparked = population_report(manifest, as_of=AS_OF, engine="spark", spark=spark)
    assert sparked.rows.equals(duck.rows)
    assert sparked.counts == duck.counts
    assert sparked.skips == duck.skips
    assert sparked.measure_report() == duck.measure_report()


def test_spark_rows_equal_read_bundle_and_plan(spark: Any, tmp_path: Path) -> None:
    bundle = fhir_fixture("brenda_jackson")
    export = split_bundle(bundle, tmp_path)
    report = population_report(export, as_of=AS_OF, engine="spark", spark=spark)
    (patient,) = {row.patient for row in report.row_objects()}
    assert list(report.row_objects()) == expected_rows(bundle, patient, AS_OF, 12)


def test_error_spark_two_files_disagree_about_one_id(spark: Any, tmp_path: Path) -> None:
    back = {
        "resourceType": "Condition",
        "id": "c1",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "278860009"}]},
        "subject": {"reference": "Patient/a"},
    }
    (tmp_path / "Patient.ndjson").write_text(json.dumps({"resourceType": "Patient", "id": "a"}))
    (tmp_path / "Condition.1.ndjson").write_text(json.dumps(back))
    (tmp_path / "Condition.2.ndjson").write_text(json.dumps({**back, "onsetDateTime": "2020"}))
    with pytest.raises(ValidationError) as caught:
        population_report(tmp_path, as_of=AS_OF, engine="spark", spark=spark)
    assert caught.value.rule == "conflicting_id"
    assert "Condition.1.ndjson:1" in caught.value.path


def test_error_spark_file_not_ndjson(spark: Any, tmp_path: Path) -> None:
    """Staged in Spark's tasks, a bad file's error reaches the caller as itself."""
    (tmp_path / "Patient.ndjson").write_text(json.dumps({"resourceType": "Patient", "id": "a"}))
    (tmp_path / "Notes.ndjson").write_text("[1, 2]\n")
    with pytest.raises(ValidationError) as caught:
        population_report(tmp_path, as_of=AS_OF, engine="spark", spark=spark)
    assert (caught.value.rule, caught.value.path) == ("not_ndjson", "Notes.ndjson:1")
