"""Field rules: each building block accepts exactly what it says, with one message and path.

The second part is the one rule for text in the Python API (issue 13, item 1), checked
through the public functions and records.
"""

import enum
import math
import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import painmodalities
from painmodalities import (
    Activity,
    Catalog,
    Certainty,
    Comparator,
    Condition,
    Contribution,
    Coverage,
    Criterion,
    Direction,
    Effect,
    ExclusionReason,
    ExerciseForm,
    Horizon,
    MassageTechnique,
    Outcome,
    PainModalitiesError,
    PainType,
    Patient,
    Phase,
    Precaution,
    Reason,
    ScoringPolicy,
    Strength,
    ValidationError,
    compare,
    default_catalog,
    plan,
    rank,
    rank_many,
    score,
)
from painmodalities import _rules as check
from painmodalities.errors import InvalidWeightsError
from painmodalities.plot import plot_timeline
from painmodalities.vocabulary import RankedEnum
from tests.samples import CHRONIC_LBP, exercise, finding, massage, recommendation
from tests.strategies import catalogs, pain_types


@attrs.frozen
class _Record:
    """A stand-in record: its own id and the fields the rules under test guard."""

    id: str = "programme"


_WEIGHT = check.non_negative_number("weight", error=InvalidWeightsError)
_COMPONENTS = check.distinct_ids(other_than="id")


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers()))
def test_non_negative_number_accepts_exactly_finite_numbers_from_zero(value: float) -> None:
    """A finite int or float from 0 up passes; any other number breaks the rule's code."""
    found = _WEIGHT.find(None, value)
    if math.isfinite(value) and value >= 0:
        assert found is None
    else:
        assert found is not None
        assert (found.path, found.expected, found.rule) == (
            "$",
            "a finite, non-negative number",
            "weight",
        )


@pytest.mark.parametrize("value", [True, False, "1", None, [1]])
def test_error_non_negative_number_refuses_what_is_not_a_number(value: object) -> None:
    """A bool, a string or anything else is a ``type`` problem, raised as the rule's class."""
    attribute = attrs.fields(_Record).id
    with pytest.raises(InvalidWeightsError) as caught:
        _WEIGHT(None, attribute, value)
    problem = caught.value.problems[0]
    assert (problem.path, problem.expected, problem.rule) == ("$.id", "a number", "type")
    assert _WEIGHT.schema == {"type": "number", "minimum": 0}


def test_distinct_ids_accepts_distinct_ids_other_than_the_record() -> None:
    """Distinct modality ids that are not the record's own id pass."""
    assert _COMPONENTS.accepts(("exercise.core", "heat"), _Record())


@pytest.mark.parametrize(
    ("value", "path", "expected", "rule"),
    [
        ((), "$", "a non-empty tuple of modality ids", "type"),
        (["heat"], "$", "a non-empty tuple of modality ids", "type"),
        (("Heat",), "$[0]", "a modality id", "pattern"),
        (
            ("heat", "heat"),
            "$[1]",
            "a distinct component other than the programme itself",
            "duplicate_id",
        ),
        (
            ("heat", "programme"),
            "$[1]",
            "a distinct component other than the programme itself",
            "component_cycle",
        ),
    ],
)
def test_error_distinct_ids(value: Any, path: str, expected: str, rule: str) -> None:
    """Each way a tuple of ids can fail is one problem at the item's path."""
    found = _COMPONENTS.find(_Record(), value)
    assert found is not None
    assert (found.path, found.expected, found.rule) == (path, expected, rule)


@given(st.one_of(st.none(), st.frozensets(st.sampled_from(["heat", "exercise.core", "X"]))))
def test_optional_frozenset_of_ids_is_none_or_the_set_rule(value: frozenset[str] | None) -> None:
    """``None`` passes; a set passes exactly when the frozenset-of-ids rule passes it."""
    expected = value is None or check.frozenset_of_ids.accepts(value)
    assert check.optional_frozenset_of_ids.accepts(value) is expected
    assert check.optional_frozenset_of_ids.schema == {
        "anyOf": [dict(check.frozenset_of_ids.schema or {}), {"type": "null"}]
    }


