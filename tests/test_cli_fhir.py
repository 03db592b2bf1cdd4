"""The command line's FHIR round: rank from a patient's bundle, write FHIR resources."""

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from painmodalities import default_catalog
from painmodalities.cli import main
from tests.samples import FHIR_FIXTURES

BRENDA = str(FHIR_FIXTURES / "brenda_jackson.json")
PACKAGES = {"R4B": "fhir.resources.R4B", "R5": "fhir.resources"}


def _valid(bundle: dict[str, Any], version: str) -> None:
    """The bundle and each resource in it parse with the version's fhir.resources models."""
    package = importlib.import_module(PACKAGES[version])
    package.get_fhir_model_class("Bundle").model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        package.get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_rank_from_fixture_bundle(capsys: pytest.CaptureFixture[str]) -> None:
    """Ranking from a bundle covers each pain type in it and warns about what it skipped."""
    assert main(["rank", "--fhir", BRENDA, "--as-of", "2024-01-01", "--top", "2"]) == 0
    out, err = capsys.readouterr()
    assert "Ranking for chronic low back pain" in out
    assert "Ranking for chronic fibromyalgia" in out
    assert out.index("chronic low back pain") < out.index("chronic fibromyalgia")
    assert "painmodalities: warning:" in err
    assert "202725007" in err  # the condition the catalog does not cover is reported
    assert "444831000124102" not in err  # the referrals are read, no longer unmapped
    assert "Traceback" not in err


def _two_patients(tmp_path: Path) -> str:
    def condition(patient: str, code: str) -> dict[str, Any]:
        return {
            "resourceType": "Condition",
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]},
            "subject": {"reference": f"Patient/{patient}"},
            "onsetDateTime": "2020-01-01",
        }

    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "a"}},
            {"resource": {"resourceType": "Patient", "id": "b"}},
            {"resource": condition("a", "M54.5")},
            {"resource": condition("b", "M54.2")},
        ],
    }
    path = tmp_path / "two.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("patient", "ranked", "left_out"),
    [("a", "chronic low back pain", "Patient/b"), ("Patient/b", "chronic neck pain", "Patient/a")],
)
def test_rank_from_bundle_for_one_patient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], patient: str, ranked: str, left_out: str
) -> None:
    """--patient picks one patient of a bundle; the other's condition is reported."""
    argv = ["rank", "--fhir", _two_patients(tmp_path), "--as-of", "2024-01-01", "--top", "1"]
    assert main([*argv, "--patient", patient]) == 0
    out, err = capsys.readouterr()
    assert f"Ranking for {ranked}" in out
    assert out.count("Ranking for") == 1
    assert f"its subject {left_out}" in err


