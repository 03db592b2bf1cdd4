"""FHIR import: patient bundles in, pain types and tried modalities out, nothing guessed."""

import copy
import datetime
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import (
    Condition,
    PainModalitiesError,
    PainType,
    Phase,
    UnknownModalityError,
    ValidationError,
)
from painmodalities.fhir import (
    CHRONIC_BY_DEFINITION,
    BundleImport,
    PriorCare,
    prior_care_for,
    read_bundle,
)
from tests.samples import (
    FHIR_FIXTURES,
    FHIR_SUBJECT,
    ICD10CM,
    SNOMED,
    fhir_bundle,
    fhir_condition,
    fhir_fixture,
    fhir_status,
)

AS_OF = datetime.date(2024, 1, 1)
CHRONIC_BACK = PainType(Condition.LOW_BACK, Phase.CHRONIC)
CHRONIC_FIBROMYALGIA = PainType(Condition.FIBROMYALGIA, Phase.CHRONIC)
_BACK = "279039007"  # Low back pain: its phase comes from the onset


def _procedure(code: str, *, status: str = "completed", **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "status": status,
        "code": {"coding": [{"system": SNOMED, "code": code}]},
        "subject": FHIR_SUBJECT,
        **fields,
    }


def _referral(code: str, *, status: str = "active", **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "status": status,
        "intent": "order",
        "code": {"coding": [{"system": SNOMED, "code": code}]},
        "subject": FHIR_SUBJECT,
        **fields,
    }


def _rules(found: BundleImport) -> list[tuple[str, str]]:
    return [(skipped.path, skipped.rule) for skipped in found.skipped]


# -- the fixture bundles ------------------------------------------------------------------


_BRENDA_REFERRALS = [
    (42, "manual.spinal_manipulation", True, "referred to a chiropractor on 2021-03-20"),
    (43, "physical_therapy.programme", False, "referred for physical therapy on 2021-03-20"),
    (44, "family:psychological", True, "referred for psychotherapy on 2022-03-03"),
    (45, "manual.spinal_manipulation", True, "referred to a chiropractor on 2023-01-31"),
    (46, "physical_therapy.programme", False, "referred for physical therapy on 2023-01-31"),
]
_LOIS_REFERRALS = [
    (41, "manual.spinal_manipulation", True, "referred to a chiropractor on 2016-12-02"),
    (42, "physical_therapy.programme", False, "referred for physical therapy on 2016-12-02"),
    (43, "family:psychological", True, "referred for psychotherapy on 2017-11-15"),
    (44, "manual.spinal_manipulation", True, "referred to a chiropractor on 2018-10-15"),
    (45, "physical_therapy.programme", False, "referred for physical therapy on 2018-10-15"),
]


@pytest.mark.parametrize(
    ("name", "fibromyalgia_onset", "back_onset", "referrals"),
    [
        (
            "brenda_jackson",
            datetime.date(2017, 7, 22),
            datetime.date(2013, 2, 28),
            _BRENDA_REFERRALS,
        ),
        ("lois_lane", datetime.date(2013, 4, 5), datetime.date(2008, 11, 12), _LOIS_REFERRALS),
    ],
)
def test_fixture_bundles(
    name: str,
    fibromyalgia_onset: datetime.date,
    back_onset: datetime.date,
    referrals: list[tuple[int, str, bool, str]],
) -> None:
    """The AHRQ test patients have chronic fibromyalgia and chronic low back pain.

    Their referrals are read as the codes README says, in the dossier's words: a referral
    to a chiropractor is approximately spinal manipulation (never "had spinal
    manipulation"), a referral for psychotherapy points to the psychological family, and
    only the referral for physical therapy names a modality itself (so it alone is tried).
    """
    found = read_bundle(FHIR_FIXTURES / f"{name}.json", as_of=AS_OF)
    assert found.pain_types == (CHRONIC_BACK, CHRONIC_FIBROMYALGIA)
    assert found.tried == ("physical_therapy.programme",)
    by_condition = {imported.pain_type.condition: imported for imported in found.conditions}
    fibromyalgia, back = by_condition[Condition.FIBROMYALGIA], by_condition[Condition.LOW_BACK]
    assert (fibromyalgia.system, fibromyalgia.code) == (SNOMED, "203082005")
    assert (back.system, back.code) == (ICD10CM, "M54.5")
    assert (fibromyalgia.onset, back.onset) == (fibromyalgia_onset, back_onset)
    assert (fibromyalgia.phase_from, back.phase_from) == ("definition", "onset")
    assert _rules(found) == [
        ("$.entry[3].resource", "uncoded"),
        ("$.entry[4].resource", "uncoded"),
    ]
    assert "202725007" in found.problems[0]
    assert "Lumbar post-laminectomy syndrome" in found.problems[0]
    assert [
        (prior.path, prior.target, prior.approximate, prior.kind, str(prior))
        for prior in found.prior_care
    ] == [
        (f"$.entry[{index}].resource", target, approximate, "referral", words)
        for index, target, approximate, words in referrals
    ]
    assert [procedure.path for procedure in found.procedures] == [
        f"$.entry[{index}].resource" for index, _, approximate, _ in referrals if not approximate
    ]
    assert not any("had " in prior.words for prior in found.prior_care)
    assert found.notes == ()
    assert found.subject == "Patient/" + fhir_fixture(name)["entry"][0]["resource"]["id"]


def test_fixture_prior_care_for_each_modality() -> None:
    """prior_care_for gives what the record says about one modality, with dates: the
    chiropractor for spinal manipulation, psychotherapy for every psychological therapy.
    """
    found = read_bundle(FHIR_FIXTURES / "brenda_jackson.json", as_of=AS_OF)
    said = {
        modality_id: [str(prior) for prior in prior_care_for(found, modality_id)]
        for modality_id in (
            "manual.spinal_manipulation",
            "physical_therapy.programme",
            "psychological.cbt",
            "psychological.mindfulness",
            "exercise.therapeutic",
            "massage.swedish",
        )
    }
    assert said == {
        "manual.spinal_manipulation": [
            "referred to a chiropractor on 2021-03-20",
            "referred to a chiropractor on 2023-01-31",
        ],
        "physical_therapy.programme": [
            "referred for physical therapy on 2021-03-20",
            "referred for physical therapy on 2023-01-31",
        ],
        "psychological.cbt": ["referred for psychotherapy on 2022-03-03"],
        "psychological.mindfulness": ["referred for psychotherapy on 2022-03-03"],
        "exercise.therapeutic": [],
        "massage.swedish": [],
    }