def test_error_rules_raise_the_library_error_at_the_field() -> None:
    """A broken rule raises a ``ValidationError`` whose path names the field."""
    attribute = attrs.fields(_Record).id
    with pytest.raises(ValidationError) as caught:
        _COMPONENTS(_Record(), attribute, ("heat", "heat"))
    assert caught.value.problems[0].path == "$.id[1]"


# == One rule for text in the Python API (issue 13, item 1) ==============================
#
# Everywhere a pain type is taken, a :class:`PainType` or its text ``"condition:phase"`` gives
# exactly the same answer; every enum-typed field and parameter takes the member or its exact
# string value; anything else is the library's error naming what was expected and the type
# that came, never an empty or zero answer. The type hints say so: a user program written
# with the string forms passes ``mypy --strict``.


YOGA = default_catalog()["exercise.yoga"]
PAIN_TYPE_EXPECTED = 'a PainType or "condition:phase" such as "low_back:chronic"'
CONDITIONS = (
    'one of "low_back", "neck", "knee_osteoarthritis", "hip_osteoarthritis", '
    '"fibromyalgia", "tension_headache"'
)
PHASES = 'one of "acute", "subacute", "chronic"'


def contribution(criterion: object) -> Contribution:
    """A contribution of ``criterion`` with zero value."""
    zero = YOGA_SCORE.value * 0
    return Contribution(criterion=criterion, raw=zero, share=zero, value=zero)  # type: ignore[arg-type]


YOGA_SCORE = score(YOGA, CHRONIC_LBP)


# -- each string form gives exactly the typed form's result ------------------------------

