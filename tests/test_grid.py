"""The option grid: a hand-checked example, and every cell traced to the catalog."""

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painmodalities import (
    GRID_QUESTIONS,
    Condition,
    Modality,
    Outcome,
    PainType,
    Patient,
    Phase,
    Precaution,
    UnknownModalityError,
    ValidationError,
    compare,
    default_catalog,
)


def test_chronic_low_back_exercise_against_swedish_massage() -> None:
    """Hand-checked against the dossier's rows for chronic low back pain.

    Exercise: jenkins-2025 moderate function effect at long horizon, low certainty (scored);
    cochrane-exercise-clbp-2021 moderate pain effect at short horizon, moderate certainty
    (MD -15 on 0-100). Swedish
    massage: five findings (cochrane-massage-2015, cherkin-2011), all very low certainty,
    so none is scored under the default policy (low certainty or above).
    """
    grid = compare(["exercise.therapeutic", "massage.swedish"], "low_back:chronic")
    assert grid.ids == ("exercise.therapeutic", "massage.swedish")
    assert [row.key for row in grid.rows] == list(GRID_QUESTIONS)
    expected = {
        "function": (
            "Yes: moderate effect (low certainty): MD -10.2 (95% CI -17.5 to -2.9) on 0-100",
            "Not scored (below low certainty)",
        ),
        "pain": (
            "Yes: moderate effect (moderate certainty): MD -15 (95% CI -18 to -12) on pain "
            "intensity 0-100, 35 studies, 2746 participants",
            "Not scored (below low certainty)",
        ),
        "lasts": (
            "function: long term (12 months or more); pain: short term (1 to under 6 months)",
            "No benefit shown at low certainty or above",
        ),
        "certainty": (
            "Moderate (the best finding of benefit)",
            "No scored finding shows benefit; 5 findings not scored (below low certainty)",
        ),
        "activity": ("You do it (active)", "It is done to you (passive)"),
        "session": ("Not recorded in the evidence dossier", "About 45 minutes"),
        "coverage": ("Unknown (a hint, never a promise)", "Unknown (a hint, never a promise)"),
    }
    for key, texts in expected.items():
        assert tuple(cell.text for cell in grid.row(key).cells) == texts, key
    assert grid.cell("function", "exercise.therapeutic").sources == ("jenkins-2025",)
    assert set(grid.cell("function", "massage.swedish").sources) == {
        "cochrane-massage-2015",
        "cherkin-2011",
    }
    guidance = grid.cell("guidelines", "massage.swedish").text
    assert (
        "NICE NG59 (massage in general) for low back pain: consider massage, only as part"
    ) in guidance
    assert "Swedish" not in guidance  # said about massage, not renamed to the technique
    assert grid.cell("rules_out", "exercise.therapeutic").text == (
        "Precautions: no precautions recorded in the evidence dossier"
    )
    assert grid.cell("rules_out", "massage.swedish").sources == ("nccih-massage",)


def test_a_patient_precaution_is_answered() -> None:
    patient = Patient(precautions=frozenset({Precaution.BLOOD_CLOT}))
    grid = compare(
        ["massage.swedish", "physical_therapy.programme"], "neck:chronic", patient=patient
    )
    assert grid.cell("rules_out", "massage.swedish").text == (
        "Yes: precaution: blood clot (nccih-massage)"
    )
    programme = grid.cell("rules_out", "physical_therapy.programme").text
    assert programme == (
        "Only in part: without structural massage (precaution: blood clot (nccih-massage))"
    )
    # the programme is read without its massage component: no finding of it is cited
    for row in grid.rows:
        cell = grid.cell(row.key, "physical_therapy.programme")
        assert all(finding.component != "massage.structural" for finding in cell.findings)


def test_no_evidence_where_the_dossier_is_silent() -> None:
    grid = compare(["physical_agent.heat"], "neck:acute")
    for key in ("function", "pain", "lasts", "certainty"):
        cell = grid.cell(key, "physical_agent.heat")
        assert cell.text == "No evidence"
        assert cell.attributes == ("findings",)


def test_markdown_cites_sources() -> None:
    markdown = compare(["exercise.yoga"], "low_back:chronic").to_markdown()
    assert markdown.splitlines()[0] == "| Question | Yoga |"
    grid = compare(["exercise.yoga"], "low_back:chronic")
    for key in grid.sources:
        assert key in markdown


@pytest.mark.parametrize(
    "ids", [[], "exercise.yoga", ["exercise.yoga", "exercise.yoga"], [3]], ids=str
)
def test_error_bad_ids(ids: object) -> None:
    with pytest.raises(ValidationError) as raised:
        compare(ids, "neck:chronic")  # type: ignore[arg-type]
    assert raised.value.problems[0].path.startswith("$.ids")


def test_error_unknown_id() -> None:
    with pytest.raises(UnknownModalityError):
        compare(["yoga"], "neck:chronic")


def test_error_unknown_question() -> None:
    with pytest.raises(ValidationError):
        compare(["exercise.yoga"], "neck:chronic").row("price")


_CATALOG = default_catalog()
_ATTRIBUTES = frozenset(field.name for field in attrs.fields(Modality)) | {"components"}


@settings(max_examples=60)
@given(
    ids=st.lists(st.sampled_from(_CATALOG.ids), min_size=1, max_size=4, unique=True),
    pain_type=st.sampled_from([PainType(c, p) for c in Condition for p in Phase]),
    precautions=st.frozensets(st.sampled_from(list(Precaution)), max_size=2),
)
def test_every_cell_traces_to_the_catalog(
    ids: list[str], pain_type: PainType, precautions: frozenset[Precaution]
) -> None:
    """Each cell rests on a catalog finding, recommendation or attribute, and cites sources."""
    grid = compare(ids, pain_type, patient=Patient(precautions=precautions))
    assert grid.pain_type == PainType.coerce(pain_type)  # chronic by definition: as chronic
    pain_type = grid.pain_type
    keys = {source.key for source in _CATALOG.sources}
    for row in grid.rows:
        assert len(row.cells) == len(ids)
        for modality_id, cell in zip(ids, row.cells, strict=True):
            modality = _CATALOG[modality_id]
            assert cell.findings or cell.recommendations or cell.attributes, (row.key, cell)
            assert all(finding in modality.findings_for(pain_type) for finding in cell.findings)
            assert all(advice in modality.recommendations for advice in cell.recommendations)
            assert all(advice.applies_to(pain_type) for advice in cell.recommendations)
            assert set(cell.attributes) <= _ATTRIBUTES
            cited = {f.source for f in cell.findings} | {r.source for r in cell.recommendations}
            assert cited <= set(cell.sources) <= keys
            if cell.text == "No evidence":  # for this question: nothing to cite, said so
                assert (cell.findings, cell.attributes) == ((), ("findings",))
                outcome = {"function": Outcome.FUNCTION, "pain": Outcome.PAIN}.get(row.key)
                left_out = modality.findings_for(pain_type, outcome)
                if left_out:  # only a programme's findings of a component ruled out
                    rules_out = grid.cell("rules_out", modality_id).text
                    assert rules_out.startswith("Only in part: without ")
                    assert all(finding.component is not None for finding in left_out)
