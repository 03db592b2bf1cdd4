"""Modality records: construction, validation at construction, and their methods."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import (
    Activity,
    Certainty,
    Coding,
    Condition,
    Effect,
    Exercise,
    ExerciseForm,
    Finding,
    Horizon,
    Modality,
    Outcome,
    PainType,
    Phase,
    Precaution,
    Recommendation,
    Source,
    Strength,
    ValidationError,
)
from tests.samples import CHRONIC_LBP, finding, massage, programme
from tests.strategies import modalities, pain_types

ERRORS: list[tuple[str, Callable[[], object], str, str, object, str]] = [
    # bad enums: the member or its exact value string, nothing else (issue 13)
    (
        "bad_enum_certainty",
        lambda: finding(certainty="med"),
        "$.certainty",
        'a Certainty or one of "insufficient", "very_low", "low", "moderate", "high"',
        "med",
        "enum",
    ),
    (
        "bad_enum_activity_string",
        lambda: massage(activity="Passive"),
        "$.activity",
        'an Activity or one of "passive", "active"',
        "Passive",
        "enum",
    ),
    (
        "bad_enum_wrong_type",
        lambda: finding(effect=Certainty.LOW),
        "$.effect",
        'an Effect or one of "none", "small", "moderate", "large"',
        Certainty.LOW,
        "enum",
    ),
    (
        "bad_enum_precaution",
        lambda: massage(precautions=frozenset({"Fracture"})),
        "$.precautions",
        'a Precaution or one of "blood_clot", "bleeding_risk", "fracture", "weakened_bones", '
        '"open_wound", "skin_infection", "recent_surgery"',
        "Fracture",
        "enum",
    ),
    (
        "bad_enum_condition",
        lambda: PainType("lowback", Phase.CHRONIC),
        "$.condition",
        'a Condition or one of "low_back", "neck", "knee_osteoarthritis", "hip_osteoarthritis", '
        '"fibromyalgia", "tension_headache"',
        "lowback",
        "enum",
    ),
    # minutes
    (
        "negative_minutes",
        lambda: massage(session_minutes=-45),
        "$.session_minutes",
        "a whole number from 1 to 1440",
        -45,
        "range",
    ),
    (
        "zero_minutes",
        lambda: massage(session_minutes=0),
        "$.session_minutes",
        "a whole number from 1 to 1440",
        0,
        "range",
    ),
    (
        "float_minutes",
        lambda: massage(session_minutes=45.0),
        "$.session_minutes",
        "a whole number from 1 to 1440",
        45.0,
        "range",
    ),
    (
        "bool_minutes",
        lambda: massage(session_minutes=True),
        "$.session_minutes",
        "a whole number from 1 to 1440",
        True,
        "range",
    ),
    # ids and text
    (
        "empty_id",
        lambda: massage(id=""),
        "$.id",
        'a dotted lower-case id such as "massage.swedish"',
        "",
        "pattern",
    ),
    (
        "id_with_spaces",
        lambda: massage(id="massage swedish"),
        "$.id",
        'a dotted lower-case id such as "massage.swedish"',
        "massage swedish",
        "pattern",
    ),
    (
        "blank_name",
        lambda: massage(name="   "),
        "$.name",
        "a non-empty UTF-8 string",
        "   ",
        "text",
    ),
    (
        "surrogate_name",
        lambda: massage(name="bad\udc80"),
        "$.name",
        "a non-empty UTF-8 string",
        "bad\udc80",
        "text",
    ),
    (
        "empty_source_key",
        lambda: finding(source=""),
        "$.source",
        'a lower-case source key such as "acp-2017"',
        "",
        "pattern",
    ),
    (
        "source_title_missing",
        lambda: Source(key="k", title=""),
        "$.title",
        "a non-empty UTF-8 string",
        "",
        "text",
    ),
    (
        "source_year_out_of_range",
        lambda: Source(key="k", title="T", year=20),
        "$.year",
        "a whole number from 1900 to 2100",
        20,
        "range",
    ),
    # structure
    (
        "mechanism_not_bool",
        lambda: massage(mechanism_established=0),
        "$.mechanism_established",
        "true or false",
        0,
        "type",
    ),
    (
        "findings_not_findings",
        lambda: massage(findings=("x",)),
        "$.findings[0]",
        "a finding",
        "x",
        "type",
    ),
    (
        "finding_pain_type_not_a_pain_type",
        lambda: finding(pain_type=42),
        "$.pain_type",
        'a PainType or "condition:phase" such as "low_back:chronic"',
        42,
        "type",
    ),
    (
        "duplicate_finding",
        lambda: massage(findings=(finding(), finding(note="again"))),
        "$.findings[1]",
        "one finding per pain type, outcome, horizon, source and component",
        "low_back:chronic",
        "duplicate_finding",
    ),
    (
        "component_finding_outside_programme",
        lambda: massage(findings=(finding(component="exercise.test"),)),
        "$.findings[0].component",
        "no component: only a composite modality carries them",
        "exercise.test",
        "component_findings",
    ),
    (
        "programme_without_components",
        lambda: programme(components=()),
        "$.components",
        "a non-empty tuple of modality ids",
        (),
        "type",
    ),
    (
        "programme_contains_itself",
        lambda: programme(components=("physical_therapy.test",)),
        "$.components[0]",
        "a distinct component other than the programme itself",
        "physical_therapy.test",
        "component_cycle",
    ),
    (
        "programme_repeats_component",
        lambda: programme(components=("exercise.test", "exercise.test")),
        "$.components[1]",
        "a distinct component other than the programme itself",
        "exercise.test",
        "duplicate_id",
    ),
    (
        "programme_finding_from_stranger",
        lambda: programme(findings=(finding(component="massage.other"),)),
        "$.findings[0].component",
        "one of the programme's components exercise.test",
        "massage.other",
        "component_findings",
    ),
    (
        "recommendation_bad_direction",
        lambda: Recommendation(
            condition=None,
            phase=None,
            direction="For",
            strength=Strength.WEAK,
            source="acp-2017",
        ),
        "$.direction",
        'a Direction or one of "against", "only_with_exercise", "for"',
        "For",
        "enum",
    ),
    (
        "coding_empty_code",
        lambda: Coding(system="urn:x", code=""),
        "$.code",
        "a non-empty UTF-8 string",
        "",
        "text",
    ),
]


@pytest.mark.parametrize(
    ("build", "path", "expected", "value", "rule"),
    [row[1:] for row in ERRORS],
    ids=[f"test_error_{row[0]}" for row in ERRORS],
)
def test_error_invalid_record(
    build: Callable[[], object], path: str, expected: str, value: object, rule: str
) -> None:
    """Every validator refuses its bad value with the field's path, the rule and the value."""
    with pytest.raises(ValidationError) as caught:
        build()
    error = caught.value
    assert len(error.problems) == 1
    assert (error.path, error.expected, error.rule) == (path, expected, rule)
    assert error.value == value
    assert type(error.value) is type(value)
    # An enum or pain type given in Python is worded with its type: '; got the str "x"'.
    assert str(error).startswith(
        (f"{path}: expected {expected}, got ", f"{path}: expected {expected}; got ")
    )