#: (name, the call with typed arguments, the same call with their string forms)
SAME: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
    ("score", lambda: score(YOGA, CHRONIC_LBP), lambda: score(YOGA, "low_back:chronic")),
    ("rank", lambda: rank(CHRONIC_LBP), lambda: rank("low_back:chronic")),
    (
        "rank_many",
        lambda: list(rank_many([(CHRONIC_LBP, None), (PainType.parse("neck:acute"), None)])),
        lambda: list(rank_many([("low_back:chronic", None), ("neck:acute", None)])),
    ),
    ("plan", lambda: plan(CHRONIC_LBP), lambda: plan("low_back:chronic")),
    (
        "compare",
        lambda: compare(["exercise.yoga", "massage.swedish"], CHRONIC_LBP),
        lambda: compare(["exercise.yoga", "massage.swedish"], "low_back:chronic"),
    ),
    (
        "findings_for",
        lambda: YOGA.findings_for(CHRONIC_LBP),
        lambda: YOGA.findings_for("low_back:chronic"),
    ),
    (
        "findings_for_outcome",
        lambda: YOGA.findings_for(CHRONIC_LBP, Outcome.PAIN),
        lambda: YOGA.findings_for("low_back:chronic", "pain"),
    ),
    (
        "expected_benefit",
        lambda: YOGA.expected_benefit(CHRONIC_LBP, Outcome.FUNCTION, Certainty.LOW),
        lambda: YOGA.expected_benefit("low_back:chronic", outcome="function", min_certainty="low"),
    ),
    (
        "expected_benefit_pain_very_low",
        lambda: YOGA.expected_benefit(CHRONIC_LBP, Outcome.PAIN, Certainty.VERY_LOW),
        lambda: YOGA.expected_benefit("low_back:chronic", "pain", "very_low"),
    ),
    (
        "recommendations_for",
        lambda: YOGA.recommendations_for(CHRONIC_LBP),
        lambda: YOGA.recommendations_for("low_back:chronic"),
    ),
    (
        "applies_to",
        lambda: [rec.applies_to(CHRONIC_LBP) for rec in YOGA.recommendations],
        lambda: [rec.applies_to("low_back:chronic") for rec in YOGA.recommendations],
    ),
    (
        "select",
        lambda: default_catalog().select(
            kind="exercise", activity=Activity.ACTIVE, pain_type=CHRONIC_LBP
        ),
        lambda: default_catalog().select(
            kind="exercise", activity="active", pain_type="low_back:chronic"
        ),
    ),
    (
        "select_passive",
        lambda: default_catalog().select(activity=Activity.PASSIVE),
        lambda: default_catalog().select(activity="passive"),
    ),
    ("coerce", lambda: CHRONIC_LBP, lambda: PainType.coerce("low_back:chronic")),
    (
        "Patient",
        lambda: Patient(precautions=frozenset({Precaution.BLOOD_CLOT, Precaution.FRACTURE})),
        lambda: Patient(precautions={"blood_clot", "fracture"}),
    ),
    (
        "Patient_list_mixed",
        lambda: Patient(precautions=frozenset({Precaution.BLOOD_CLOT, Precaution.FRACTURE})),
        lambda: Patient(precautions=["blood_clot", Precaution.FRACTURE]),
    ),
    (
        "ScoringPolicy",
        lambda: ScoringPolicy(
            min_certainty=Certainty.LOW,
            comparators=frozenset({Comparator.MIXED, Comparator.INACTIVE}),
        ),
        lambda: ScoringPolicy(min_certainty="low", comparators={"mixed", "inactive"}),
    ),
    (
        "rank_with_policy",
        lambda: rank(
            CHRONIC_LBP,
            patient=Patient(precautions=frozenset({Precaution.BLOOD_CLOT})),
            policy=ScoringPolicy(min_certainty=Certainty.VERY_LOW),
        ),
        lambda: rank(
            "low_back:chronic",
            patient=Patient(precautions={"blood_clot"}),
            policy=ScoringPolicy(min_certainty="very_low"),
        ),
    ),
    ("PainType", lambda: CHRONIC_LBP, lambda: PainType(condition="low_back", phase="chronic")),
    (
        "Finding",
        lambda: finding(outcome=Outcome.PAIN, comparator=Comparator.MIXED),
        lambda: finding(
            pain_type="low_back:chronic",
            outcome="pain",
            horizon="short",
            effect="small",
            certainty="low",
            comparator="mixed",
        ),
    ),
    (
        "Recommendation",
        lambda: recommendation(phase=Phase.CHRONIC),
        lambda: recommendation(
            condition="neck", phase="chronic", direction="for", strength="weak", certainty="low"
        ),
    ),
    (
        "Massage",
        lambda: massage(
            coverage=Coverage.LIKELY,
            technique=MassageTechnique.DEEP_TISSUE,
            precautions=frozenset({Precaution.OPEN_WOUND}),
        ),
        lambda: massage(
            activity="passive",
            coverage="likely",
            technique="deep_tissue",
            precautions=("open_wound",),
        ),
    ),
    (
        "Exercise",
        lambda: exercise(form=ExerciseForm.TAI_CHI),
        lambda: exercise(activity="active", form="tai_chi"),
    ),
    (
        "Contribution",
        lambda: contribution(Criterion.DURABILITY),
        lambda: contribution("durability"),
    ),
    (
        "Reason",
        lambda: Reason(code=ExclusionReason.PRECAUTION, detail="blood clot"),
        lambda: Reason(code="precaution", detail="blood clot"),
    ),
]


@pytest.mark.parametrize(("typed", "text"), [case[1:] for case in SAME], ids=[c[0] for c in SAME])
def test_string_form_gives_the_typed_result(
    typed: Callable[[], object], text: Callable[[], object]
) -> None:
    """The string forms give exactly what the members and pain types give."""
    expected, found = typed(), text()
    assert found == expected
    assert type(found) is type(expected)


def test_string_forms_answer_what_the_issue_found_silent() -> None:
    """The calls issue 13 found answering 0, nothing or None now answer as their typed forms."""
    assert float(score(YOGA, "low_back:chronic")) == pytest.approx(0.458, abs=1e-3)
    assert YOGA.findings_for("low_back:chronic")
    assert YOGA.expected_benefit("low_back:chronic") is Horizon.SHORT
    assert default_catalog().select(activity="active")


