"""Guideline-concordant care plans (issue 24): what the guidelines put first is never left
out, and no plan misleads.

The table test computes each plan once per (pain type, patient) and checks every rule on it.
"""

import contextlib
import io
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import (
    Activity,
    CarePlan,
    Condition,
    Direction,
    Horizon,
    Outcome,
    PainType,
    Patient,
    Phase,
    PlanItem,
    PlanRole,
    Precaution,
    Strength,
    default_catalog,
    plan,
    rank,
)
from painmodalities._entries import scored_benefits
from painmodalities.cli import main
from painmodalities.service import _cards
from tests import strategies as gen

CATALOG = default_catalog()
PAIN_TYPES = [PainType(condition, phase) for condition in Condition for phase in Phase]
PATIENTS = [
    Patient(),
    *(Patient(precautions=frozenset({precaution})) for precaution in Precaution),
    *(Patient(exclude=frozenset({modality_id})) for modality_id in CATALOG.ids),
    Patient(covered=frozenset({"physical_therapy.programme", "massage.structural"})),
    Patient(max_session_minutes=30),
]


def _option_problems(care: CarePlan) -> list[str]:
    """A guideline's strong "for" left out of the core, or its "against" in the plan."""
    problems: list[str] = []
    members = {item.modality.id for item in care.members}
    core = {item.modality.id: item for item in care.core_choices}
    for option in care.ranking.available:
        said = option.recommendations
        against = any(advice.direction is Direction.AGAINST for advice in said)
        strong = {
            advice
            for advice in said
            if advice.direction is Direction.FOR and advice.strength is Strength.STRONG
        }
        modality_id = option.modality.id
        if against and modality_id in members:
            problems.append(f"{modality_id} is in the plan though a guideline says not to")
        if strong and not against and option.modality.is_active:
            found = core.get(modality_id)
            if found is None:
                problems.append(f"strong-for {modality_id} left out of the core")
            elif not strong <= set(found.recommended_by):
                problems.append(f"{modality_id}'s recommended_by does not name its guideline")
    return problems


def _programme_left_active(care: CarePlan, item: PlanItem) -> bool:
    """Whether a programme member still has an active component (or lost none)."""
    if item.modality.kind != "physical_therapy" or not item.option.without:
        return True
    catalog = care.ranking.catalog or CATALOG
    left = {o.component for o in item.option.without}
    components = item.modality.components  # type: ignore[attr-defined]
    kept = [catalog.get(c) for c in components if c not in left]
    return not item.modality.is_active or any(p is not None and p.is_active for p in kept)


def _rule_problems(care: CarePlan) -> list[str]:
    """Every way ``care`` breaks the issue's rules (empty when it keeps them)."""
    excluded = {exclusion.modality.id for exclusion in care.ranking.excluded}
    problems = [
        f"passive core choice {item.modality.id}"
        for item in care.core_choices
        if item.modality.activity is not Activity.ACTIVE
    ]
    problems += _option_problems(care)
    problems += [
        f"{item.modality.id} is ruled out for the patient but in the plan"
        for item in care.members
        if item.modality.id in excluded
    ]
    problems += [
        f"{item.modality.id}: a programme without its active components"
        for item in care.members
        if not _programme_left_active(care, item)
    ]
    problems += [
        f"{item.modality.id} is the whole plan"
        for item in care.members
        if item.modality.kind == "massage" and not care.core_choices
    ]
    return problems


@pytest.mark.parametrize("pain_type", PAIN_TYPES, ids=str)
def test_every_plan_follows_the_guidelines_for_every_patient(pain_type: PainType) -> None:
    found = {
        repr(patient): _rule_problems(plan(pain_type, patient=patient)) for patient in PATIENTS
    }
    assert {key: problems for key, problems in found.items() if problems} == {}


@given(gen.rankings())
def test_property_any_catalog_and_patient_keeps_the_plan_rules(ranking: object) -> None:
    from painmodalities import Ranking

    assert isinstance(ranking, Ranking)
    care = CarePlan.from_ranking(ranking)
    assert _rule_problems(care) == []
    assert [item.role for item in care.core_choices] == [PlanRole.CORE] * len(care.core_choices)
    assert all(item.role is not PlanRole.CORE for item in care.adjuncts)


