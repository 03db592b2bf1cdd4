"""Population reports on the DuckDB engine: rows, measures, MeasureReport, bad bulk data."""

import datetime
import io
import itertools
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

from painmodalities.cli import build_parser, main
from painmodalities.errors import ValidationError
from painmodalities.population import (
    MEASURES,
    SKIP_EXAMPLES,
    PatientRow,
    PatientSkip,
    PopulationReport,
    lookback_start,
    population_report,
    read_patient,
    write_synthetic_export,
)
from tests.population_support import bundles_of_export, expected_rows, split_bundle
from tests.samples import fhir_fixture

AS_OF = datetime.date(2024, 1, 1)
SUBJECT = {"reference": "Patient/a"}
PATIENT = {"resourceType": "Patient", "id": "a"}
BACK = {
    "resourceType": "Condition",
    "id": "c1",
    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "278860009"}]},
    "subject": SUBJECT,
}


def _write(folder: Path, name: str, *lines: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    (folder / name).write_text(text + "\n", "utf-8")
    return folder


def _report(folder: Path, **options: Any) -> PopulationReport:
    return population_report(folder, as_of=options.pop("as_of", AS_OF), **options)


# -- the fixture bundles, split into a bulk export -------------------------------------------


@pytest.mark.parametrize("name", ["brenda_jackson", "lois_lane"])
@pytest.mark.parametrize(("as_of", "months"), [(AS_OF, 12), (datetime.date(2019, 6, 1), 36)])
def test_fixture_rows_equal_read_bundle_and_plan(
    tmp_path: Path, name: str, as_of: datetime.date, months: int
) -> None:
    bundle = fhir_fixture(name)
    export = split_bundle(bundle, tmp_path / name)
    report = population_report(export, as_of=as_of, lookback_months=months)
    (patient,) = {row.patient for row in report.row_objects()}
    assert list(report.row_objects()) == expected_rows(bundle, patient, as_of, months)
    assert report.row_objects()  # the fixtures have pain conditions
    assert dict(report.not_read)  # their Observations and MedicationRequests are counted


# -- synthetic exports -----------------------------------------------------------------------


@settings(max_examples=5)
@given(seed=st.integers(0, 10_000), size=st.integers(0, 30))
def test_synthetic_rows_equal_each_patients_bundle(seed: int, size: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        write_synthetic_export(folder, size, seed=seed, as_of=AS_OF)
        report = population_report(folder / "manifest.json", as_of=AS_OF)
        bundles = bundles_of_export(folder)
        expected = sorted(
            (
                row
                for patient, bundle in bundles.items()
                for row in expected_rows(bundle, patient, AS_OF, 12)
            ),
            key=lambda row: (row.patient, row.pain_type),
        )
        assert list(report.row_objects()) == expected
        rows = report.row_objects()
        for row in rows:
            assert not (row.passive_only and row.active_care_recorded)
            assert not (
                row.no_nondrug_care_recorded
                and (row.passive_only or row.active_care_recorded or row.not_recommended_recorded)
            )
            assert row.active_care_approximate <= row.active_care_recorded
        _check_counts(report)


def _check_counts(report: PopulationReport) -> None:
    rows = report.row_objects()
    assert report.patients == len({row.patient for row in rows})
    assert report.row_count == len(rows)
    for count in report.counts:
        having = [row for row in rows if row.pain_type == count.pain_type]
        assert count.denominator == len(having)
        assert count.numerator == sum(getattr(row, count.measure) for row in having)


def test_synthetic_export_is_seeded(tmp_path: Path) -> None:
    write_synthetic_export(tmp_path / "a", 20, seed=3)
    write_synthetic_export(tmp_path / "b", 20, seed=3)
    write_synthetic_export(tmp_path / "c", 20, seed=4)
    files = sorted(path.name for path in (tmp_path / "a").iterdir())
    assert files == sorted(path.name for path in (tmp_path / "b").iterdir())
    assert all(
        (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files
    )
    assert any(
        (tmp_path / "a" / f).read_bytes() != (tmp_path / "c" / f).read_bytes() for f in files
    )


def test_synthetic_export_writes_only_verified_codes(tmp_path: Path) -> None:
    from painmodalities.fhir import ICD10CM_PREFIXES, SNOMED_VERIFIED

    write_synthetic_export(tmp_path, 200, seed=1)
    codes = set()
    for path in tmp_path.glob("*.ndjson"):
        for line in path.read_text("utf-8").splitlines():
            for coding in json.loads(line).get("code", {}).get("coding", []):
                codes.add((coding["system"], coding["code"]))
    assert codes
    for system, code in codes:
        if system == "http://snomed.info/sct":
            assert code in SNOMED_VERIFIED
        else:
            assert any(code.startswith(prefix) for prefix in ICD10CM_PREFIXES), code


# -- the MeasureReport -----------------------------------------------------------------------


def test_measure_report_validates_and_counts_equal_rows(tmp_path: Path) -> None:
    from fhir.resources.R4B.measurereport import MeasureReport

    write_synthetic_export(tmp_path, 60, seed=7, as_of=AS_OF)
    report = _report(tmp_path)
    document = report.measure_report()
    MeasureReport.model_validate(document)
    rows = report.row_objects()
    assert len(document["group"]) == len(MEASURES) * len({row.pain_type for row in rows})
    for group in document["group"]:
        measure, pain_type = group["code"]["coding"][0]["code"].split("/")
        counts = {p["code"]["coding"][0]["code"]: p["count"] for p in group["population"]}
        having = [row for row in rows if row.pain_type == pain_type]
        assert counts == {
            "initial-population": len(having),
            "denominator": len(having),
            "numerator": sum(getattr(row, measure) for row in having),
        }
    assert document["period"] == {
        "start": lookback_start(AS_OF, 12).isoformat(),
        "end": AS_OF.isoformat(),
    }


def test_measures_name_their_recommendation() -> None:
    assert [measure.id for measure in MEASURES] == [
        "active_care_recorded",
        "passive_only",
        "not_recommended_recorded",
        "no_nondrug_care_recorded",
    ]
    assert {measure.id for measure in MEASURES} <= {
        f.name for f in __import__("attrs").fields(PatientRow)
    }
    assert all(measure.why and measure.definition for measure in MEASURES)


# -- the per-patient function ----------------------------------------------------------------


def test_read_patient_counts_a_recommendation_against() -> None:
    acupuncture = {
        "resourceType": "Procedure",
        "id": "p1",
        "status": "completed",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44868003"}]},
        "subject": SUBJECT,
        "performedDateTime": "2023-06-01",
    }
    (row,) = read_patient("a", [PATIENT, BACK, acupuncture], as_of=AS_OF).rows
    assert row.pain_type == "low_back:chronic"
    assert row.not_recommended == "acupuncture"  # NICE NG59: do not offer acupuncture
    assert row.not_recommended_recorded
    assert row.passive_only
    assert not row.active_care_recorded
    assert not row.no_nondrug_care_recorded
    outside = read_patient("a", [PATIENT, BACK, acupuncture], as_of=AS_OF, lookback_months=3)
    assert outside.rows[0].no_nondrug_care_recorded


def test_read_patient_marks_an_approximate_referral() -> None:
    psychotherapy = {
        "resourceType": "ServiceRequest",
        "id": "s1",
        "status": "active",
        "intent": "order",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "81294000"}]},
        "subject": SUBJECT,
        "authoredOn": "2023-06-01",
    }
    (row,) = read_patient("a", [PATIENT, BACK, psychotherapy], as_of=AS_OF).rows
    assert row.approximate
    assert not row.passive_only
    assert "psychotherapy" in row.recorded