# -- anything else is the library's error, saying what was expected and what type came ----


def typed_value(value: object) -> str:
    """How an argument error names ``value``: ``the str "x"``, ``the int 3``, ``None``."""
    if value is None:
        return "None"
    if isinstance(value, str):
        return f'the str "{value}"'
    if isinstance(value, RankedEnum):
        return f'the {type(value).__name__} "{value.value}"'
    return f"the {type(value).__name__} {value!r}"


def choices_of(enum_type: type[enum.Enum]) -> str:
    """``a Phase or one of "acute", ...``: what an enum argument takes, as errors say it."""
    name = enum_type.__name__
    article = "an" if name[0] in "AEIOU" else "a"
    return f"{article} {name} or one of " + ", ".join(f'"{m.value}"' for m in enum_type)


#: (name, a call taking one value, the value's path, its enum, whether None is allowed)
ENUM_SLOTS: list[tuple[str, Callable[[Any], object], str, type[enum.Enum], bool]] = [
    (
        "Patient.precautions",
        lambda v: Patient(precautions={v}),
        "$.precautions",
        Precaution,
        False,
    ),
    (
        "ScoringPolicy.min_certainty",
        lambda v: ScoringPolicy(min_certainty=v),
        "$.min_certainty",
        Certainty,
        False,
    ),
    (
        "ScoringPolicy.comparators",
        lambda v: ScoringPolicy(comparators=[v]),
        "$.comparators",
        Comparator,
        False,
    ),
    ("PainType.condition", lambda v: PainType(v, Phase.CHRONIC), "$.condition", Condition, False),
    (
        "PainType.phase",
        lambda v: PainType(condition=Condition.NECK, phase=v),
        "$.phase",
        Phase,
        False,
    ),
    ("Finding.outcome", lambda v: finding(outcome=v), "$.outcome", Outcome, False),
    ("Finding.horizon", lambda v: finding(horizon=v), "$.horizon", Horizon, False),
    ("Finding.effect", lambda v: finding(effect=v), "$.effect", Effect, False),
    ("Finding.certainty", lambda v: finding(certainty=v), "$.certainty", Certainty, False),
    ("Finding.comparator", lambda v: finding(comparator=v), "$.comparator", Comparator, False),
    (
        "Recommendation.condition",
        lambda v: recommendation(condition=v),
        "$.condition",
        Condition,
        True,
    ),
    (
        "Recommendation.direction",
        lambda v: recommendation(direction=v),
        "$.direction",
        Direction,
        False,
    ),
    (
        "Recommendation.strength",
        lambda v: recommendation(strength=v),
        "$.strength",
        Strength,
        False,
    ),
    ("Modality.activity", lambda v: massage(activity=v), "$.activity", Activity, False),
    ("Modality.coverage", lambda v: massage(coverage=v), "$.coverage", Coverage, False),
    (
        "Modality.precautions",
        lambda v: massage(precautions=[v]),
        "$.precautions",
        Precaution,
        False,
    ),
    ("Massage.technique", lambda v: massage(technique=v), "$.technique", MassageTechnique, False),
    ("Exercise.form", lambda v: exercise(form=v), "$.form", ExerciseForm, False),
    ("Contribution.criterion", contribution, "$.criterion", Criterion, False),
    ("Reason.code", lambda v: Reason(code=v, detail="x"), "$.code", ExclusionReason, False),
    (
        "findings_for.outcome",
        lambda v: YOGA.findings_for(CHRONIC_LBP, v),
        "$.outcome",
        Outcome,
        True,
    ),
    (
        "expected_benefit.outcome",
        lambda v: YOGA.expected_benefit(CHRONIC_LBP, outcome=v),
        "$.outcome",
        Outcome,
        False,
    ),
    (
        "expected_benefit.min_certainty",
        lambda v: YOGA.expected_benefit(CHRONIC_LBP, min_certainty=v),
        "$.min_certainty",
        Certainty,
        False,
    ),
    (
        "select.activity",
        lambda v: default_catalog().select(activity=v),
        "$.activity",
        Activity,
        True,
    ),
]


