"""Care plans (issue 14): worked examples, generated catalogs, FHIR and the command line."""

import attrs
import orjson
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from painmodalities import (
    Acceptability,
    Activity,
    CarePlan,
    Catalog,
    Direction,
    Horizon,
    Patient,
    PlanRole,
    Precaution,
    Ranking,
    Stability,
    Strength,
    ValidationError,
    check_plan,
    from_json,
    json_schema,
    plan,
    rank,
    to_json,
)
from painmodalities.modalities import Acupuncture
from tests.strategies import catalogs, pain_types, patients, policies, weights

# -- worked examples on the built-in catalog ----------------------------------------------


def _ids(items: tuple[object, ...]) -> list[str]:
    return [item.modality.id for item in items]  # type: ignore[attr-defined]


def test_chronic_low_back_plan_has_advice_the_tied_best_and_the_strongly_recommended() -> None:
    """Advice leads; exercise and the PT programme tie at 41/60 (best scored); the options
    ACP 2017 recommends strongly join them whatever their score.

    Acupuncture has scored benefit but NICE NG59 recommends against it: not in the plan.
    """
    care = plan("low_back:chronic")
    ids = _ids(care.core_choices)
    assert ids[:3] == [
        "self_management.advice",
        "exercise.therapeutic",
        "physical_therapy.programme",
    ]
    assert {"psychological.mindfulness", "rehabilitation.multidisciplinary"} <= set(ids)
    assert care.core_choices[2].recommended_by == ()  # there by its score
    assert care.core is care.core_choices[0]
    assert "acupuncture" not in _ids(care.members)
    assert "exercise.therapeutic" in care.timeline[3].function


def test_chronic_neck_plan_with_blood_clot_has_no_massage() -> None:
    """A blood clot rules every massage out; the programme goes without structural massage
    and ties with exercise (both 17/30), so both are core choices; acupuncture is the
    adjunct, not labelled short-term (its function benefit lasts to the intermediate horizon).
    """
    care = plan("neck:chronic", patient=Patient(precautions={Precaution.BLOOD_CLOT}))
    assert _ids(care.core_choices) == ["exercise.therapeutic", "physical_therapy.programme"]
    assert care.core_choices[1].option.without[0].component == "massage.structural"
    assert care.core_choices[1].pain_lasts is None  # the massage's pain finding is gone
    assert _ids(care.adjuncts) == ["acupuncture"]
    acupuncture = care.adjuncts[0]
    assert acupuncture.role is PlanRole.ADJUNCT
    assert acupuncture.function_lasts is Horizon.INTERMEDIATE
    assert acupuncture.labels == ()  # its benefit lasts past the short horizon


def test_acute_low_back_plan_has_advice_as_its_active_core() -> None:
    """Advice and staying active is the active answer for acute low back pain (NICE NG59
    1.2.1); heat is offered for relief, with ACP 2017's recommendation beside it.
    """
    care = plan("low_back:acute")
    assert care.core is not None
    assert _ids(care.core_choices) == ["self_management.advice"]
    assert _ids(care.adjuncts) == ["physical_agent.heat"]
    assert care.adjuncts[0].role is PlanRole.ADJUNCT
    assert "short-term relief, not a long-term solution" in care.adjuncts[0].labels
    assert care.summary.startswith("For acute low back pain: advice and self-management")


def test_plan_with_nothing_ranked_says_so() -> None:
    care = plan("neck:acute")
    assert care.core is None
    assert care.adjuncts == ()
    assert len(care.notes) == 2
    assert all(step.function == step.pain == () for step in care.timeline)


def test_plan_json_round_trip_and_schema() -> None:
    import jsonschema

    for pain in ("neck:chronic", "low_back:acute", "neck:acute"):
        care = plan(pain)
        text = to_json(care)
        assert from_json(text, CarePlan) == care
        document = orjson.loads(text)
        jsonschema.validate(document, json_schema("care_plan"))
        assert document["summary"] == care.summary


def test_error_plan_document_whose_adjuncts_disagree_with_its_ranking() -> None:
    """A loaded plan is rebuilt from its (checked) ranking; a changed plan is refused."""
    care = plan("neck:chronic")
    forged = attrs.evolve(care, adjuncts=care.adjuncts[1:])
    assert [problem.path for problem in check_plan(forged)] == ["$.adjuncts"]
    with pytest.raises(ValidationError) as caught:
        from_json(to_json(forged), CarePlan)
    assert caught.value.problems[0].path == "$.adjuncts"


def test_error_plan_bad_arguments() -> None:
    with pytest.raises(ValidationError):
        plan("neck:forever")
    with pytest.raises(ValidationError):
        CarePlan.from_ranking("not a ranking")  # type: ignore[arg-type]


# -- plans over generated catalogs --------------------------------------------------------