# -- bad bulk data ---------------------------------------------------------------------------


def test_error_truncated_line_is_skipped_and_counted(tmp_path: Path) -> None:
    _write(tmp_path, "Patient.ndjson", PATIENT)
    _write(tmp_path, "Condition.ndjson", BACK, '{"resourceType": "Condition", "id": "c2", "su')
    report = _report(tmp_path)
    assert [row.pain_type for row in report.row_objects()] == ["low_back:chronic"]
    (skip,) = [s for s in report.skips if s.rule == "truncated_line"]
    assert skip.where == "Condition.ndjson:2"


def test_error_resource_with_no_subject_is_skipped(tmp_path: Path) -> None:
    orphan = {key: value for key, value in BACK.items() if key != "subject"}
    _write(tmp_path, "Patient.ndjson", PATIENT)
    _write(tmp_path, "Condition.ndjson", {**orphan, "id": "c9"}, BACK)
    report = _report(tmp_path)
    assert [(s.rule, s.where) for s in report.skips if not s.rule.startswith("import.")] == [
        ("no_subject", "Condition.ndjson:1")
    ]
    assert len(report.row_objects()) == 1


def test_error_subject_with_no_patient_is_skipped(tmp_path: Path) -> None:
    ghost = {**BACK, "id": "c3", "subject": {"reference": "Patient/ghost"}}
    _write(tmp_path, "Patient.ndjson", PATIENT)
    _write(tmp_path, "Condition.ndjson", BACK, ghost)
    report = _report(tmp_path)
    (skip,) = [s for s in report.skips if s.rule == "no_patient"]
    assert skip.where == "Condition.ndjson:2"
    assert "Patient/ghost" in skip.detail
    assert {row.patient for row in report.row_objects()} == {"a"}