def test_error_prior_care_for_unknown_modality() -> None:
    """Asking about an id the catalog does not hold is an error, not an empty answer."""
    found = read_bundle(FHIR_FIXTURES / "brenda_jackson.json", as_of=AS_OF)
    with pytest.raises(UnknownModalityError):
        prior_care_for(found, "chiropractic")
    with pytest.raises(ValidationError) as caught:
        prior_care_for("record", "acupuncture")  # type: ignore[arg-type]
    assert (caught.value.path, caught.value.rule) == ("$.record", "type")


def test_prior_care_is_immutable() -> None:
    """Prior care records are frozen."""
    found = read_bundle(FHIR_FIXTURES / "brenda_jackson.json", as_of=AS_OF)
    prior = found.prior_care[0]
    assert isinstance(prior, PriorCare)
    with pytest.raises(AttributeError):
        prior.words = "had spinal manipulation"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("patients", "subject"),
    [
        ([], None),
        ([{"resourceType": "Patient", "id": "p1"}], "Patient/p1"),
        ([{"resourceType": "Patient"}], None),
        ([{"resourceType": "Patient", "id": "not an id"}], None),
        ([{"resourceType": "Patient", "id": "example"}], "Patient/example"),
    ],
)
def test_subject(patients: list[dict[str, Any]], subject: str | None) -> None:
    """The subject is the bundle's one Patient, when there is exactly one with an id."""
    found = read_bundle(
        fhir_bundle(*patients, fhir_condition(onsetDateTime="2020-01-01")), as_of=AS_OF
    )
    assert found.subject == subject


# -- one patient per record -----------------------------------------------------------------


def _of(patient: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {**resource, "subject": {"reference": f"Patient/{patient}"}}


_TWO_PATIENTS = fhir_bundle(
    {"resourceType": "Patient", "id": "a"},
    {"resourceType": "Patient", "id": "b"},
    _of("a", fhir_condition(ICD10CM, "M54.5", onsetDateTime="2020-01-01")),
    _of("b", fhir_condition(SNOMED, "81680005", onsetDateTime="2023-12-20")),
    _of("b", _procedure("44868003", performedDateTime="2023-06-01")),
)


def test_error_two_patients_without_patient() -> None:
    """A bundle of two Patients is refused, naming both, unless one is named."""
    with pytest.raises(ValidationError) as caught:
        read_bundle(_TWO_PATIENTS, as_of=AS_OF)
    assert (caught.value.path, caught.value.rule) == ("$.entry", "several_patients")
    assert caught.value.value == ["Patient/a", "Patient/b"]
    assert "patient=" in str(caught.value)


@pytest.mark.parametrize("name", ["a", "Patient/a"])
def test_two_patients_with_patient_a(name: str) -> None:
    """Named by id or reference, patient a gets only their own resources; b's are reported."""
    found = read_bundle(_TWO_PATIENTS, as_of=AS_OF, patient=name)
    assert found.pain_types == (CHRONIC_BACK,)
    assert (found.tried, found.prior_care, found.subject) == ((), (), "Patient/a")
    assert _rules(found) == [
        ("$.entry[3].resource", "other_patient"),
        ("$.entry[4].resource", "other_patient"),
    ]
    assert found.problems[0] == (
        "$.entry[3].resource (Condition): its subject Patient/b, not the patient read, "
        "Patient/a: left out"
    )


def test_two_patients_with_patient_b() -> None:
    """Patient b gets acute neck pain and acupuncture; a's low back pain is left out."""
    found = read_bundle(_TWO_PATIENTS, as_of=AS_OF, patient="Patient/b")
    assert found.pain_types == (PainType(Condition.NECK, Phase.ACUTE),)
    assert found.tried == ("acupuncture",)
    assert [str(prior) for prior in found.prior_care] == ["had acupuncture on 2023-06-01"]
    assert _rules(found) == [("$.entry[2].resource", "other_patient")]


@pytest.mark.parametrize(
    ("patient", "path", "rule"),
    [
        ("c", "$.patient", "unknown_patient"),
        ("Patient/c", "$.patient", "unknown_patient"),
        ("Group/a", "$.patient", "unknown_patient"),
        ("", "$.patient", "type"),
        (1, "$.patient", "type"),
    ],
)
def test_error_unknown_patient(patient: Any, path: str, rule: str) -> None:
    """A named patient the bundle does not hold is an error listing those it holds."""
    with pytest.raises(ValidationError) as caught:
        read_bundle(_TWO_PATIENTS, as_of=AS_OF, patient=patient)
    assert (caught.value.path, caught.value.rule, caught.value.value) == (path, rule, patient)
    if rule == "unknown_patient":
        assert '"Patient/a", "Patient/b"' in caught.value.expected


def test_condition_of_another_subject_is_left_out() -> None:
    """With one Patient, a Condition whose subject is someone else is reported, not given."""
    found = read_bundle(
        fhir_bundle(
            {"resourceType": "Patient", "id": "example"},
            fhir_condition(ICD10CM, "M54.5", onsetDateTime="2020-01-01"),
            _of("someone-else", fhir_condition(SNOMED, "81680005", onsetDateTime="2020-01-01")),
            {**fhir_condition(SNOMED, "81680005"), "subject": {"display": "no reference"}},
        ),
        as_of=AS_OF,
    )
    assert found.pain_types == (CHRONIC_BACK,)
    assert _rules(found) == [
        ("$.entry[2].resource", "other_patient"),
        ("$.entry[3].resource", "other_patient"),
    ]
    assert found.problems[0] == (
        "$.entry[2].resource (Condition): its subject Patient/someone-else, "
        "not the patient read, Patient/example: left out"
    )
    assert "has no reference" in found.problems[1]


def test_error_subjects_of_two_patients_without_a_patient_resource() -> None:
    """Without Patient resources, subjects naming two patients are refused the same way."""
    bundle = fhir_bundle(
        _of("a", fhir_condition(onsetDateTime="2020-01-01")),
        _of("b", fhir_condition(onsetDateTime="2020-01-01")),
    )
    with pytest.raises(ValidationError) as caught:
        read_bundle(bundle, as_of=AS_OF)
    assert (caught.value.rule, caught.value.value) == (
        "several_patients",
        ["Patient/a", "Patient/b"],
    )
    found = read_bundle(bundle, as_of=AS_OF, patient="b")
    assert found.pain_types == (CHRONIC_FIBROMYALGIA,)
    assert found.subject is None
    assert _rules(found) == [("$.entry[0].resource", "other_patient")]


def test_subject_by_full_url_and_absolute_reference() -> None:
    """A subject may reference the Patient entry's fullUrl or its absolute URL."""
    found = read_bundle(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": "urn:uuid:p-1", "resource": {"resourceType": "Patient", "id": "p1"}},
                {
                    "resource": {
                        **fhir_condition(ICD10CM, "M54.5", onsetDateTime="2020-01-01"),
                        "subject": {"reference": "urn:uuid:p-1"},
                    }
                },
                {"resource": _of("p1", _procedure("44868003"))},
                {
                    "resource": {
                        **_procedure("229065009"),
                        "subject": {"reference": "https://example.org/fhir/Patient/p1"},
                    }
                },
            ],
        },
        as_of=AS_OF,
    )
    assert found.pain_types == (CHRONIC_BACK,)
    assert found.tried == ("acupuncture", "exercise.therapeutic")
    assert found.skipped == ()


