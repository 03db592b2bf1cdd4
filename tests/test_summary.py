"""The summary of findings: each finding for a pain type with its figures, as table and JSON."""

from typing import Any

import jsonschema
import orjson
import pytest

from painmodalities import Comparator, PainType, ScoringPolicy, default_catalog
from painmodalities._words import (
    CHRONIC_SHOWN,
    COMPARATOR_WORDS,
    CONDITION_WORDS,
    NOT_REPORTED,
    figures,
)
from painmodalities.cli import EXIT_OK, EXIT_USAGE, main
from painmodalities.schema import shipped_schema
from painmodalities.summary import SUMMARY_DOCUMENT, summarize
from painmodalities.vocabulary import CHRONIC_BY_DEFINITION, Condition, Phase

CATALOG = default_catalog()
_ENUM = {"type": "string", "minLength": 1}

#: The documented shape of ``painmodalities evidence ... --format json`` (docs/cli.md).
SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["schema_version", "document", "pain_type", "label", "note", "rows"],
    "properties": {
        "schema_version": {"type": "string"},
        "document": {"const": SUMMARY_DOCUMENT},
        "pain_type": {
            "type": "object",
            "additionalProperties": False,
            "required": ["condition", "phase"],
            "properties": {"condition": _ENUM, "phase": _ENUM},
        },
        "label": {"type": "string"},
        "note": {"type": ["string", "null"], "minLength": 1},
        "rows": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "modalities",
                    "outcome",
                    "horizon",
                    "effect",
                    "certainty",
                    "comparator",
                    "statistic",
                    "figures",
                    "source",
                    "scored",
                    "not_scored_because",
                ],
                "properties": {
                    "modalities": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["id", "name"],
                            "properties": {"id": _ENUM, "name": _ENUM},
                        },
                    },
                    "outcome": _ENUM,
                    "horizon": _ENUM,
                    "effect": _ENUM,
                    "certainty": _ENUM,
                    "comparator": _ENUM,
                    "statistic": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/statistic"}]},
                    "figures": _ENUM,
                    "source": _ENUM,
                    "scored": {"type": "boolean"},
                    "not_scored_because": {"type": ["string", "null"]},
                },
            },
        },
    },
}


def _schema() -> dict[str, Any]:
    statistic = shipped_schema("statistic")
    statistic.pop("required")  # a statistic inside a document carries no schema_version
    defs = statistic.pop("$defs", {})
    return {**SUMMARY_SCHEMA, "$defs": {**defs, "statistic": statistic}}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("pain_type", CATALOG.pain_types(), ids=str)
def test_every_finding_once_with_its_modalities(pain_type: PainType) -> None:
    """Each of the pain type's own findings is one row naming every modality that carries it."""
    rows = summarize(pain_type).rows
    expected = {
        (finding, modality.id)
        for modality in CATALOG
        for finding in modality.findings
        if finding.component is None and finding.pain_type == pain_type
    }
    assert {(row.finding, m.id) for row in rows for m in row.modalities} == expected
    assert len({(row.finding, row.modalities[0].kind) for row in rows}) == len(rows)
    assert all(len({m.kind for m in row.modalities}) == 1 for row in rows)
    policy = ScoringPolicy()
    for row in rows:
        assert row.unscored == policy.why_unscored(row.finding)
        assert row.effect.endswith(figures(row.finding.statistic))


def test_chronic_low_back_as_the_sources_state_it() -> None:
    """Jenkins 2025's long-term function row, and a row whose text gave no figures."""
    rows = summarize("low_back:chronic").rows
    (jenkins,) = (
        row
        for row in rows
        if row.finding.source == "jenkins-2025"
        and row.modalities[0].id == "exercise.therapeutic"
        and row.finding.outcome.value == "function"
    )
    assert jenkins.effect == "moderate: MD -10.2 (95% CI -17.5 to -2.9) on 0-100"
    bare = [row for row in rows if row.finding.statistic is None]
    assert bare
    assert all(row.effect.endswith(": " + NOT_REPORTED) for row in bare)