def wrong_values(enum_type: type[enum.Enum], none_allowed: bool) -> list[object]:
    """A typo, the wrong case, a wrong type, a member of another enum, and ``None``."""
    value = str(next(iter(enum_type)).value)
    typo = value.replace("_", "-") if "_" in value else value + "s"
    other = Effect.SMALL if enum_type is not Effect else Certainty.LOW
    return [typo, value.upper(), 3, 1.5, other, *([] if none_allowed else [None])]


ENUM_ERRORS = [
    (f"{name}-{value!r}", call, path, enum_type, value)
    for name, call, path, enum_type, none_allowed in ENUM_SLOTS
    for value in wrong_values(enum_type, none_allowed)
]


@pytest.mark.parametrize(
    ("call", "path", "enum_type", "value"),
    [case[1:] for case in ENUM_ERRORS],
    ids=[case[0] for case in ENUM_ERRORS],
)
def test_error_enum_argument(
    call: Callable[[object], object], path: str, enum_type: type[enum.Enum], value: object
) -> None:
    """A typo, a wrong case, a wrong type or None is refused with what was expected and came."""
    with pytest.raises(ValidationError) as caught:
        call(value)
    error = caught.value
    assert (error.path, error.rule, error.value) == (path, "enum", value)
    assert str(error) == f"{path}: expected {choices_of(enum_type)}; got {typed_value(value)}"


def test_error_message_as_the_issue_words_it() -> None:
    """The issue's own examples, word for word."""
    with pytest.raises(ValidationError) as caught:
        Patient(precautions={"blood-clot"})
    assert str(caught.value) == (
        '$.precautions: expected a Precaution or one of "blood_clot", "bleeding_risk", '
        '"fracture", "weakened_bones", "open_wound", "skin_infection", "recent_surgery"; '
        'got the str "blood-clot"'
    )
    with pytest.raises(ValidationError) as caught:
        ScoringPolicy(min_certainty=3)  # type: ignore[arg-type]
    assert str(caught.value).endswith("; got the int 3")


#: (name, a call taking one pain type argument, the argument's path, whether None is allowed)
PAIN_SLOTS: list[tuple[str, Callable[[Any], object], str, bool]] = [
    ("score", lambda v: score(YOGA, v), "$.pain_type", False),
    ("rank", rank, "$.pain_type", False),
    ("rank_many", lambda v: list(rank_many([(v, None)])), "$.pain_type", False),
    ("plan", plan, "$.pain_type", False),
    ("compare", lambda v: compare(["exercise.yoga"], v), "$.pain_type", False),
    ("plot_timeline", lambda v: plot_timeline(v, "never-written.png"), "$.pain_type", False),
    ("findings_for", YOGA.findings_for, "$.pain_type", False),
    ("expected_benefit", YOGA.expected_benefit, "$.pain_type", False),
    ("recommendations_for", YOGA.recommendations_for, "$.pain_type", False),
    ("applies_to", lambda v: recommendation().applies_to(v), "$.pain_type", False),
    ("select", lambda v: default_catalog().select(pain_type=v), "$.pain_type", True),
    ("PainType.coerce", PainType.coerce, "$.pain_type", False),
]

#: (wrong pain type, path inside the text, expected, value named): texts are reported at
#: their own paths (``$``, ``$.condition``, ``$.phase``), as PainType.parse reports them.
PAIN_TEXTS: list[tuple[str, str, str, str]] = [
    ("low_back:chronc", "$.phase", PHASES, "chronc"),
    ("Low_Back:chronic", "$.condition", CONDITIONS, "Low_Back"),
    ("low-back:chronic", "$.condition", CONDITIONS, "low-back"),
    ("low_back", "$", PAIN_TYPE_EXPECTED, "low_back"),
    ("", "$", PAIN_TYPE_EXPECTED, ""),
]