@given(st.sampled_from(PAIN_TYPES), st.sampled_from(PATIENTS))
def test_property_recommended_by_holds_strong_for_recommendations_only(
    pain_type: PainType, patient: Patient
) -> None:
    care = plan(pain_type, patient=patient)
    for item in care.members:
        assert all(
            advice.direction is Direction.FOR
            and advice.strength is Strength.STRONG
            and advice in item.recommendations
            for advice in item.recommended_by
        )


# -- named examples ----------------------------------------------------------------------


def _ids(items: tuple[object, ...]) -> list[str]:
    return [item.modality.id for item in items]  # type: ignore[attr-defined]


def test_fibromyalgia_core_holds_exercise_with_nice_and_eular() -> None:
    care = plan("fibromyalgia:chronic")
    exercise = next(i for i in care.core_choices if i.modality.id == "exercise.therapeutic")
    assert {advice.source for advice in exercise.recommended_by} == {
        "nice-ng193",
        "eular-2016-fm",
    }
    assert "NICE NG193" in exercise.explain()
    assert "psychological.cbt" in _ids(care.core_choices)  # the best scored stays


def test_acute_low_back_plan_is_advice_with_heat_for_relief_and_assessments() -> None:
    care = plan("low_back:acute")
    assert _ids(care.core_choices) == ["self_management.advice"]
    heat = next(item for item in care.members if item.modality.id == "physical_agent.heat")
    assert heat.role is not PlanRole.CORE
    assert heat in care.adjuncts
    assert heat.recommended_by
    kinds = [found.kind.value for found in care.assessments]
    assert kinds[0] == "alternative_diagnoses"
    text = care.explain()
    assert "alternative diagnoses" in text
    assert "improve over time whatever the treatment" in text
    assert "acupuncture" in _ids(care.conflicts)


def test_knee_osteoarthritis_plan_holds_exercise_and_weight_management() -> None:
    care = plan("knee_osteoarthritis:chronic")
    ids = _ids(care.core_choices)
    assert ids[0] == "self_management.advice"
    assert {"exercise.therapeutic", "lifestyle.weight_management"} <= set(ids)
    weight = next(i for i in care.core_choices if i.modality.id == "lifestyle.weight_management")
    assert "for people who are overweight" in weight.labels
    assert weight.rank is None


def test_neck_pain_without_exercise_has_no_programme() -> None:
    care = plan("neck:chronic", patient=Patient(exclude=frozenset({"exercise.therapeutic"})))
    assert "physical_therapy.programme" not in _ids(care.members)
    exclusion = rank(
        "neck:chronic", patient=Patient(exclude=frozenset({"exercise.therapeutic"}))
    ).entry("physical_therapy.programme")
    assert "not an exercise-led programme" in exclusion.explain()


def test_error_plan_item_refuses_an_exclusion_as_its_option() -> None:
    from painmodalities import PlanItem, ValidationError

    exclusion = rank("low_back:chronic").entry("acupuncture")
    with pytest.raises(ValidationError):
        PlanItem(option=exclusion, role="core", shows=(), function_lasts=None, pain_lasts=None)  # type: ignore[arg-type]


# -- words that match the evidence ---------------------------------------------------------