def test_json_follows_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    """``--format json`` validates against the documented shape and carries exact figures."""
    validator = jsonschema.Draft202012Validator(_schema())
    for pain_type in CATALOG.pain_types():
        condition, phase = pain_type.condition.value, pain_type.phase.value
        code, out, err = _run(capsys, "evidence", condition, phase, "--format", "json")
        assert (code, err) == (EXIT_OK, "")
        document = orjson.loads(out)
        validator.validate(document)
        assert document == orjson.loads(orjson.dumps(summarize(pain_type).to_document()))
        for row, shown in zip(summarize(pain_type).rows, document["rows"], strict=True):
            statistic = row.finding.statistic
            if statistic is None:
                assert shown["statistic"] is None
                assert shown["figures"] == NOT_REPORTED
            elif statistic.estimate is not None:
                assert shown["statistic"]["estimate"] == f"{statistic.estimate:f}"


def test_table_fits_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    """Every line of the table fits 80 columns, and every source is listed under it."""
    for pain_type in CATALOG.pain_types():
        condition, phase = pain_type.condition.value, pain_type.phase.value
        code, out, _ = _run(capsys, "evidence", condition, phase)
        assert code == EXIT_OK
        title = out.index(f"Summary of findings for {pain_type.label}\n")
        assert title == 0 or pain_type.chronic_by_definition
        assert max(len(line) for line in out.splitlines()) <= 80, pain_type
        for row in summarize(pain_type).rows:
            assert f"[{row.finding.source}]" in out


def test_table_says_figures_not_reported(capsys: pytest.CaptureFixture[str]) -> None:
    """A finding without figures reads "figures not reported", and a mixed one is marked."""
    _, out, _ = _run(capsys, "evidence", "low_back", "chronic")
    assert "figures not" in out
    assert "reported in the text read" in out
    assert "MD -10.2" in out
    mixed = [
        row for row in summarize("neck:chronic").rows if row.finding.comparator is Comparator.MIXED
    ]
    if mixed:
        _, out, _ = _run(capsys, "evidence", "neck", "chronic")
        assert " *" in out
        assert COMPARATOR_WORDS[Comparator.MIXED] in " ".join(out.split())


def test_no_finding_says_no_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    """A pain type the dossier holds no finding for says so, never an empty table."""
    code, out, _ = _run(capsys, "evidence", "tension_headache", "acute")
    assert code == EXIT_OK
    assert (
        out == "No finding in the evidence dossier for acute tension-type headache: no evidence.\n"
    )
    assert summarize("tension_headache:acute").rows == ()


@pytest.mark.parametrize("phase", list(Phase), ids=str)
@pytest.mark.parametrize(
    "condition", [found for found in Condition if found in CHRONIC_BY_DEFINITION], ids=str
)
def test_chronic_by_definition_summarizes_the_chronic_evidence_and_says_why(
    condition: Condition, phase: Phase, capsys: pytest.CaptureFixture[str]
) -> None:
    """Knee and hip osteoarthritis and fibromyalgia given in any phase are summarized for
    their chronic phase, and the table and the JSON say why, as ``rank`` does.
    """
    chronic = summarize(PainType(condition, Phase.CHRONIC))
    found = summarize(PainType(condition, phase))
    assert found == chronic
    assert found.rows
    note = f"{CONDITION_WORDS[condition]} is chronic by definition: {CHRONIC_SHOWN}"
    assert found.note == note
    code, out, _ = _run(capsys, "evidence", condition.value, phase.value)
    assert code == EXIT_OK
    flat = " ".join(out.split())
    assert flat.startswith(f"{note[0].upper()}{note[1:]}. Summary of findings for chronic ")
    code, out, _ = _run(capsys, "evidence", condition.value, phase.value, "--format", "json")
    document = orjson.loads(out)
    assert document["note"] == note
    assert document["pain_type"] == {"condition": condition.value, "phase": "chronic"}


@pytest.mark.parametrize(
    "pain_type", [p for p in CATALOG.pain_types() if not p.chronic_by_definition], ids=str
)
def test_other_conditions_carry_no_definition_note(pain_type: PainType) -> None:
    """Only the three conditions say "chronic by definition"; the JSON's note is null."""
    found = summarize(pain_type)
    assert found.pain_type == pain_type
    assert found.note == ""
    assert found.to_document()["note"] is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["evidence", "back", "chronic"], "argument CONDITION: "),
        (["evidence", "low_back", "forever"], "argument PHASE: "),
        (["evidence", "low_back"], "the following arguments are required: PHASE"),
    ],
)
def test_error_bad_arguments(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """A bad condition or phase is a usage error naming the argument."""
    code, out, err = _run(capsys, *argv)
    assert (code, out) == (EXIT_USAGE, "")
    assert message in err