PAIN_ERRORS = [
    (f"{name}-{text!r}", call, text, at, expected, shown)
    for name, call, _path, _none in PAIN_SLOTS
    for text, at, expected, shown in PAIN_TEXTS
]
PAIN_TYPE_ERRORS = [
    (f"{name}-{value!r}", call, path, value)
    for name, call, path, none_allowed in PAIN_SLOTS
    for value in [
        3,
        Condition.LOW_BACK,
        ("low_back", "chronic"),
        *([] if none_allowed else [None]),
    ]
]


@pytest.mark.parametrize(
    ("call", "text", "path", "expected", "shown"),
    [case[1:] for case in PAIN_ERRORS],
    ids=[case[0] for case in PAIN_ERRORS],
)
def test_error_pain_type_text(
    call: Callable[[object], object], text: str, path: str, expected: str, shown: str
) -> None:
    """A pain type text that does not parse names the part that is wrong, never an empty answer."""
    with pytest.raises(ValidationError) as caught:
        call(text)
    assert str(caught.value) == f'{path}: expected {expected}; got the str "{shown}"'


@pytest.mark.parametrize(
    ("call", "path", "value"),
    [case[1:] for case in PAIN_TYPE_ERRORS],
    ids=[case[0] for case in PAIN_TYPE_ERRORS],
)
def test_error_pain_type_of_a_wrong_type(
    call: Callable[[object], object], path: str, value: object
) -> None:
    """Something that is neither a PainType nor its text is refused, naming its type."""
    with pytest.raises(ValidationError) as caught:
        call(value)
    assert str(caught.value) == f"{path}: expected {PAIN_TYPE_EXPECTED}; got {typed_value(value)}"


def test_error_finding_pain_type_text_is_under_the_field() -> None:
    """A record's pain type text that does not parse is reported under the field's path."""
    with pytest.raises(ValidationError) as caught:
        finding(pain_type="low_back:chronc")
    assert caught.value.path == "$.pain_type.phase"


@pytest.mark.parametrize("kind", ["masage", "Massage", "massage.swedish", 3])
def test_error_select_unknown_kind(kind: object) -> None:
    """An unknown kind is an error naming the kinds, not an empty selection."""
    with pytest.raises(ValidationError) as caught:
        default_catalog().select(kind=kind)  # type: ignore[arg-type]
    assert str(caught.value) == (
        '$.kind: expected a modality kind: one of "massage", "exercise", "physical_therapy", '
        '"rehabilitation", "psychological", "manual_therapy", "acupuncture", "physical_agent", '
        f'"self_management", "lifestyle"; got {typed_value(kind)}'
    )


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (lambda: Patient(precautions="blood_clot"), "$.precautions"),
        (lambda: ScoringPolicy(comparators="inactive"), "$.comparators"),
        (lambda: massage(precautions=[["fracture"]]), "$.precautions"),
    ],
)
def test_error_set_of_members_given_as_one_string(build: Callable[[], object], path: str) -> None:
    """A bare string (or unhashable items) where a set of members goes is refused whole."""
    with pytest.raises(ValidationError) as caught:
        build()
    assert (caught.value.path, caught.value.rule) == (path, "type")
    assert "a set, list or tuple of " in caught.value.expected


def test_library_errors_only() -> None:
    """Every refusal above is the library's error (a ValueError too), never a raw one."""
    for call in (
        lambda: YOGA.recommendations_for(object()),  # type: ignore[arg-type]
        lambda: YOGA.findings_for(["low_back", "chronic"]),  # type: ignore[arg-type]
        lambda: default_catalog().select(activity=["active"]),  # type: ignore[arg-type]
        lambda: Patient(precautions={frozenset()}),  # type: ignore[arg-type]
    ):
        with pytest.raises(PainModalitiesError) as caught:
            call()
        assert isinstance(caught.value, ValueError)


# -- properties --------------------------------------------------------------------------