@pytest.mark.parametrize(
    "text", ['{\n  "resourceType": "Patient"\n}\n', "\x00\x01binary\n", "[1, 2]\n"]
)
def test_error_file_not_ndjson(tmp_path: Path, text: str) -> None:
    _write(tmp_path, "Patient.ndjson", PATIENT)
    (tmp_path / "Notes.ndjson").write_text(text, "utf-8")
    with pytest.raises(ValidationError) as caught:
        _report(tmp_path)
    assert caught.value.rule == "not_ndjson"
    assert caught.value.path == "Notes.ndjson:1"


def test_error_oversized_line_is_skipped(tmp_path: Path) -> None:
    big = {**BACK, "id": "c4", "note": [{"text": "x" * 500}]}
    _write(tmp_path, "Patient.ndjson", PATIENT)
    _write(tmp_path, "Condition.ndjson", big, BACK)
    report = _report(tmp_path, max_line_bytes=300)
    (skip,) = [s for s in report.skips if s.rule == "oversized_line"]
    assert skip.where == "Condition.ndjson:1"
    assert len(report.row_objects()) == 1


def test_error_two_files_disagree_about_one_id(tmp_path: Path) -> None:
    _write(tmp_path, "Patient.ndjson", PATIENT)
    _write(tmp_path, "Condition.1.ndjson", BACK)
    _write(tmp_path, "Condition.2.ndjson", {**BACK, "onsetDateTime": "2020-01-01"})
    with pytest.raises(ValidationError) as caught:
        _report(tmp_path)
    assert caught.value.rule == "conflicting_id"
    assert "Condition.1.ndjson:1" in caught.value.path
    assert "Condition.2.ndjson:1" in caught.value.path


def test_error_the_same_resource_twice_is_read_once(tmp_path: Path) -> None:
    _write(tmp_path, "Patient.ndjson", PATIENT)
    _write(tmp_path, "Condition.1.ndjson", BACK)
    _write(tmp_path, "Condition.2.ndjson", BACK)
    report = _report(tmp_path)
    assert [(s.rule, s.where) for s in report.skips] == [("duplicate", "Condition.2.ndjson:1")]


def test_error_invalid_resource_names_its_line(tmp_path: Path) -> None:
    bad = {**BACK, "id": "c5", "onsetDateTime": "not a date"}
    other = {**BACK, "id": "c6", "subject": {"reference": "Patient/b"}}
    _write(tmp_path, "Patient.ndjson", PATIENT, {"resourceType": "Patient", "id": "b"})
    _write(tmp_path, "Condition.ndjson", other, bad)
    report = _report(tmp_path)
    (skip,) = [s for s in report.skips if s.rule == "invalid_resource"]
    assert skip.where == "Condition.ndjson:2"
    assert {row.patient for row in report.row_objects()} == {"b"}


def test_error_manifest_names_a_missing_file(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"output": [{"type": "Patient", "url": "gone.ndjson"}]}))
    with pytest.raises(ValidationError) as caught:
        _report(manifest)
    assert caught.value.rule == "missing_file"


def test_error_bad_arguments(tmp_path: Path) -> None:
    _write(tmp_path, "Patient.ndjson", PATIENT)
    with pytest.raises(ValidationError, match="engine"):
        _report(tmp_path, engine="sqlite")
    with pytest.raises(ValidationError, match="lookback"):
        _report(tmp_path, lookback_months=-1)
    with pytest.raises(ValidationError):
        _report(tmp_path / "nowhere")