def test_fixture_read_every_way() -> None:
    """A path, a path string, JSON text, bytes and the parsed dict all read the same."""
    path = FHIR_FIXTURES / "brenda_jackson.json"
    text = path.read_text(encoding="utf-8")
    reads = [
        read_bundle(path, as_of=AS_OF),
        read_bundle(str(path), as_of=AS_OF),
        read_bundle(text, as_of=AS_OF),
        read_bundle(text.encode("utf-8"), as_of=AS_OF),
        read_bundle(json.loads(text), as_of=AS_OF),
        read_bundle(
            path, as_of=datetime.datetime(2024, 1, 1, 23, 59, tzinfo=datetime.timezone.utc)
        ),
    ]
    assert all(found == reads[0] for found in reads)


@pytest.mark.parametrize(
    ("as_of", "onset_phase"),
    [
        # onset 2017-07-22: 10 days later is acute, 8 weeks subacute, 13 weeks chronic
        (datetime.date(2017, 8, 1), Phase.ACUTE),
        (datetime.date(2017, 9, 16), Phase.SUBACUTE),
        (datetime.date(2017, 10, 14), Phase.SUBACUTE),  # exactly 12 weeks
        (datetime.date(2017, 10, 15), Phase.CHRONIC),
    ],
)
def test_fixture_fibromyalgia_is_chronic_whatever_as_of(
    as_of: datetime.date, onset_phase: Phase
) -> None:
    """Fibromyalgia is chronic by definition, whatever the weeks since onset; the notes say
    so when the onset alone would have given another phase.
    """
    found = read_bundle(FHIR_FIXTURES / "brenda_jackson.json", as_of=as_of)
    assert found.pain_types == (CHRONIC_BACK, CHRONIC_FIBROMYALGIA)
    if onset_phase is Phase.CHRONIC:
        assert found.notes == ()
    else:
        assert found.notes == (
            "$.entry[1].resource: fibromyalgia is chronic by definition, read as chronic "
            f"whatever its onset (onset 2017-07-22 alone would give {onset_phase.value} "
            f"as of {as_of.isoformat()})",
        )


@pytest.mark.parametrize(
    ("days", "phase"), [(10, Phase.ACUTE), (50, Phase.SUBACUTE), (200, Phase.CHRONIC)]
)
def test_low_back_phase_moves_with_onset(days: int, phase: Phase) -> None:
    """Low back pain takes its phase from the weeks since onset, in the ACP bands."""
    onset = (AS_OF - datetime.timedelta(days=days)).isoformat()
    found = read_bundle(
        fhir_bundle(fhir_condition(ICD10CM, "M54.5", onsetDateTime=onset)), as_of=AS_OF
    )
    assert found.pain_types == (PainType(Condition.LOW_BACK, phase),)
    assert found.conditions[0].phase_from == "onset"
    assert found.notes == ()


@pytest.mark.parametrize(
    ("system", "code", "condition", "words"),
    [
        (SNOMED, "203082005", Condition.FIBROMYALGIA, "fibromyalgia"),
        (ICD10CM, "M79.7", Condition.FIBROMYALGIA, "fibromyalgia"),
        (SNOMED, "239873007", Condition.KNEE_OSTEOARTHRITIS, "knee osteoarthritis"),
        (ICD10CM, "M17.11", Condition.KNEE_OSTEOARTHRITIS, "knee osteoarthritis"),
        (SNOMED, "239872002", Condition.HIP_OSTEOARTHRITIS, "hip osteoarthritis"),
    ],
)
def test_recent_onset_chronic_by_definition(
    system: str, code: str, condition: Condition, words: str
) -> None:
    """Fibromyalgia and knee or hip osteoarthritis recorded 12 days ago are chronic, and the
    report says so.
    """
    found = read_bundle(
        fhir_bundle(fhir_condition(system, code, onsetDateTime="2023-12-20")), as_of=AS_OF
    )
    assert found.pain_types == (PainType(condition, Phase.CHRONIC),)
    assert found.conditions[0].phase_from == "definition"
    assert found.notes == (
        f"$.entry[0].resource: {words} is chronic by definition, read as chronic whatever "
        "its onset (onset 2023-12-20 alone would give acute as of 2024-01-01)",
    )
    assert {
        Condition.KNEE_OSTEOARTHRITIS,
        Condition.HIP_OSTEOARTHRITIS,
        Condition.FIBROMYALGIA,
    } == CHRONIC_BY_DEFINITION


def test_fixture_before_onset() -> None:
    """A condition whose onset is after the "as of" date is reported, not imported."""
    found = read_bundle(FHIR_FIXTURES / "brenda_jackson.json", as_of=datetime.date(2017, 1, 1))
    assert found.pain_types == (CHRONIC_BACK,)
    assert ("$.entry[1].resource", "future") in _rules(found)