def _cli(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(list(args))
    return out.getvalue()


WORDING: list[tuple[Callable[[], str], list[str], list[str]]] = [
    # (text, must appear, must not appear)
    (
        lambda: rank("low_back:acute").summary,
        [
            "Superficial heat is the only option with scored evidence for acute low back pain",
            "pain relief for under a month",
        ],
        ["long-term function"],
    ),
    (
        lambda: plan("low_back:acute").summary,
        [
            "Superficial heat is the only option with scored evidence for acute low back pain: "
            "function benefit for under a month and pain relief for under a month.",
        ],
        ["long-term function", "ranks first"],
    ),
    (
        lambda: " ".join(_cli("plan", "low_back", "acute").split()),
        ["Superficial heat is the only option with scored evidence for acute low back pain:"],
        ["long-term function"],
    ),
    (
        lambda: _cards.care_plan_section(plan("low_back:acute")),
        ["Superficial heat is the only option with scored evidence for acute low back pain:"],
        ["long-term function"],
    ),
    (
        lambda: plan("low_back:chronic").summary,
        [
            "Therapeutic exercise and Physical therapy programme (exercise-led) share first "
            "place for long-term function in chronic low back pain."
        ],
        [],
    ),
    (
        lambda: plan("hip_osteoarthritis:chronic").summary,
        ["share first place for chronic hip osteoarthritis: function benefit for under a month"],
        ["long-term function"],
    ),
    (
        lambda: plan("tension_headache:chronic").summary,
        [
            "No active option has scored evidence for chronic tension-type headache.",
            "Spinal manipulation is the only option with scored evidence for chronic "
            "tension-type headache: function benefit for under 6 months",
        ],
        ["long-term function"],
    ),
    (
        lambda: plan("fibromyalgia:chronic").explain(),
        ["NICE NG193", "EULAR 2016"],
        [
            "Acupuncture (acupuncture): function benefit shown up to the intermediate horizon "
            "(short-term relief"
        ],
    ),
    (
        lambda: plan("low_back:acute").explain(),
        ["advice and self-management (stay active)", "Assess first"],
        ["No active option has scored evidence for acute low back pain"],
    ),
    (
        lambda: plan("knee_osteoarthritis:chronic").explain(),
        [
            "for people who are overweight",
            "Swedish (relaxation) massage, Trigger point massage, not offered: ACR 2019 OA "
            "(massage in general) for chronic knee osteoarthritis: massage conditionally "
            "recommended against",
        ],
        # no massage technique is a member (by its id) nor in the timeline
        ["(massage.", *(f"massage.{t}" for t in ("swedish", "deep_tissue", "structural"))],
    ),
    (
        lambda: _cards.care_plan_section(plan("neck:chronic")),
        ["Precautions not checked", "(nccih-massage)", "its structural massage"],
        ["choose one"],
    ),
    (
        lambda: _cli("plan", "low_back", "acute"),
        ["Assess first", "in the plan because"],
        ["choose one"],
    ),
    (
        lambda: rank(
            "neck:chronic", patient=Patient(precautions=frozenset({Precaution.BLOOD_CLOT}))
        ).explain(),
        ["precaution: blood clot (nccih-massage)"],
        [],
    ),
]


@pytest.mark.parametrize("row", range(len(WORDING)))
def test_wording_table(row: int) -> None:
    make, must, must_not = WORDING[row]
    text = make()
    for sentence in must:
        assert sentence in text
    for sentence in must_not:
        assert sentence not in text


@pytest.mark.parametrize("pain_type", PAIN_TYPES, ids=str)
def test_plan_summary_says_what_the_first_option_shows(pain_type: PainType) -> None:
    """A plan's summary says the ranking's own lead (one rule for both), and "long-term
    function" only where the first option's function benefit is scored at the
    intermediate or long horizon.
    """
    care = plan(pain_type)
    ranking = care.ranking
    if not ranking.options:
        assert "scored evidence" in care.summary
        assert "long-term function" not in care.summary
        return
    assert f" {ranking.lead}." in care.summary
    assert ranking.summary.startswith(f"{ranking.lead}; ")
    first = ranking.options[0]
    function = [
        found.horizon
        for found in scored_benefits(first, ranking.pain_type)
        if found.outcome is Outcome.FUNCTION
    ]
    lasting = bool(function) and max(function) >= Horizon.INTERMEDIATE
    assert ("long-term function" in care.summary) == (lasting and len(ranking.options) > 1)


def test_short_term_label_only_when_benefit_ends_by_the_short_horizon() -> None:
    for pain_type in PAIN_TYPES:
        for item in plan(pain_type).members:
            lasts = [h for h in (item.function_lasts, item.pain_lasts) if h is not None]
            labelled = "short-term relief, not a long-term solution" in item.labels
            assert labelled == (
                item.role is not PlanRole.CORE
                and bool(lasts)
                and max(lasts).value in ("immediate", "short")
            )