# -- streaming: rows written as they come, skips counted -----------------------------------


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_rows_written_as_they_come_equal_the_rows_kept(tmp_path: Path, suffix: str) -> None:
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    manifest = write_synthetic_export(tmp_path / "export", 60, seed=3, as_of=AS_OF)
    kept = population_report(manifest, as_of=AS_OF)
    target = tmp_path / f"rows{suffix}"
    streamed = population_report(manifest, as_of=AS_OF, rows_to=target)
    assert streamed.rows is None
    assert streamed.rows_file == target
    types = pcsv.ConvertOptions(column_types=kept.rows.schema)
    written = (
        pq.read_table(target)
        if suffix == ".parquet"
        else pcsv.read_csv(target, convert_options=types)
    )
    assert written.equals(kept.rows)
    assert (streamed.counts, streamed.patients, streamed.row_count) == (
        kept.counts,
        kept.patients,
        kept.row_count,
    )
    assert streamed.skip_counts() == kept.skip_counts()


def test_skips_are_counted_and_their_examples_bounded(tmp_path: Path) -> None:
    truncated = [f'{{"resourceType": "Condition", "id": "t{n}", "su' for n in range(45)]
    _write(tmp_path, "Patient.ndjson", PATIENT)
    _write(tmp_path, "Condition.ndjson", BACK, *truncated)
    report = _report(tmp_path)
    assert report.skip_counts()["truncated_line"] == 45
    shown = [skip.where for skip in report.skips if skip.rule == "truncated_line"]
    everywhere = sorted(f"Condition.ndjson:{line}" for line in range(2, 47))
    assert shown == everywhere[:SKIP_EXAMPLES]


def test_error_rows_to_a_file_that_cannot_be_written(tmp_path: Path) -> None:
    _write(tmp_path, "Patient.ndjson", PATIENT)
    with pytest.raises(ValidationError) as caught:
        _report(tmp_path, rows_to=tmp_path / "missing" / "rows.parquet")
    assert (caught.value.path, caught.value.rule) == ("$.rows_to", "file")


def test_error_a_failed_run_leaves_no_rows_file(tmp_path: Path) -> None:
    """The rows are personal data: a run that fails removes what it had written."""
    _write(tmp_path, "Patient.ndjson", PATIENT)
    _write(tmp_path, "Condition.1.ndjson", BACK)
    _write(tmp_path, "Condition.2.ndjson", {**BACK, "onsetDateTime": "2020-01-01"})
    target = tmp_path / "out" / "rows.csv"
    target.parent.mkdir()
    with pytest.raises(ValidationError):
        _report(tmp_path, rows_to=target)
    assert list(target.parent.iterdir()) == []


def test_error_rows_not_kept(tmp_path: Path) -> None:
    _write(tmp_path, "Patient.ndjson", PATIENT)
    _write(tmp_path, "Condition.ndjson", BACK)
    report = _report(tmp_path, keep_rows=False)
    assert report.rows is None
    assert report.row_count == 1
    with pytest.raises(ValidationError) as caught:
        report.row_objects()
    assert caught.value.rule == "rows_not_kept"
    with pytest.raises(ValidationError):
        report.write_rows(tmp_path / "rows.csv")


def test_workers_give_the_same_report(tmp_path: Path) -> None:
    """The per-patient work in two processes gives what one gives (chunks cut by patient).

    1,000 patients stage about 5,000 resources: more than one record batch, so more than
    one chunk goes to the pool.
    """
    manifest = write_synthetic_export(tmp_path, 1000, seed=5, as_of=AS_OF)
    alone = population_report(manifest, as_of=AS_OF)
    pooled = population_report(manifest, as_of=AS_OF, workers=2)
    assert pooled.rows.equals(alone.rows)
    assert pooled == alone


@given(
    sizes=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=12),
    batch_rows=st.integers(min_value=1, max_value=5),
    chunk_rows=st.integers(min_value=1, max_value=12),
)
def test_chunks_never_cut_a_patient(sizes: list[int], batch_rows: int, chunk_rows: int) -> None:
    """Chunks keep every patient whole, keep the order, and hold at least ``chunk_rows``."""
    import pyarrow as pa

    from painmodalities.population._workers import chunks

    patients = [f"p{number:02d}" for number, size in enumerate(sizes) for _ in range(size)]
    batches = [
        pa.RecordBatch.from_pydict({"patient": patients[start : start + batch_rows]})
        for start in range(0, len(patients), batch_rows)
    ]
    found = [
        [patient for batch in chunk for patient in batch.column("patient").to_pylist()]
        for chunk in chunks(batches, chunk_rows)
    ]
    assert [patient for chunk in found for patient in chunk] == patients
    assert all(not set(one) & set(two) for one, two in itertools.pairwise(found))
    assert all(len(chunk) >= chunk_rows for chunk in found[:-1])