# -- example table of single resources ----------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "pain_type", "rule"),
    [
        # clinical status
        (fhir_condition(onsetDateTime="2020-01-01"), CHRONIC_FIBROMYALGIA, None),
        (
            fhir_condition(clinical="recurrence", onsetDateTime="2020-01-01"),
            CHRONIC_FIBROMYALGIA,
            None,
        ),
        (fhir_condition(clinical=None, onsetDateTime="2020-01-01"), CHRONIC_FIBROMYALGIA, None),
        (fhir_condition(clinical="inactive", onsetDateTime="2020-01-01"), None, "inactive"),
        (fhir_condition(clinical="resolved", onsetDateTime="2020-01-01"), None, "inactive"),
        (fhir_condition(clinical="remission", onsetDateTime="2020-01-01"), None, "inactive"),
        (
            fhir_condition(
                onsetDateTime="2020-01-01",
                verificationStatus=fhir_status("condition-ver-status", "refuted"),
            ),
            None,
            "refuted",
        ),
        # onset forms (low back pain takes its phase from the onset)
        (
            fhir_condition(SNOMED, _BACK, onsetDateTime="2023-12-20"),
            PainType(Condition.LOW_BACK, Phase.ACUTE),
            None,
        ),
        (
            fhir_condition(
                SNOMED, _BACK, onsetPeriod={"start": "2023-11-01", "end": "2023-11-05"}
            ),
            PainType(Condition.LOW_BACK, Phase.SUBACUTE),
            None,
        ),
        (fhir_condition(SNOMED, _BACK, onsetDateTime="2019"), CHRONIC_BACK, None),
        (fhir_condition(SNOMED, _BACK, onsetDateTime="2023-12"), None, "imprecise_onset"),
        (fhir_condition(SNOMED, _BACK, onsetDateTime="2023-02"), CHRONIC_BACK, None),
        (fhir_condition(SNOMED, _BACK, onsetDateTime="9999-12"), None, "future"),
        (fhir_condition(SNOMED, _BACK, onsetDateTime="2024-02-01"), None, "future"),
        (fhir_condition(SNOMED, _BACK), None, "undated"),
        (fhir_condition(SNOMED, _BACK, onsetString="since childhood"), None, "undated"),
        (fhir_condition(SNOMED, _BACK, onsetAge={"value": 40, "unit": "a"}), None, "undated"),
        # chronic by definition, whatever the onset, and with none
        (fhir_condition(onsetDateTime="2023-12-20"), CHRONIC_FIBROMYALGIA, None),
        (fhir_condition(onsetDateTime="2023-12"), CHRONIC_FIBROMYALGIA, None),
        (fhir_condition(), CHRONIC_FIBROMYALGIA, None),
        (fhir_condition(onsetString="since childhood"), CHRONIC_FIBROMYALGIA, None),
        (fhir_condition(onsetDateTime="2024-02-01"), None, "future"),
        # abatement
        (
            fhir_condition(onsetDateTime="2020-01-01", abatementDateTime="2023-06-01"),
            None,
            "abated",
        ),
        (
            fhir_condition(onsetDateTime="2020-01-01", abatementDateTime="2024-06-01"),
            CHRONIC_FIBROMYALGIA,
            None,
        ),
        # codes
        (fhir_condition(ICD10CM, "M54.50", onsetDateTime="2020-01-01"), CHRONIC_BACK, None),
        (
            fhir_condition(ICD10CM, "M17.11", onsetDateTime="2023-12-01"),
            PainType(Condition.KNEE_OSTEOARTHRITIS, Phase.CHRONIC),
            None,
        ),
        (fhir_condition(ICD10CM, "G44.209", onsetDateTime="2020-01-01"), None, "uncoded"),
        (fhir_condition(SNOMED, "82423001", onsetDateTime="2020-01-01"), None, "uncoded"),
        (fhir_condition(SNOMED, "44868003", onsetDateTime="2020-01-01"), None, "uncoded"),
        (
            fhir_condition("http://example.org/local", "203082005", onsetDateTime="2020-01-01"),
            None,
            "uncoded",
        ),
        (
            fhir_condition(SNOMED, "279039007", onsetDateTime="2023-11-01"),
            PainType(Condition.LOW_BACK, Phase.SUBACUTE),
            None,
        ),
        # a concept that fixes the phase wins over the onset, and needs none
        (fhir_condition(SNOMED, "278860009"), CHRONIC_BACK, None),
        (fhir_condition(SNOMED, "278860009", onsetDateTime="2023-12-20"), CHRONIC_BACK, None),
        (
            fhir_condition(SNOMED, "278862001", onsetDateTime="2020-01-01"),
            PainType(Condition.LOW_BACK, Phase.ACUTE),
            None,
        ),
        (
            {
                **fhir_condition(onsetDateTime="2020-01-01"),
                "code": {
                    "coding": [
                        {"system": SNOMED, "code": "203082005"},
                        {"system": ICD10CM, "code": "M54.5"},
                    ]
                },
            },
            None,
            "ambiguous",
        ),
    ],
)
def test_condition_table(
    resource: dict[str, Any], pain_type: PainType | None, rule: str | None
) -> None:
    """Each Condition gives its pain type or is skipped with the rule that says why."""
    found = read_bundle(fhir_bundle(resource), as_of=AS_OF)
    if pain_type is not None:
        assert found.pain_types == (pain_type,)
        assert found.skipped == ()
    else:
        assert found.pain_types == ()
        assert _rules(found) == [("$.entry[0].resource", rule), ("$", "no_pain_condition")]


def test_coded_phase_disagreeing_with_onset_is_noted() -> None:
    """When the code fixes a phase the onset contradicts, the code wins and a note says so."""
    found = read_bundle(
        fhir_bundle(fhir_condition(SNOMED, "278860009", onsetDateTime="2023-12-20")), as_of=AS_OF
    )
    (imported,) = found.conditions
    assert imported.phase_from == "code"
    assert found.notes == (
        "$.entry[0].resource: the code says chronic but the onset (2023-12-20) gives acute "
        "as of 2024-01-01; the coded phase is used",
    )


@pytest.mark.parametrize(
    ("resource", "tried", "rule"),
    [
        (_procedure("229065009"), "exercise.therapeutic", None),
        (_procedure("44868003", performedDateTime="2023-05-01"), "acupuncture", None),
        (
            _procedure("91251008", performedPeriod={"start": "2023-05-01"}),
            "physical_therapy.programme",
            None,
        ),
        (_procedure("228557008", status="in-progress"), "psychological.cbt", None),
        (_procedure("44868003", status="not-done"), None, "not_tried"),
        (_procedure("44868003", status="entered-in-error"), None, "not_tried"),
        (_procedure("44868003", performedDateTime="2024-03-01"), None, "future"),
        (_procedure("52052004"), None, "generic"),
        (_procedure("278414003"), None, "generic"),
        (_procedure("444831000124102"), "physical_therapy.programme", None),
        (_procedure("203082005"), None, "unmapped"),
        (_referral("229224000"), "exercise.yoga", None),
        (_referral("229223006", authoredOn="2023-02-01"), "exercise.tai_chi", None),
        (_referral("229223006", status="revoked"), None, "not_tried"),
        (_referral("229223006", status="draft"), None, "not_tried"),
        (_referral("229223006", doNotPerform=True), None, "not_tried"),
        ({**_referral("229223006"), "intent": "proposal"}, None, "not_tried"),
        ({**_referral("229223006"), "intent": "option"}, None, "not_tried"),
        ({**_referral("229223006"), "intent": "plan"}, "exercise.tai_chi", None),
        (_referral("266694003", occurrenceDateTime="2025-01-01"), None, "future"),
        (_referral("308449000"), None, None),  # approximate: prior care, not tried
        (_referral("81294000", status="revoked"), None, "not_tried"),
        ({**_procedure("44868003"), "code": {"text": "acupuncture"}}, None, "unmapped"),
        (
            {
                **_procedure("44868003"),
                "code": {
                    "coding": [
                        {"system": SNOMED, "code": "44868003"},
                        {"system": SNOMED, "code": "308449000"},
                    ]
                },
            },
            None,
            "ambiguous",
        ),
    ],
)
def test_procedure_table(resource: dict[str, Any], tried: str | None, rule: str | None) -> None:
    """Each Procedure or ServiceRequest gives a tried modality, prior care only (an
    approximate referral), or is skipped, with why.
    """
    found = read_bundle(
        fhir_bundle(fhir_condition(onsetDateTime="2020-01-01"), resource), as_of=AS_OF
    )
    assert found.pain_types == (CHRONIC_FIBROMYALGIA,)
    if tried is not None:
        assert found.tried == (tried,)
        assert found.skipped == ()
        assert found.procedures[0].path == "$.entry[1].resource"
    else:
        assert found.tried == ()
        assert _rules(found) == ([] if rule is None else [("$.entry[1].resource", rule)])
    assert len(found.prior_care) == (rule is None)


