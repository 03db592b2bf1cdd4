"""The terminology tables shipped in painmodalities.fhir match the dossier's verified rows."""

import csv
from pathlib import Path

import pytest

from painmodalities import Condition, Phase, default_catalog
from painmodalities.fhir import ICD10CM_PREFIXES, SNOMED_VERIFIED, UNCODED_MODALITIES
from painmodalities.fhir._codes import (
    condition_codes,
    icd10cm_condition,
    is_uncoded,
    modality_codes,
)

CODES = Path(__file__).parent / "fixtures" / "codes"


def _rows(name: str) -> list[dict[str, str]]:
    with (CODES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_snomed_table_is_exactly_the_verified_rows() -> None:
    """Every verified row of snomed.csv is shipped, with its display and its marks (generic,
    approximate), and nothing else.
    """
    verified = {
        row["snomed_id"]: (
            row["target"],
            row["display"],
            "generic" in row["status"],
            "approximate" in row["status"],
        )
        for row in _rows("snomed.csv")
        if row["status"].startswith("verified")
    }
    shipped = {
        code: (concept.target, concept.display, concept.generic, concept.approximate)
        for code, concept in SNOMED_VERIFIED.items()
    }
    assert shipped == verified


def test_referral_codes_are_shipped_with_their_words() -> None:
    """The referral rows are shipped: each says what it points to and is worded as a
    referral, never as the modality; only referral codes carry words.
    """
    referrals = {
        code: (concept.refers_to, concept.approximate, concept.words)
        for code, concept in SNOMED_VERIFIED.items()
        if concept.is_referral
    }
    assert referrals == {
        "444831000124102": ("physical_therapy.programme", False, "referred for physical therapy"),
        "308449000": ("manual.spinal_manipulation", True, "referred to a chiropractor"),
        "81294000": ("family:psychological", True, "referred for psychotherapy"),
    }
    kinds = {modality.kind for modality in default_catalog()}
    for concept in SNOMED_VERIFIED.values():
        assert bool(concept.words) is concept.is_referral
        assert not (concept.is_referral and concept.is_modality)
        target = concept.refers_to
        if target is not None and target.startswith("family:"):
            assert target.removeprefix("family:") in kinds
        elif target is not None:
            assert target in default_catalog()
        elif concept.is_modality:
            assert concept.target in default_catalog()


def test_uncoded_modalities_are_the_not_verified_modality_rows() -> None:
    """Modality rows marked not verified (massage, mindfulness) are the uncoded ones."""
    not_verified = {
        row["target"]
        for row in _rows("snomed.csv")
        if not row["status"].startswith("verified") and ":" not in row["target"]
    }
    assert set(UNCODED_MODALITIES) == not_verified


def test_icd10cm_table_is_exactly_the_verified_rows() -> None:
    """Every ICD-10-CM row whose status says verified is shipped; G44.2 (unverified) is not."""
    rows = [(row["prefix"], row["condition"], row["status"]) for row in _rows("icd10cm.csv")]
    verified = {
        prefix: Condition(condition)
        for prefix, condition, status in rows
        if status.startswith("verified")
    }
    assert len(rows) == 6
    assert dict(ICD10CM_PREFIXES) == verified
    assert "G44.2" not in ICD10CM_PREFIXES


def test_no_massage_or_mindfulness_code() -> None:
    """The built-in massage techniques and mindfulness have no SNOMED CT code."""
    for modality in default_catalog():
        if modality.kind == "massage" or modality.id == "psychological.mindfulness":
            assert is_uncoded(modality.id)
            assert modality_codes(modality.id) == ()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # the categories themselves and their children
        ("M54.5", ("M54.5", Condition.LOW_BACK)),
        ("M54.50", ("M54.5", Condition.LOW_BACK)),
        ("M54.59", ("M54.5", Condition.LOW_BACK)),
        ("m54.51", ("M54.5", Condition.LOW_BACK)),
        ("M545", ("M54.5", Condition.LOW_BACK)),
        ("M54.2", ("M54.2", Condition.NECK)),
        ("M17.11", ("M17", Condition.KNEE_OSTEOARTHRITIS)),
        ("M16.0", ("M16", Condition.HIP_OSTEOARTHRITIS)),
        ("M79.7", ("M79.7", Condition.FIBROMYALGIA)),
        # neighbours and parents that are not the condition
        ("M54", None),
        ("M54.4", None),
        ("M54.9", None),
        ("M79.1", None),
        ("M1", None),
        ("G44.209", None),
    ],
)
def test_icd10cm_prefixes(code: str, expected: tuple[str, Condition] | None) -> None:
    """An ICD-10-CM code maps by its verified category prefix, never by a shorter parent."""
    assert icd10cm_condition(code) == expected


@pytest.mark.parametrize(
    ("condition", "phase", "codes"),
    [
        (Condition.LOW_BACK, Phase.CHRONIC, ["278860009"]),
        (Condition.LOW_BACK, Phase.ACUTE, ["278862001"]),
        # no verified concept for subacute low back pain: the plain one, as snomed.csv says
        (Condition.LOW_BACK, Phase.SUBACUTE, ["279039007"]),
        (Condition.NECK, Phase.CHRONIC, ["81680005"]),
        (Condition.FIBROMYALGIA, Phase.ACUTE, ["203082005"]),
        (Condition.TENSION_HEADACHE, Phase.SUBACUTE, ["398057008"]),
    ],
)
def test_condition_codes(condition: Condition, phase: Phase, codes: list[str]) -> None:
    """A pain type is coded with its phase-specific concept where one is verified."""
    assert [concept.code for concept in condition_codes(condition, phase)] == codes


def test_every_condition_has_a_code() -> None:
    """Every condition of the vocabulary has a verified SNOMED CT concept in every phase."""
    for condition in Condition:
        for phase in Phase:
            assert condition_codes(condition, phase)


def test_concepts_know_what_they_code() -> None:
    """Condition, phase-only and modality concepts say what they are."""
    chronic_back = SNOMED_VERIFIED["278860009"]
    assert (chronic_back.condition, chronic_back.phase) == (Condition.LOW_BACK, Phase.CHRONIC)
    assert not chronic_back.is_modality
    chronic_pain = SNOMED_VERIFIED["82423001"]
    assert (chronic_pain.condition, chronic_pain.phase) == (None, Phase.CHRONIC)
    acupuncture = SNOMED_VERIFIED["44868003"]
    assert acupuncture.is_modality
    assert (acupuncture.condition, acupuncture.phase) == (None, None)