def test_workers_in_small_chunks_give_what_one_process_gives(tmp_path: Path) -> None:
    """Many chunks, each in a process of the pool: the batches come back in order."""
    import duckdb
    import pyarrow as pa

    from painmodalities.population._bulk import export_files, stage
    from painmodalities.population._grouped import Options, grouped
    from painmodalities.population._workers import in_workers, pool

    manifest = write_synthetic_export(tmp_path / "export", 300, seed=2, as_of=AS_OF)
    staged = duckdb.read_parquet(str(stage(export_files(manifest), tmp_path).path / "*.parquet"))
    ordered = staged.order("patient, seq").select("patient, rtype, rid, place, resource")
    batches = list(ordered.to_arrow_reader(batch_size=97))
    options = Options(as_of=AS_OF, lookback_months=12)
    alone = list(grouped(iter(batches), options))
    pooled: list[Any] = []
    with pool(2) as processes:
        in_workers(iter(batches), options, processes, 2, pooled.append, chunk_rows=200)
    assert len(pooled) > 2  # several chunks

    def split(batches: list[Any]) -> tuple[list[Any], list[Any]]:
        """The rows in order, and the skips (each batch has its rows, then its skips)."""
        found = pa.Table.from_batches(batches).to_pylist()
        rows = [row for row in found if row["skip_rule"] is None]
        return rows, sorted(map(str, (row for row in found if row["skip_rule"] is not None)))

    assert split(pooled) == split(alone)


@given(
    skips=st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 60), st.sampled_from(["x", "y"])),
        max_size=120,
    ),
    cuts=st.lists(st.integers(0, 120), max_size=4),
)
def test_skip_tallies_made_apart_merge_into_one(
    skips: list[tuple[str, int, str]], cuts: list[int]
) -> None:
    """Tallies of parts of the skips (one per file, in any order) merge into the whole's."""
    from painmodalities.population._skips import SkipTally

    found = [PatientSkip(rule=rule, where=f"f:{line}", detail=d) for rule, line, d in skips]
    whole = SkipTally()
    whole.add(found)
    bounds = [0, *sorted(cuts), len(found)]
    merged = SkipTally()
    for start, end in reversed(list(itertools.pairwise(bounds))):
        part = SkipTally()
        part.add(found[start:end])
        merged.merge(part)
    assert merged.totals == whole.totals
    assert merged.examples() == whole.examples()
    assert len(whole.examples()) <= 2 * SKIP_EXAMPLES


def test_files_staged_in_processes_equal_one_pass(tmp_path: Path) -> None:
    """Staged in a pool, the parts hold what one process stages, ordered by file then line."""
    import pyarrow.parquet as pq

    from painmodalities.population._bulk import LINE_BITS, export_files, stage
    from painmodalities.population._workers import pool, pool_runner

    files = export_files(write_synthetic_export(tmp_path / "export", 60, seed=4, as_of=AS_OF))
    alone = stage(files, tmp_path / "alone")
    with pool(2) as processes:
        pooled = stage(files, tmp_path / "pooled", run=pool_runner(processes))
    assert attrs.evolve(pooled, path=alone.path) == alone
    assert pooled.skips.examples() == alone.skips.examples()
    assert len(list(pooled.path.glob("*.parquet"))) == len(files)
    one, two = (pq.read_table(found.path).sort_by("seq") for found in (alone, pooled))
    assert one.equals(two)
    names = [path.name for path in files]
    places = [
        (names.index(name), int(line))
        for name, line in (place.split(":") for place in one.column("place").to_pylist())
    ]
    assert places == sorted(places)
    assert [index << LINE_BITS | line for index, line in places] == one["seq"].to_pylist()


def test_a_staging_directory_reused_holds_only_this_exports_parts(tmp_path: Path) -> None:
    """A second, smaller export staged where a first was: none of the first's parts is read."""
    other = {"resourceType": "Patient", "id": "b"}
    first = _write(tmp_path / "first", "1.ndjson", PATIENT)
    _write(first, "2.ndjson", BACK)
    _write(first, "3.ndjson", other, {**BACK, "id": "c2", "subject": {"reference": "Patient/b"}})
    second = _write(tmp_path / "second", "1.ndjson", PATIENT)
    _write(second, "2.ndjson", BACK)
    _report(first, staging=tmp_path / "staging")
    report = _report(second, staging=tmp_path / "staging")
    assert {row.patient for row in report.row_objects()} == {"a"}