@pytest.mark.parametrize(
    ("resource", "words"),
    [
        (_procedure("44868003", performedDateTime="2023-05-01"), "had acupuncture on 2023-05-01"),
        (_procedure("229223006"), "had tai chi and qigong, date not recorded"),
        (
            _procedure("229559001", performedPeriod={"start": "2023-05-01"}),
            "had transcutaneous electrical nerve stimulation (TENS) on 2023-05-01",
        ),
        (_referral("229224000", authoredOn="2023-02-01"), "referred for yoga on 2023-02-01"),
        (
            _referral("308449000", authoredOn="2023-01-31T10:00:00Z"),
            "referred to a chiropractor on 2023-01-31",
        ),
        (
            _procedure("81294000", performedDateTime="2022-03-03"),
            "referred for psychotherapy on 2022-03-03",
        ),
        (
            _procedure("444831000124102", performedDateTime="2022-03-03"),
            "referred for physical therapy on 2022-03-03",
        ),
    ],
)
def test_prior_care_words(resource: dict[str, Any], words: str) -> None:
    """A modality's own code in a Procedure means it was done; in a ServiceRequest, a
    referral for it; a referral code is worded as the referral, never as the modality.
    """
    found = read_bundle(fhir_bundle(resource), as_of=AS_OF)
    (prior,) = found.prior_care
    assert prior.words == str(prior) == words
    assert prior.kind == ("procedure" if words.startswith("had ") else "referral")


def test_tried_is_sorted_and_unique() -> None:
    """Modalities tried are sorted ids, each once however often it appears."""
    found = read_bundle(
        fhir_bundle(_procedure("44868003"), _referral("229065009"), _procedure("44868003")),
        as_of=AS_OF,
    )
    assert found.tried == ("acupuncture", "exercise.therapeutic")
    assert len(found.procedures) == 3


def test_other_resources_are_left_alone() -> None:
    """Entries the importer does not read (a Patient, entries without a resource) are ignored."""
    found = read_bundle(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                {"resource": {"resourceType": "Patient", "id": "example"}},
                {"fullUrl": "urn:uuid:1"},
                {"resource": fhir_condition(onsetDateTime="2020-01-01")},
            ],
        },
        as_of=AS_OF,
    )
    assert found.pain_types == (CHRONIC_FIBROMYALGIA,)
    assert found.skipped == ()


# -- generated bundles ---------------------------------------------------------------------

_CONDITION_CODES: list[tuple[str, str, Condition | None, Phase | None]] = [
    (SNOMED, "203082005", Condition.FIBROMYALGIA, None),
    (SNOMED, "279039007", Condition.LOW_BACK, None),
    (SNOMED, "278860009", Condition.LOW_BACK, Phase.CHRONIC),
    (SNOMED, "278862001", Condition.LOW_BACK, Phase.ACUTE),
    (SNOMED, "81680005", Condition.NECK, None),
    (SNOMED, "239873007", Condition.KNEE_OSTEOARTHRITIS, None),
    (SNOMED, "239872002", Condition.HIP_OSTEOARTHRITIS, None),
    (SNOMED, "398057008", Condition.TENSION_HEADACHE, None),
    (ICD10CM, "M54.5", Condition.LOW_BACK, None),
    (ICD10CM, "M54.59", Condition.LOW_BACK, None),
    (ICD10CM, "M54.2", Condition.NECK, None),
    (ICD10CM, "M17.0", Condition.KNEE_OSTEOARTHRITIS, None),
    (ICD10CM, "M16.9", Condition.HIP_OSTEOARTHRITIS, None),
    (ICD10CM, "M79.7", Condition.FIBROMYALGIA, None),
    # not mapped: unverified or not a condition the catalog covers
    (SNOMED, "202725007", None, None),
    (SNOMED, "832007", None, None),
    (SNOMED, "82423001", None, None),
    (SNOMED, "274663001", None, None),
    (ICD10CM, "G44.209", None, None),
    (ICD10CM, "M54.9", None, None),
    ("http://example.org/local-codes", "M54.5", None, None),
]
_GONE = {"inactive", "resolved", "remission"}


@st.composite
def _condition_cases(draw: st.DrawFn) -> tuple[dict[str, Any], PainType | None, str | None]:
    system, code, condition, fixed = draw(st.sampled_from(_CONDITION_CODES))
    clinical = draw(st.sampled_from([None, "active", "recurrence", "relapse", *sorted(_GONE)]))
    onset_days = draw(st.none() | st.integers(min_value=-60, max_value=3000))
    abated_days = draw(st.none() | st.integers(min_value=-60, max_value=3000))
    form = draw(st.sampled_from(["date", "dateTime", "period"]))
    fields: dict[str, Any] = {}
    if onset_days is not None:
        onset = AS_OF - datetime.timedelta(days=onset_days)
        if form == "date":
            fields["onsetDateTime"] = onset.isoformat()
        elif form == "dateTime":
            fields["onsetDateTime"] = f"{onset.isoformat()}T10:30:00+02:00"
        else:
            fields["onsetPeriod"] = {"start": onset.isoformat()}
    if abated_days is not None:
        fields["abatementDateTime"] = (AS_OF - datetime.timedelta(days=abated_days)).isoformat()
    resource = fhir_condition(system, code, clinical=clinical, **fields)
    return (resource, *_expected(clinical, condition, fixed, onset_days, abated_days))


def _expected(
    clinical: str | None,
    condition: Condition | None,
    fixed: Phase | None,
    onset_days: int | None,
    abated_days: int | None,
) -> tuple[PainType | None, str | None]:
    """The rules of the importer, stated plainly, in the order it applies them."""
    rule = (
        "inactive"
        if clinical in _GONE
        else "uncoded"
        if condition is None
        else "abated"
        if abated_days is not None and abated_days > 0
        else "future"
        if onset_days is not None and onset_days < 0
        else None
        if fixed is not None or condition in CHRONIC_BY_DEFINITION
        else "undated"
        if onset_days is None
        else None
    )
    if rule is not None or condition is None:
        return None, rule
    if fixed is not None:
        return PainType(condition, fixed), None
    if condition in CHRONIC_BY_DEFINITION:
        return PainType(condition, Phase.CHRONIC), None
    assert onset_days is not None
    return PainType(condition, Phase.from_weeks(onset_days / 7)), None