@given(catalogs(), pain_types())
def test_text_pain_type_scores_and_finds_as_the_pain_type(
    catalog: Catalog, pain_type: PainType
) -> None:
    """For any catalog and pain type, its text gives exactly the same scores and findings."""
    text = str(pain_type)
    for modality in catalog:
        assert score(modality, text) == score(modality, pain_type)
        assert modality.findings_for(text) == modality.findings_for(pain_type)
        assert modality.expected_benefit(text) == modality.expected_benefit(pain_type)
        assert modality.recommendations_for(text) == modality.recommendations_for(pain_type)
    assert catalog.select(pain_type=text) == catalog.select(pain_type=pain_type)
    assert rank(text, catalog=catalog) == rank(pain_type, catalog=catalog)


@given(st.sampled_from([Precaution, Certainty, Comparator, Outcome, Horizon, Effect, Phase]))
def test_every_member_value_reads_as_its_member(enum_type: type[RankedEnum]) -> None:
    """Each member's exact value is taken for the member, and nothing is taken for another."""
    for member in enum_type:
        assert painmodalities._rules.member_of(enum_type).coerce(member.value, "$") is member


# -- the type hints say so -----------------------------------------------------------------

USER_PROGRAM = """
from painmodalities import (
    Finding, Patient, PainType, Recommendation, ScoringPolicy, default_catalog, plan, rank,
    rank_many, score,
)

patient = Patient(precautions={"blood_clot"}, exclude={"massage.swedish"})
policy = ScoringPolicy(min_certainty="low", comparators={"mixed", "inactive"})
pain = PainType(condition="low_back", phase="chronic")
ranking = rank("low_back:chronic", patient=patient, policy=policy)
catalog = default_catalog()
yoga = catalog["exercise.yoga"]
value: float = float(score(yoga, "low_back:chronic"))
found = yoga.findings_for("low_back:chronic", "function")
lasts = yoga.expected_benefit("neck:chronic", outcome="function", min_certainty="low")
advice = yoga.recommendations_for("low_back:chronic")
active = catalog.select(activity="active", kind="exercise", pain_type="neck:chronic")
finding = Finding(
    pain_type="low_back:chronic", outcome="pain", horizon="short", effect="small",
    certainty="low", source="acp-2017",
)
guidance = Recommendation(
    condition="neck", phase=None, direction="for", strength="weak", source="acp-2017"
)
rankings = list(rank_many([("neck:acute", None), (pain, patient)]))
care = plan("neck:chronic", patient=Patient(precautions=["fracture"]))
"""

MISUSE = """
from painmodalities import ScoringPolicy, rank

policy = ScoringPolicy(min_certainty=3)
ranking = rank(42)
"""


def test_string_forms_type_check_in_user_code(tmp_path: Path) -> None:
    """A user program using the string forms passes mypy --strict; a wrong type does not."""
    api = pytest.importorskip("mypy.api")
    (tmp_path / "user_program.py").write_text(textwrap.dedent(USER_PROGRAM), encoding="utf-8")
    (tmp_path / "misuse.py").write_text(textwrap.dedent(MISUSE), encoding="utf-8")
    (tmp_path / "mypy.ini").write_text("[mypy]\n", encoding="utf-8")
    source = str(Path(painmodalities.__file__).parents[1])  # this checkout's src, not another
    before = os.environ.get("MYPYPATH")
    os.environ["MYPYPATH"] = source
    try:
        out, err, _status = api.run(
            [
                "--config-file",
                str(tmp_path / "mypy.ini"),
                "--strict",
                "--cache-dir",
                str(Path(source).parent / ".mypy_cache"),
                "--no-error-summary",
                "--hide-error-context",
                str(tmp_path / "user_program.py"),
                str(tmp_path / "misuse.py"),
            ]
        )
    finally:
        if before is None:
            del os.environ["MYPYPATH"]
        else:
            os.environ["MYPYPATH"] = before
    assert err == ""
    lines = [line for line in out.splitlines() if ": error:" in line]
    assert not [line for line in lines if "user_program.py" in line], out
    assert sorted(line.split(":")[1] for line in lines if "misuse.py" in line) == ["4", "5"], out