def test_error_abstract_modality() -> None:
    """The base class is abstract: a modality is always of a family."""
    with pytest.raises(TypeError, match="abstract"):
        Modality(id="x", name="X", activity=Activity.ACTIVE)


def test_records_are_frozen() -> None:
    """Domain objects are immutable."""
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        massage().name = "changed"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        finding().effect = Effect.LARGE  # type: ignore[misc]


def test_evolve_revalidates() -> None:
    """attrs.evolve runs the validators again: an invalid copy cannot be made."""
    with pytest.raises(ValidationError):
        attrs.evolve(massage(), session_minutes=-1)


def test_lists_become_tuples_and_sets_frozensets() -> None:
    """Callers may pass lists; records hold tuples and frozensets."""
    built = massage(findings=[finding()], precautions=[Precaution.FRACTURE])
    assert built.findings == (finding(),)
    assert built.precautions == frozenset({Precaution.FRACTURE})
    assert hash(built) == hash(massage(findings=(finding(),), precautions={Precaution.FRACTURE}))


def test_findings_for_filters_by_pain_type_and_outcome() -> None:
    """findings_for returns only the pain type's findings, optionally one outcome."""
    neck = PainType(Condition.NECK, Phase.CHRONIC)
    own = (finding(), finding(outcome=Outcome.PAIN), finding(pain_type=neck))
    built = Exercise(
        id="exercise.test",
        name="Test",
        activity=Activity.ACTIVE,
        form=ExerciseForm.YOGA,
        findings=own,
    )
    assert built.findings_for(CHRONIC_LBP) == own[:2]
    assert built.findings_for(CHRONIC_LBP, Outcome.PAIN) == (own[1],)
    assert built.findings_for(PainType(Condition.NECK, Phase.ACUTE)) == ()


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ((), None),
        ((finding(effect=Effect.NONE, horizon=Horizon.LONG),), None),
        ((finding(certainty=Certainty.VERY_LOW, horizon=Horizon.LONG),), None),
        (
            (finding(horizon=Horizon.SHORT), finding(horizon=Horizon.INTERMEDIATE)),
            Horizon.INTERMEDIATE,
        ),
        ((finding(outcome=Outcome.PAIN, horizon=Horizon.LONG),), None),
        ((finding(certainty=Certainty.HIGH, horizon=Horizon.IMMEDIATE),), Horizon.IMMEDIATE),
    ],
)
def test_expected_benefit(findings: tuple[Finding, ...], expected: Horizon | None) -> None:
    """The longest horizon at which function benefit is shown at low certainty or above."""
    assert massage(findings=findings).expected_benefit(CHRONIC_LBP) is expected


def test_expected_benefit_never_counts_insufficient() -> None:
    """An insufficient finding is never benefit, even when the caller asks for it."""
    built = massage(findings=(finding(certainty=Certainty.INSUFFICIENT, effect=Effect.LARGE),))
    assert built.expected_benefit(CHRONIC_LBP, min_certainty=Certainty.INSUFFICIENT) is None


@given(modalities(), st.lists(pain_types(), min_size=1, max_size=6))
def test_findings_index_built_on_first_use_is_right_from_any_thread(
    modality: Modality, asked: list[PainType]
) -> None:
    """The index of findings by pain type, built on first use, is the same whichever of
    many threads builds it first, and matches a scan of the findings in their order.
    """
    fresh = attrs.evolve(modality)  # a copy whose index is not built yet
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(fresh.findings_for, asked * 4))
    assert found == [
        tuple(f for f in modality.findings if f.pain_type == pain) for pain in asked * 4
    ]