def test_error_the_first_bad_file_in_export_order_with_workers(tmp_path: Path) -> None:
    """Files staged at once in a pool: the error is the first bad file's, in export order."""
    _write(tmp_path, "A.ndjson", PATIENT)
    _write(tmp_path, "B.ndjson", PATIENT, "[1]")
    _write(tmp_path, "C.ndjson", "not json at all, and longer than B's line " * 20)
    with pytest.raises(ValidationError) as caught:
        _report(tmp_path, workers=2)
    assert (caught.value.rule, caught.value.path) == ("not_ndjson", "C.ndjson:1")
    _write(tmp_path, "B.ndjson", "[1]")
    with pytest.raises(ValidationError) as caught:
        _report(tmp_path, workers=2)
    assert caught.value.path == "B.ndjson:1"


def test_automatic_workers_by_export_size() -> None:
    from painmodalities.population._workers import AUTO_MIN_BYTES, cores, workers_for

    assert workers_for(None, AUTO_MIN_BYTES - 1) == 1
    assert workers_for(None, AUTO_MIN_BYTES) == cores()
    assert workers_for(3, 10) == 3


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2", True])
def test_error_workers(tmp_path: Path, workers: Any) -> None:
    _write(tmp_path, "Patient.ndjson", PATIENT)
    with pytest.raises(ValidationError) as caught:
        _report(tmp_path, workers=workers)
    assert caught.value.path == "$.workers"


@pytest.mark.parametrize("level", ["all", None])
def test_error_validation_level(tmp_path: Path, level: Any) -> None:
    _write(tmp_path, "Patient.ndjson", PATIENT)
    with pytest.raises(ValidationError) as caught:
        _report(tmp_path, validate=level)
    assert caught.value.path == "$.validate"


# -- the command -----------------------------------------------------------------------------


def test_cli_writes_rows_and_measure_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyarrow.parquet as pq

    manifest = write_synthetic_export(tmp_path / "export", 25, seed=2, as_of=AS_OF)
    rows, measure = tmp_path / "rows.parquet", tmp_path / "report.json"
    code = main(
        [
            "population",
            str(manifest),
            "--as-of",
            "2024-01-01",
            "--rows",
            str(rows),
            "--measure-report",
            str(measure),
            "--format",
            "json",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    report = _report(manifest)
    assert pq.read_table(rows).equals(report.rows)
    assert json.loads(measure.read_text()) == report.measure_report()
    assert summary["patients"] == report.patients
    assert [c["numerator"] for c in summary["counts"]] == [c.numerator for c in report.counts]


def test_cli_table_and_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "Patient.ndjson", PATIENT)
    _write(tmp_path, "Condition.ndjson", BACK, "{trunc")
    rows = tmp_path / "rows.csv"
    assert main(["population", str(tmp_path), "--as-of", "2024-01-01", "--rows", str(rows)]) == 0
    out, err = capsys.readouterr()
    assert "active_care_recorded       low_back:chronic" in out
    assert "Condition.ndjson:2: truncated_line" in err
    assert rows.read_text().startswith('"patient","pain_type"')


def test_error_cli_reports_a_file_not_ndjson(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Patient.ndjson").write_text("[]\n")
    assert main(["population", str(tmp_path), "--as-of", "2024-01-01"]) == 1
    assert "Patient.ndjson:1" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    from painmodalities.population._cli import run

    _write(tmp_path, "Patient.ndjson", PATIENT)
    _write(tmp_path, "Condition.ndjson", BACK)
    parsed = build_parser().parse_args(["population", str(tmp_path), "--as-of", "2024-01-01"])
    for stderr, shown in ((_Terminal(), True), (io.StringIO(), False)):
        assert run(parsed, io.StringIO(), stderr) == 0
        assert ("grouped 2 resources" in stderr.getvalue()) is shown


def test_cli_workers_option() -> None:
    """``--workers N`` reaches the report; without it the number is chosen by export size."""
    parser = build_parser()
    assert parser.parse_args(["population", "export"]).workers is None
    assert parser.parse_args(["population", "export", "--workers", "2"]).workers == 2


@pytest.mark.parametrize("given", ["0", "-1", "1.5", "two"])
def test_error_cli_workers(given: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["population", str(tmp_path), "--workers", given]) == 2
    assert "--workers" in capsys.readouterr().err