_PROCEDURE_CODES: list[tuple[str, str | None, str | None]] = [
    ("229065009", "exercise.therapeutic", None),
    ("91251008", "physical_therapy.programme", None),
    ("44275008", "manual.spinal_manipulation", None),
    ("44868003", "acupuncture", None),
    ("228557008", "psychological.cbt", None),
    ("229559001", "physical_agent.tens", None),
    ("52052004", None, "generic"),
    ("278414003", None, "generic"),
    ("444831000124102", "physical_therapy.programme", None),
    # approximate referrals: prior care, never tried
    ("308449000", None, None),
    ("81294000", None, None),
    ("278860009", None, "unmapped"),
]
_STATUSES = {
    "Procedure": (
        ["completed", "in-progress", "stopped", "on-hold", "unknown"],
        ["not-done", "entered-in-error", "preparation"],
    ),
    "ServiceRequest": (
        ["active", "completed", "on-hold", "unknown"],
        ["draft", "revoked", "entered-in-error"],
    ),
}


@st.composite
def _procedure_cases(draw: st.DrawFn) -> tuple[dict[str, Any], str | None, str | None]:
    kind = draw(st.sampled_from(["Procedure", "ServiceRequest"]))
    code, target, unmapped = draw(st.sampled_from(_PROCEDURE_CODES))
    done, not_done = _STATUSES[kind]
    tried_status = draw(st.booleans())
    status = draw(st.sampled_from(done if tried_status else not_done))
    days = draw(st.none() | st.integers(min_value=-60, max_value=3000))
    fields: dict[str, Any] = {}
    if days is not None:
        when = (AS_OF - datetime.timedelta(days=days)).isoformat()
        fields["performedDateTime" if kind == "Procedure" else "authoredOn"] = when
    build = _procedure if kind == "Procedure" else _referral
    resource = build(code, status=status, **fields)
    if not tried_status:
        return resource, None, "not_tried"
    if target is None and unmapped is not None:
        return resource, None, unmapped
    if days is not None and days < 0:
        return resource, None, "future"
    return resource, target, None


@given(
    conditions=st.lists(_condition_cases(), max_size=6),
    procedures=st.lists(_procedure_cases(), max_size=4),
)
def test_generated_bundles(
    conditions: list[tuple[dict[str, Any], PainType | None, str | None]],
    procedures: list[tuple[dict[str, Any], str | None, str | None]],
) -> None:
    """Varied onsets, statuses and code systems import as the rules say, entry by entry."""
    cases: list[tuple[dict[str, Any], object, str | None]] = [*conditions, *procedures]
    found = read_bundle(fhir_bundle(*(resource for resource, _, _ in cases)), as_of=AS_OF)
    expected_rules = [
        (f"$.entry[{index}].resource", rule)
        for index, (_, _, rule) in enumerate(cases)
        if rule is not None
    ]
    if not any(pain_type is not None for _, pain_type, _ in conditions):
        expected_rules.append(("$", "no_pain_condition"))
    if not cases:
        expected_rules.insert(0, ("$", "no_entries"))
    assert _rules(found) == expected_rules
    assert found.pain_types == tuple(
        sorted({pain_type for _, pain_type, _ in conditions if pain_type is not None})
    )
    assert found.tried == tuple(sorted({tried for _, tried, _ in procedures if tried is not None}))
    assert len(found.problems) == len(expected_rules)
    assert len(found.prior_care) == sum(rule is None for _, _, rule in procedures)
    assert all(prior.words.startswith(("had ", "referred ")) for prior in found.prior_care)
    assert {prior.modality_id for prior in found.prior_care if not prior.approximate} == set(
        found.tried
    )


@given(
    cases=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),
            _condition_cases() | _procedure_cases(),
        ),
        max_size=8,
    ),
    patients=st.lists(st.sampled_from(["a", "b", "c"]), unique=True),
    chosen=st.sampled_from(["a", "b", "c"]),
    by_reference=st.booleans(),
)
def test_generated_bundles_of_several_patients(
    cases: list[tuple[str, tuple[dict[str, Any], object, str | None]]],
    patients: list[str],
    chosen: str,
    by_reference: bool,
) -> None:
    """Read for one patient, a bundle of several gives exactly what that patient's own
    resources give; every other patient's resource is reported as ``other_patient``; with
    several patients and none named, the bundle is refused naming them all.
    """
    owners = [owner for owner, _ in cases]
    mixed = fhir_bundle(
        *({"resourceType": "Patient", "id": name} for name in patients),
        *(_of(owner, resource) for owner, (resource, _, _) in cases),
    )
    known = patients or list(dict.fromkeys(owners))
    if len(known) > 1:
        with pytest.raises(ValidationError) as caught:
            read_bundle(mixed, as_of=AS_OF)
        assert caught.value.value == [f"Patient/{name}" for name in known]
    if chosen not in known:
        with pytest.raises(ValidationError) as unknown:
            read_bundle(mixed, as_of=AS_OF, patient=chosen)
        assert unknown.value.rule == "unknown_patient"
        return
    found = read_bundle(
        mixed, as_of=AS_OF, patient=f"Patient/{chosen}" if by_reference else chosen
    )
    own = read_bundle(
        fhir_bundle(*(_of(owner, r) for owner, (r, _, _) in cases if owner == chosen)), as_of=AS_OF
    )
    assert (found.pain_types, found.tried) == (own.pain_types, own.tried)
    assert [str(prior) for prior in found.prior_care] == [str(prior) for prior in own.prior_care]
    # the same notes, each at its own path in its own bundle
    assert [note.partition(": ")[2] for note in found.notes] == [
        note.partition(": ")[2] for note in own.notes
    ]
    first = len(patients)
    others = [
        (f"$.entry[{first + index}].resource", "other_patient")
        for index, owner in enumerate(owners)
        if owner != chosen
    ]
    assert [rule for rule in _rules(found) if rule[1] == "other_patient"] == others
    assert found.subject == (f"Patient/{chosen}" if patients else None)


# -- errors ------------------------------------------------------------------------------

_VALID = fhir_condition(onsetDateTime="2020-01-01")