@st.composite
def planned(draw: st.DrawFn) -> tuple[Catalog, CarePlan]:
    """A plan for a generated catalog, pain type, patient, weights and policy."""
    catalog = draw(catalogs())
    care = plan(
        draw(pain_types()),
        catalog=catalog,
        patient=draw(patients(catalog)),
        weights=draw(weights()),
        policy=draw(policies()),
    )
    return catalog, care


def _says(item_or_option: object, direction: Direction) -> bool:
    return any(
        advice.direction is direction
        for advice in item_or_option.recommendations  # type: ignore[attr-defined]
    )


@given(planned())
def test_plan_core_is_active_whenever_an_active_option_has_evidence(
    found: tuple[Catalog, CarePlan],
) -> None:
    """The core is advice where recommended, the best-ranked active option no guideline is
    against with every active option tied with it, and every active option a guideline in
    scope recommends strongly with none against; it is empty only when there is none.
    """
    _, care = found
    allowed = [o for o in care.ranking.available if not _says(o, Direction.AGAINST)]
    eligible = [
        option
        for option in care.ranking.options
        if option.modality.activity is Activity.ACTIVE and not _says(option, Direction.AGAINST)
    ]
    best = eligible[0].score.value if eligible else None
    strong = [
        option
        for option in allowed
        if option.modality.activity is Activity.ACTIVE
        and any(
            a.direction is Direction.FOR and a.strength is Strength.STRONG
            for a in option.recommendations
        )
    ]
    advice = [
        o for o in allowed if o.modality.id == "self_management.advice" and _says(o, Direction.FOR)
    ]
    expected = {
        o.modality.id for o in (*strong, *advice, *(o for o in eligible if o.score.value == best))
    }
    assert set(_ids(care.core_choices)) == expected
    assert (care.core is None) == (not expected)
    assert all(item.role is PlanRole.CORE for item in care.core_choices)


@given(planned())
def test_plan_never_offers_what_it_must_not(found: tuple[Catalog, CarePlan]) -> None:
    """No only-with-exercise option without an active core; nothing excluded, unranked or
    recommended against; every adjunct passive, with a scored finding of benefit.
    """
    _, care = found
    excluded = {entry.modality.id for entry in care.ranking.excluded}
    for item in care.members:
        assert item.modality.id not in excluded
        assert not _says(item, Direction.AGAINST)
        assert (
            (item.score.has_benefit and bool(item.shows))
            or bool(item.recommended_by)
            or (item.modality.id == "self_management.advice")
        )
    for item in care.adjuncts:
        assert item.modality.activity is Activity.PASSIVE
        if care.core is None:
            assert not _says(item, Direction.ONLY_WITH_EXERCISE)
            assert item.role is PlanRole.SYMPTOM_RELIEF
        else:
            assert item.role is PlanRole.ADJUNCT
        if item.short_term:
            assert "short-term relief, not a long-term solution" in item.labels
    assert check_plan(care) == []


def _replan(care: CarePlan, catalog: Catalog) -> CarePlan:
    """The plan of ``care``'s pain type, patient, weights and policy on another catalog."""
    ranking = care.ranking
    return plan(
        ranking.pain_type,
        catalog=catalog,
        patient=ranking.patient,
        weights=ranking.weights,
        policy=ranking.policy,
    )


def _assert_same_plan(again: CarePlan, care: CarePlan) -> None:
    assert (again.core_choices, again.adjuncts, again.timeline) == (
        care.core_choices,
        care.adjuncts,
        care.timeline,
    )


@given(planned(), st.randoms(use_true_random=False))
def test_plan_does_not_depend_on_catalog_order(
    found: tuple[Catalog, CarePlan], shuffle: object
) -> None:
    """The same catalog in another order gives the same core, adjuncts and timeline."""
    catalog, care = found
    shuffled = list(catalog.modalities)
    shuffle.shuffle(shuffled)  # type: ignore[attr-defined]
    reordered = Catalog(modalities=tuple(shuffled), sources=tuple(reversed(catalog.sources)))
    _assert_same_plan(_replan(care, reordered), care)


@given(planned())
def test_plan_unchanged_by_a_modality_that_is_neither_core_nor_adjunct(
    found: tuple[Catalog, CarePlan],
) -> None:
    """Adding a modality without findings (it is unranked) leaves the plan as it was."""
    catalog, care = found
    newcomer = Acupuncture(id="acupuncture.zz_newcomer", name="Newcomer", activity=Activity.ACTIVE)
    assume(newcomer.id not in catalog.ids)
    _assert_same_plan(_replan(care, catalog.extend([newcomer])), care)


@given(planned())
def test_plan_json_round_trip_over_generated_catalogs(found: tuple[Catalog, CarePlan]) -> None:
    catalog, care = found
    assert from_json(to_json(care), CarePlan, catalog=catalog) == care


# -- FHIR and the command line ----------------------------------------------------------------