def test_error_bundle_of_two_patients_without_patient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bundle of two patients without --patient is refused (exit 1), naming both in full
    and pointing at the command line's --patient (not a Python argument).
    """
    bundle = _two_patients(tmp_path)
    assert main(["rank", "--fhir", bundle, "--as-of", "2024-01-01"]) == 1
    err = capsys.readouterr().err
    assert err == (
        f'painmodalities: error: {bundle}: the bundle holds 2 patients: "Patient/a", '
        '"Patient/b"; choose one with --patient ID\n'
    )


def test_error_unknown_patient(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A --patient the bundle does not hold is refused (exit 1)."""
    argv = ["rank", "--fhir", _two_patients(tmp_path), "--as-of", "2024-01-01"]
    assert main([*argv, "--patient", "c"]) == 1
    assert "$.patient" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rank", "low_back", "chronic", "--fhir", BRENDA], "not both"),
        (["rank", "low_back", "--weeks", "20", "--fhir", BRENDA], "not both"),
        (["rank", "low_back", "--fhir", BRENDA], "not both"),
        (["rank", "low_back", "chronic", "--patient", "a"], "--patient needs --fhir"),
    ],
)
def test_error_contradictory_fhir_arguments(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pain type given beside --fhir, or --patient without it, is a usage error (exit 2)."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "usage:" in err
    assert message in err


def test_error_invalid_bundle_names_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bundle that is not valid FHIR is named with the path to its bad value (exit 1)."""
    bundle = tmp_path / "record.json"
    bundle.write_text(
        json.dumps(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [
                    {"resource": {"resourceType": "Patient", "id": "p1"}},
                    {
                        "resource": {
                            "resourceType": "Condition",
                            "subject": {"reference": "Patient/p1"},
                            "code": 7,
                        }
                    },
                ],
            }
        )
    )
    assert main(["rank", "--fhir", str(bundle)]) == 1
    err = capsys.readouterr().err
    assert f"error: {bundle}: $.entry[1].resource.code: expected valid FHIR" in err


@pytest.mark.parametrize("version", ["R4B", "R5"])
def test_rank_from_bundle_as_fhir(version: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Ranking from a bundle as FHIR writes one valid bundle per pain type, for the patient."""
    argv = ["rank", "--fhir", BRENDA, "--as-of", "2024-01-01", "--format", "fhir"]
    assert main([*argv, "--fhir-version", version]) == 0
    bundles = json.loads(capsys.readouterr().out)
    assert len(bundles) == 2
    for bundle in bundles:
        _valid(bundle, version)
        response = bundle["entry"][0]["resource"]
        assert response["resourceType"] == "GuidanceResponse"
        assert response["subject"]["reference"].startswith("Patient/5c41cecf")


def test_rank_condition_as_fhir(capsys: pytest.CaptureFixture[str]) -> None:
    """The rank CONDITION PHASE --format fhir command writes one R4B bundle by default."""
    assert main(["rank", "neck", "chronic", "--format", "fhir", "--top", "3"]) == 0
    bundle = json.loads(capsys.readouterr().out)
    _valid(bundle, "R4B")
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds[0] == "GuidanceResponse"
    assert "RequestGroup" in kinds


def test_export_catalog_as_fhir(capsys: pytest.CaptureFixture[str]) -> None:
    """Exporting as FHIR writes one ActivityDefinition per modality, in a valid bundle."""
    assert main(["export", "--format", "fhir", "--fhir-version", "R5"]) == 0
    bundle = json.loads(capsys.readouterr().out)
    _valid(bundle, "R5")
    definitions = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "ActivityDefinition"
    ]
    assert len(definitions) == len(default_catalog())


def test_error_missing_bundle(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A bundle file that does not exist is a library error (exit 1), not a traceback."""
    assert main(["rank", "--fhir", str(tmp_path / "nope.json"), "--as-of", "2024-01-01"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("painmodalities: error: ")
    assert "nope.json" in err


def test_error_bundle_without_pain(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A bundle that names no pain condition the catalog knows ends with a clear error."""
    path = tmp_path / "empty.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}))
    assert main(["rank", "--fhir", str(path), "--as-of", "2024-01-01"]) == 1
    err = capsys.readouterr().err
    assert "names no pain condition the catalog knows" in err


def test_error_not_a_bundle(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A resource that is not a Bundle is refused with its path."""
    path = tmp_path / "patient.json"
    path.write_text(json.dumps({"resourceType": "Patient", "id": "p"}))
    assert main(["rank", "--fhir", str(path), "--as-of", "2024-01-01"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"painmodalities: error: {path}: $.resourceType")


def test_rank_shows_what_the_record_says_was_referred(capsys: pytest.CaptureFixture[str]) -> None:
    """Beside the ranking, what the record says was already referred to, with dates, in the
    dossier's words: a referral to a chiropractor is never "had spinal manipulation".
    """
    assert main(["rank", "--fhir", BRENDA, "--as-of", "2024-01-01"]) == 0
    out = capsys.readouterr().out
    back = out[: out.index("Ranking for chronic fibromyalgia")]
    assert "Already in the record (FHIR bundle):" in back
    flat = " ".join(back.split())
    assert (
        "- manual.spinal_manipulation (approximate: the record names a provider or a broad "
        "therapy): referred to a chiropractor on 2023-01-31"
    ) in flat
    assert "- physical_therapy.programme: referred for physical therapy on 2023-01-31" in flat
    # One family-level referral is one line, naming what it concerns, marked approximate.
    assert (
        "- psychological.cbt, psychological.mindfulness (family-level, approximate: the record "
        "names psychological care): referred for psychotherapy on 2022-03-03"
    ) in flat
    assert flat.count("referred for psychotherapy on 2022-03-03") == 1
    assert "had spinal manipulation" not in out