@pytest.mark.parametrize(
    ("bundle", "path", "rule", "message"),
    [
        ("{not json", "$", "json", None),
        (b"[1, 2]", "$", "type", "$: expected a JSON object (a FHIR Bundle), got [1, 2]"),
        (5, "$", "type", '$: expected JSON text, a file path or a mapping, got "int"'),
        (
            {"resourceType": "Patient"},
            "$.resourceType",
            "not_a_bundle",
            '$.resourceType: expected "Bundle", got "Patient"',
        ),
        (
            {"resourceType": "Bundle", "entry": {}},
            "$.entry",
            "type",
            "$.entry: expected a list of Bundle entries, got {}",
        ),
        (
            {"resourceType": "Bundle", "entry": [1]},
            "$.entry[0]",
            "type",
            "$.entry[0]: expected a Bundle entry (a JSON object), got 1",
        ),
        (
            {"resourceType": "Bundle", "entry": [{"resource": []}]},
            "$.entry[0].resource",
            "type",
            "$.entry[0].resource: expected a FHIR resource (a JSON object), got []",
        ),
        (
            fhir_bundle({"id": "x"}),
            "$.entry[0].resource.resourceType",
            "type",
            "$.entry[0].resource.resourceType: expected a FHIR resource type, got nothing",
        ),
        (
            fhir_bundle({"resourceType": "Bogus"}),
            "$.entry[0].resource.resourceType",
            "fhir_type",
            '$.entry[0].resource.resourceType: expected a FHIR R4/R4B resource type, got "Bogus"',
        ),
    ],
)
def test_error_not_a_bundle(bundle: Any, path: str, rule: str, message: str | None) -> None:
    """Input that is not a FHIR Bundle is a ValidationError at the offending path."""
    with pytest.raises(ValidationError) as caught:
        read_bundle(bundle, as_of=AS_OF)
    assert (caught.value.path, caught.value.rule) == (path, rule)
    if message is not None:
        assert str(caught.value) == message


def test_error_bad_json_text() -> None:
    """JSON text that does not parse names the parser's complaint."""
    with pytest.raises(ValidationError) as caught:
        read_bundle("{not json", as_of=AS_OF)
    assert caught.value.expected.startswith("JSON text (")
    assert caught.value.value == "{not json"


def test_error_missing_file(tmp_path: Path) -> None:
    """A path that cannot be read is a ValidationError naming the path."""
    missing = tmp_path / "nobody.json"
    with pytest.raises(ValidationError) as caught:
        read_bundle(missing, as_of=AS_OF)
    assert (caught.value.path, caught.value.rule) == ("$", "file")
    assert caught.value.value == str(missing)
    assert "No such file" in caught.value.expected


@pytest.mark.parametrize("path", ["no\x00where.json", ".", ""])
def test_error_unreadable_path(path: str) -> None:
    """A directory, an empty path or a path with a NUL is a ValidationError, not a traceback."""
    with pytest.raises(ValidationError) as caught:
        read_bundle(path, as_of=AS_OF)
    assert (caught.value.path, caught.value.rule, caught.value.value) == ("$", "file", path)
    assert caught.value.expected.startswith("a readable FHIR Bundle file (")