@pytest.mark.parametrize("version", ["R4B", "R5"])
def test_fhir_plan_has_a_core_group_of_one_or_more_and_an_adjunct_group_of_any(
    version: str,
) -> None:
    from painmodalities.fhir import export_plan

    care = plan("neck:chronic", patient=Patient(precautions={Precaution.BLOOD_CLOT}))
    bundle = export_plan(care, version=version)
    group = bundle["entry"][0]["resource"]
    expected = "RequestGroup" if version == "R4B" else "RequestOrchestration"
    assert group["resourceType"] == expected
    core, adjunct = group["action"]
    assert core["selectionBehavior"] == "one-or-more"
    assert [action["title"] for action in core["action"]] == [
        item.modality.name for item in care.core_choices
    ]
    assert adjunct["selectionBehavior"] == "any"
    assert "In the plan because" in core["action"][0]["description"]


@pytest.mark.parametrize("version", ["R4B", "R5"])
def test_fhir_plan_request_without_a_code_says_so(version: str) -> None:
    """Each proposed ServiceRequest carries the verified SNOMED CT codes of its modality;
    one with none (advice and self-management, weight management) says so in a note.
    """
    from painmodalities import _words
    from painmodalities.fhir import SNOMED_SYSTEM, export_plan

    care = plan("knee_osteoarthritis:chronic")
    requests = [
        entry["resource"]
        for entry in export_plan(care, version=version)["entry"]
        if entry["resource"]["resourceType"] == "ServiceRequest"
    ]
    assert len(requests) == len(care.members)
    for item, request in zip(care.members, requests, strict=True):
        code = request["code"] if version == "R4B" else request["code"]["concept"]
        snomed = [c for c in code.get("coding", []) if c["system"] == SNOMED_SYSTEM]
        notes = [note["text"] for note in request.get("note", [])]
        assert notes == ([] if snomed else [_words.no_snomed_code(item.modality.name)])
    uncoded = {
        item.modality.id
        for item, request in zip(care.members, requests, strict=True)
        if "note" in request
    }
    assert {"self_management.advice", "lifestyle.weight_management"} <= uncoded


def test_fhir_plan_without_core_says_so() -> None:
    from painmodalities.fhir import export_plan

    group = export_plan(plan("tension_headache:chronic"))["entry"][0]["resource"]
    assert [action["id"] for action in group["action"]] == ["adjunct"]
    assert any("No active option" in note["text"] for note in group["note"])
    assert "core" not in [action["id"] for action in group["action"]]


def test_error_fhir_plan_of_something_else() -> None:
    from painmodalities.fhir import export_plan

    with pytest.raises(ValidationError):
        export_plan("neck:chronic")  # type: ignore[arg-type]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from painmodalities.cli import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_plan_table_fits_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["plan", "neck", "chronic", "--precaution", "blood_clot"], capsys)
    assert code == 0
    assert "Active core" in out
    assert "without structural massage" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_cli_plan_without_active_core(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["plan", "tension_headache", "chronic"], capsys)
    assert code == 0
    assert "No active option has scored evidence for chronic tension-type headache." in out
    assert "Symptom relief only" in out


def test_cli_plan_json_is_the_plan_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["plan", "low_back", "chronic", "--format", "json"], capsys)
    assert code == 0
    assert from_json(out, CarePlan) == plan("low_back:chronic")


def test_cli_plan_fhir(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["plan", "neck", "chronic", "--format", "fhir"], capsys)
    assert code == 0
    assert orjson.loads(out)["entry"][0]["resource"]["resourceType"] == "RequestGroup"


def test_cli_rank_stability_and_acceptability(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["rank", "neck", "chronic", "--stability", "--acceptability", "--top", "1"], capsys
    )
    assert code == 0
    assert "Stability of first place:" in out
    assert "Physical therapy programme (exercise-led) ranks first under 100% of" in out
    tail = out[out.index("Stability of first place:") :]
    assert max(len(line) for line in tail.splitlines()) <= 80


def test_cli_rank_json_carries_stability(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["rank", "neck", "chronic", "--stability", "--acceptability", "--format", "json"],
        capsys,
    )
    assert code == 0
    document = orjson.loads(out)
    assert from_json(orjson.dumps(document["ranking"]), Ranking) == rank("neck:chronic")
    stability_ = from_json(orjson.dumps(document["stability"]), Stability)
    assert stability_.first == ("physical_therapy.programme",)
    acceptability_ = from_json(orjson.dumps(document["acceptability"]), Acceptability)
    assert acceptability_.first_rank["physical_therapy.programme"] == 1


def test_error_cli_stability_with_fhir(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["rank", "neck", "chronic", "--stability", "--format", "fhir"], capsys)
    assert code == 2
    assert "--stability and --acceptability work with --format table or json" in err


def test_error_cli_plan_needs_a_phase(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["plan", "neck"], capsys)
    assert code == 2
    assert "PHASE" in err