def test_error_file_not_json(tmp_path: Path) -> None:
    """A file that is not JSON is a ValidationError, not a traceback."""
    bad = tmp_path / "bad.json"
    bad.write_text("<Bundle/>", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_bundle(str(bad), as_of=AS_OF)
    assert (caught.value.path, caught.value.rule) == ("$", "json")


@pytest.mark.parametrize("level", ["resources", "elements"])
def test_error_malformed_code(level: Any) -> None:
    """A Condition whose code is not a CodeableConcept fails at $.entry[3].resource.code."""
    bad = {**_VALID, "code": "M54.5"}
    with pytest.raises(ValidationError) as caught:
        read_bundle(fhir_bundle(_VALID, _VALID, _VALID, bad), as_of=AS_OF, validate=level)
    assert caught.value.path == "$.entry[3].resource.code"
    assert str(caught.value) == (
        "$.entry[3].resource.code: expected valid FHIR R4/R4B (an object, not a string), "
        'got "M54.5"'
    )


@pytest.mark.parametrize(
    ("resource", "path", "rule"),
    [
        ({**_VALID, "code": {"coding": "x"}}, "$.entry[0].resource.code.coding", "fhir_list_type"),
        (
            {**_VALID, "code": {"coding": [{"system": SNOMED, "code": 203082005}]}},
            "$.entry[0].resource.code.coding[0].code",
            "fhir_string_type",
        ),
        (
            {**_VALID, "onsetDateTime": "last spring"},
            "$.entry[0].resource.onsetDateTime",
            "fhir_value_error",
        ),
        ({**_VALID, "bogus": 1}, "$.entry[0].resource.bogus", "fhir_extra_forbidden"),
        (
            {k: v for k, v in _VALID.items() if k != "subject"},
            "$.entry[0].resource.subject",
            "fhir_missing",
        ),
        (
            {**_procedure("44868003"), "status": 3},
            "$.entry[0].resource.status",
            "fhir_string_type",
        ),
    ],
)
@pytest.mark.parametrize("level", ["resources", "elements"])
def test_error_malformed_resource(
    resource: dict[str, Any], path: str, rule: str, level: Any
) -> None:
    """A malformed Condition or Procedure is a ValidationError at the bad element's path.

    At either validation level: every element these cases break is one the importer reads
    (or an element the model does not have).
    """
    with pytest.raises(ValidationError) as caught:
        read_bundle(fhir_bundle(resource), as_of=AS_OF, validate=level)
    assert (caught.value.path, caught.value.rule) == (path, rule)
    assert caught.value.expected.startswith("valid FHIR R4/R4B (")


@pytest.mark.parametrize(
    ("resource", "path", "value"),
    [
        (
            # R5: occurrence[x] replaced performed[x]
            {**_procedure("44868003"), "occurrenceDateTime": "2020-01-01"},
            "$.entry[0].resource",
            "a FHIR R5 Procedure",
        ),
        (
            # STU3: statuses were plain codes
            {
                "resourceType": "Condition",
                "clinicalStatus": "active",
                "verificationStatus": "confirmed",
                "code": {"coding": [{"system": SNOMED, "code": "203082005"}]},
                "subject": FHIR_SUBJECT,
                "assertedDate": "2020-01-01",
            },
            "$.entry[0].resource",
            "a FHIR STU3 Condition",
        ),
        (
            {"resourceType": "RequestOrchestration"},
            "$.entry[0].resource.resourceType",
            "RequestOrchestration",
        ),
        (
            {"resourceType": "ProcedureRequest"},
            "$.entry[0].resource.resourceType",
            "ProcedureRequest",
        ),
    ],
)
@pytest.mark.parametrize("level", ["resources", "elements"])
def test_error_wrong_fhir_version(
    resource: dict[str, Any], path: str, value: str, level: Any
) -> None:
    """A resource from FHIR R5 or STU3 is named as the wrong version, not as malformed."""
    with pytest.raises(ValidationError) as caught:
        read_bundle(fhir_bundle(resource), as_of=AS_OF, validate=level)
    assert (caught.value.path, caught.value.rule, caught.value.value) == (
        path,
        "fhir_version",
        value,
    )
    assert "R4/R4B" in caught.value.expected


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
_KEYS = [
    "resourceType",
    "code",
    "coding",
    "system",
    "clinicalStatus",
    "verificationStatus",
    "onsetDateTime",
    "onsetPeriod",
    "abatementDateTime",
    "status",
    "subject",
    "performedDateTime",
    "authoredOn",
    "doNotPerform",
    "entry",
    "resource",
    "start",
]


@st.composite
def _damaged_bundles(draw: st.DrawFn) -> object:
    """A valid bundle with one value somewhere replaced by arbitrary JSON."""
    document: dict[str, Any] = copy.deepcopy(
        fhir_bundle(
            fhir_condition(SNOMED, "278860009", onsetDateTime="2020-01-01"),
            _procedure("44868003", performedDateTime="2023-01-01"),
            _referral("229224000", authoredOn="2023-01-01"),
        )
    )
    targets: list[dict[str, Any]] = [
        found for found in _walk_objects(document) if found is not document or draw(st.booleans())
    ]
    target = draw(st.sampled_from(targets))
    target[draw(st.sampled_from(_KEYS) | st.text(max_size=6))] = draw(_JSON)
    return document


def _walk_objects(value: object) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        found.append(value)
        for item in value.values():
            found += _walk_objects(item)
    elif isinstance(value, list):
        for item in value:
            found += _walk_objects(item)
    return found


@given(bundle=_damaged_bundles() | _JSON)
def test_damaged_bundles_never_raise_a_traceback(bundle: object) -> None:
    """Whatever is damaged, the importer returns a result or raises ValidationError."""
    outcome: BundleImport | ValidationError
    try:
        outcome = read_bundle(bundle, as_of=AS_OF)  # type: ignore[arg-type]
    except ValidationError as error:
        outcome = error
    if isinstance(outcome, ValidationError):
        assert outcome.path.startswith("$")
        assert all(problem.path.startswith("$") for problem in outcome.problems)
        assert f"{outcome.path}: expected {outcome.expected}" in str(outcome)
    else:
        assert all(isinstance(problem, str) for problem in outcome.problems)


@pytest.mark.parametrize("as_of", ["2024-01-01", None, 20240101])
def test_error_as_of(as_of: Any) -> None:
    """The "as of" date must be a date."""
    with pytest.raises(ValidationError) as caught:
        read_bundle(fhir_bundle(_VALID), as_of=as_of)
    assert (caught.value.path, caught.value.rule, caught.value.value) == ("$.as_of", "type", as_of)


def test_errors_are_library_errors() -> None:
    """Every error the importer raises on purpose is a PainModalitiesError and a ValueError."""
    with pytest.raises(PainModalitiesError):
        read_bundle({"resourceType": "Patient"}, as_of=AS_OF)
    with pytest.raises(ValueError, match="resourceType"):
        read_bundle({"resourceType": "Patient"}, as_of=AS_OF)


def test_no_pain_condition_is_an_empty_result() -> None:
    """A bundle with no pain condition gives no pain types and says why."""
    found = read_bundle(
        fhir_bundle(fhir_condition(SNOMED, "832007", onsetDateTime="2020-01-01")), as_of=AS_OF
    )
    assert found.pain_types == ()
    assert _rules(found) == [("$.entry[0].resource", "uncoded"), ("$", "no_pain_condition")]
    assert found.problems[-1] == (
        "$ (Bundle): no Condition maps to a current pain type the catalog covers"
    )


def test_empty_bundle() -> None:
    """An empty bundle gives an empty result with the reasons."""
    found = read_bundle({"resourceType": "Bundle", "type": "collection"}, as_of=AS_OF)
    assert (found.pain_types, found.tried) == ((), ())
    assert _rules(found) == [("$", "no_entries"), ("$", "no_pain_condition")]


# -- import cost ---------------------------------------------------------------------------


def test_core_import_does_not_load_pydantic_or_fhir_resources() -> None:
    """``import painmodalities`` (and even ``painmodalities.fhir``) loads no pydantic."""
    code = (
        "import sys, painmodalities, painmodalities.fhir\n"
        "heavy = sorted(name for name in sys.modules\n"
        "               if name.split('.')[0] in ('pydantic', 'pydantic_core', 'fhir_core')\n"
        "               or name.startswith('fhir.resources'))\n"
        "print(heavy)\n"
        "painmodalities.fhir.export_catalog()\n"
        "print('fhir.resources.R4B.activitydefinition' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines() == ["[]", "True"]


def test_missing_extra_is_a_library_error() -> None:
    """Without fhir.resources, reading or writing raises MissingExtraError naming the extra."""
    code = (
        "import sys, datetime\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'fhir' or name.startswith('fhir.'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from painmodalities.fhir import MissingExtraError, export_catalog, read_bundle\n"
        "for call in (lambda: export_catalog(),\n"
        "             lambda: read_bundle({'resourceType': 'Bundle', 'entry': [{'resource':\n"
        "                 {'resourceType': 'Condition'}}]}, as_of=datetime.date(2024, 1, 1))):\n"
        "    try:\n"
        "        call()\n"
        "    except MissingExtraError as error:\n"
        "        print(isinstance(error, ImportError), error)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (
        run.stdout.splitlines()
        == ["True FHIR support needs the fhir extra: pip install 'painmodalities[fhir]'"] * 2
    )


def test_error_repeated_key_inside_a_resource() -> None:
    """A key repeated inside an entry's resource is refused as from_json refuses it."""
    text = (
        '{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": '
        '{"resourceType": "Condition", "subject": {"reference": "Patient/a"}, '
        '"subject": {"reference": "Patient/b"}}}]}'
    )
    with pytest.raises(ValidationError) as caught:
        read_bundle(text, as_of=AS_OF)
    assert (caught.value.path, caught.value.rule) == (
        "$.entry[0].resource.subject",
        "repeated_key",
    )


@pytest.mark.parametrize("as_file", [False, True])
@pytest.mark.parametrize(
    ("text", "path", "rule"),
    [
        (
            '{"resourceType": "Bundle", "type": "collection", "type": "batch"}',
            "$.type",
            "repeated_key",
        ),
        ('{"resourceType": "Bundle", "entry": ' + "[" * 40 + "]" * 40 + "}", "$", "depth"),
    ],
    ids=["repeated_key", "too_deep"],
)
def test_error_bundle_text_within_the_library_limits(
    tmp_path: Path, text: str, path: str, rule: str, as_file: bool
) -> None:
    """Bundle text and files are read under the library's limits: a repeated key or an
    over-deep document is the library's ValidationError, as for any other document.
    """
    source: str | Path = text
    if as_file:
        source = tmp_path / "bundle.json"
        source.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_bundle(source, as_of=AS_OF)
    assert (caught.value.path, caught.value.rule) == (path, rule)
