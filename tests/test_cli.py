"""The command line: every subcommand, every exit code, and each bad argument's message."""

import contextlib
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

import painmodalities
from painmodalities import (
    Catalog,
    Certainty,
    Criterion,
    PainType,
    Ranking,
    ScoringPolicy,
    default_catalog,
    from_json,
    rank,
    to_json,
)
from painmodalities._cli_output import RANK_CAPTION
from painmodalities.cli import (
    EXIT_BROKEN_PIPE,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    build_parser,
    main,
)
from painmodalities.schema import shipped_schema
from painmodalities.serialization import catalog_digest

Captured = tuple[int, str, str]
BIN = Path(sys.executable).parent


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Captured:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def table_rows(out: str) -> list[tuple[str, str]]:
    """The rank and option cells of a plain ranking table, wrapped lines joined, in order."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:3] == ["#", "option", "score"])
    left, right = lines[start].index("option"), lines[start].index("score")
    rows: list[tuple[str, str]] = []
    for line in lines[start + 1 :]:
        if not line.strip() or line.startswith(RANK_CAPTION[:10]):
            break
        number, option = line[:left].strip(), line[left:right].strip()
        if number:
            rows.append((number, option))
        elif option:
            rows[-1] = (rows[-1][0], f"{rows[-1][1]} {option}")
    return rows


def table_ids(out: str) -> list[str]:
    """The ids of the options of a plain ranking table (it shows names), in order."""
    ids = {f"{m.name} ({m.activity.value})": m.id for m in default_catalog()}
    return [ids[option] for _, option in table_rows(out)]


def flat(out: str) -> str:
    """The output with its lines joined, so that a sentence wrapped across lines reads whole."""
    return " ".join(out.split())


def json_of(out: str) -> dict[str, object]:
    document = orjson.loads(out)
    assert isinstance(document, dict)
    return document


def options_of(out: str) -> list[dict[str, object]]:
    options = json_of(out)["options"]
    assert isinstance(options, list)
    return options


# -- top level -------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version") == (
        EXIT_OK,
        f"painmodalities {painmodalities.__version__}\n",
        "",
    )


def test_help_shows_every_subcommand_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--help")
    assert (code, err) == (EXIT_OK, "")
    for command in ("rank", "list", "show", "sources", "schema", "validate", "export"):
        assert command in out
    assert "examples:" in out
    assert "painmodalities rank low_back chronic --explain" in out


def help_examples(*argv: str) -> list[list[str]]:
    """The commands listed under "examples:" in a --help text, split at ``&&``."""
    text = build_parser().format_help() if not argv else subparser_help(*argv)
    lines = text.partition("examples:\n")[2].split("\n\n")[0].splitlines()
    return [shlex.split(part) for line in lines for part in line.split("&&")]


def subparser_help(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*argv, "--help"]) == EXIT_OK
    return out.getvalue()


@pytest.mark.parametrize("argv", [(), ("rank",)])
def test_help_examples_run(
    argv: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every example in the help texts runs and exits 0."""
    monkeypatch.chdir(tmp_path)
    examples = help_examples(*argv)
    assert len(examples) >= 2
    for words in examples:
        assert words[0] == "painmodalities"
        arguments, target = words[1:], None
        if ">" in arguments:
            arguments, target = arguments[: arguments.index(">")], arguments[-1]
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            assert main(arguments) == EXIT_OK, words
        if target is not None:
            (tmp_path / target).write_text(out.getvalue(), encoding="utf-8")


def test_rank_help_shows_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rank", "--help")
    assert code == EXIT_OK
    for option in ("--weeks", "--precaution", "--covered", "--max-minutes", "--weights"):
        assert option in out


def test_error_no_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
    )
    assert (code, out) == (EXIT_USAGE, "")
    assert err.startswith("usage: painmodalities")
    assert err.endswith("painmodalities: error: the following arguments are required: COMMAND\n")


def test_error_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "rnak")
    assert code == EXIT_USAGE
    assert "painmodalities: error: argument COMMAND: invalid choice: 'rnak'" in err


# -- rank ------------------------------------------------------------------------------


def test_rank_table_follows_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "rank", "low_back", "chronic")
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith("Ranking for chronic low back pain, best scored first\n")
    assert table_ids(out) == list(rank("low_back:chronic").ids)


def test_rank_top_keeps_the_best(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "rank", "low_back", "chronic", "--top", "3")
    assert table_ids(out) == [
        "exercise.therapeutic",
        "physical_therapy.programme",
        "psychological.mindfulness",
    ]
    assert table_rows(out)[0] == ("=1", "Therapeutic exercise (active)")
    assert table_rows(out)[2][0] == "3"
    assert "=1  Therapeutic exercise    0.683  0.133  0.250  0.250  0.050  12+ mo  should\n" in out


def test_rank_explain_names_findings_and_sources(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "rank", "low_back", "chronic", "--top", "1", "--explain")
    assert "=1. Therapeutic exercise (active): score 0.683\n    function 0.133, from:\n" in out
    assert (
        "moderate effect on function at long horizon, low certainty: MD -10.2 (95% CI -17.5 "
        "to -2.9) on 0-100, jenkins-2025" in flat(out)
    )


@pytest.mark.parametrize(
    ("weeks", "label"),
    [("0", "acute"), ("3.5", "acute"), ("4", "subacute"), ("12", "subacute"), ("13", "chronic")],
)
def test_rank_weeks_pick_the_phase(
    capsys: pytest.CaptureFixture[str], weeks: str, label: str
) -> None:
    code, out, _ = run(capsys, "rank", "low_back", "--weeks", weeks)
    assert code == EXIT_OK
    assert out.startswith(f"Ranking for {label} low back pain")


def test_rank_precaution_rules_massage_out(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "rank", "neck", "chronic", "--precaution", "blood_clot")
    assert not any(modality_id.startswith("massage.") for modality_id in table_ids(out))
    assert (
        "- Swedish (relaxation) massage (massage.swedish): excluded: precaution: blood clot "
        "(nccih-massage)" in flat(out)
    )


def test_rank_repeated_precautions_give_every_reason(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys, "rank", "neck", "chronic", "--precaution", "fracture", "--precaution", "open_wound"
    )
    assert (
        "massage.swedish): excluded: precaution: fracture (nccih-massage); "
        "precaution: open wound (nccih-massage)"
    ) in flat(out)


def test_rank_covered_keeps_only_what_insurance_pays(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(
        capsys,
        "rank",
        "low_back",
        "chronic",
        "--covered",
        "acupuncture",
        "--covered",
        "exercise.therapeutic",
    )
    assert table_ids(out) == ["exercise.therapeutic", "acupuncture"]
    assert "(exercise.yoga): excluded: not covered by insurance" in flat(out)


def test_rank_max_minutes_rules_out_long_sessions(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "rank", "neck", "chronic", "--max-minutes", "30")
    assert (
        "(massage.structural): excluded: sessions of 45 minutes exceed the patient's 30"
        in flat(out)
    )


def test_rank_exclude(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "rank", "low_back", "chronic", "--exclude", "exercise.therapeutic")
    # without its exercise the programme is not an exercise-led programme: it is excluded
    assert table_ids(out)[0] == "psychological.mindfulness"
    assert "physical_therapy.programme" not in table_ids(out)
    assert "Therapeutic exercise (exercise.therapeutic): excluded: excluded on request" in flat(
        out
    )
    assert (
        "(physical_therapy.programme): excluded: therapeutic exercise: excluded on request; "
        "without its exercise it is not an exercise-led programme" in flat(out)
    )


def test_rank_json_is_the_ranking_document(capsys: pytest.CaptureFixture[str]) -> None:
    """``--format json`` prints the one ranking document, which loads back equal."""
    code, out, err = run(capsys, "rank", "low_back", "chronic", "--format", "json")
    assert (code, err) == (EXIT_OK, "")
    document = json_of(out)
    assert document["schema_version"] == painmodalities.SCHEMA_VERSION
    assert document["pain_type"] == {"condition": "low_back", "phase": "chronic"}
    assert document["weights"] == {
        "function": 0.4,
        "durability": 0.25,
        "activity": 0.25,
        "pain": 0.1,
    }
    assert document["catalog"]["digest"] == catalog_digest(default_catalog())  # type: ignore[index]
    expected = rank("low_back:chronic")
    assert from_json(out, Ranking) == expected
    first = options_of(out)[0]
    assert first["rank"] == 1
    assert first["modality"] == {
        "id": "exercise.therapeutic",
        "name": "Therapeutic exercise",
        "activity": "active",
    }
    assert first["score"]["value_float"] == float(Fraction(41, 60))  # type: ignore[index]
    assert document["excluded"] == []


def test_rank_json_lists_exclusions_with_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys, "rank", "low_back", "chronic", "--format", "json", "--exclude", "acupuncture"
    )
    entries: Any = json_of(out)["excluded"]
    (excluded,) = entries
    assert excluded["modality"] == {
        "id": "acupuncture",
        "name": "Acupuncture",
        "activity": "passive",
    }
    assert excluded["reasons"] == [{"code": "excluded", "detail": "excluded on request"}]
    loaded = from_json(out, Ranking)
    assert loaded.excluded[0].warnings == (
        "NICE NG59 for low back pain: do not offer acupuncture (strong)",
    )


def test_rank_json_top(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "rank", "neck", "chronic", "--format", "json", "--top", "2")
    assert len(options_of(out)) == 2
    assert len(from_json(out, Ranking).options) == 2


def test_rank_partial_weights_keep_the_other_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(
        capsys, "rank", "low_back", "chronic", "--format", "json", "--weights", " activity = 0 "
    )
    document = json_of(out)
    assert document["weights"] == {
        "function": 0.4,
        "durability": 0.25,
        "activity": 0.0,
        "pain": 0.1,
    }
    for option in from_json(out, Ranking):
        assert option.score.components[Criterion.ACTIVITY] == 0


def test_rank_min_certainty_lets_weaker_findings_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def swedish_score(*extra: str) -> object:
        _, out, _ = run(capsys, "rank", "low_back", "chronic", "--format", "json", *extra)
        loaded = from_json(out, Ranking, catalog=default_catalog())
        return float(loaded.score_of("massage.swedish"))

    expected = rank("low_back:chronic", policy=ScoringPolicy(min_certainty=Certainty.VERY_LOW))
    assert swedish_score() == 0
    assert swedish_score("--min-certainty", "very_low") == float(
        expected.option("massage.swedish").score
    )
    assert float(expected.option("massage.swedish").score) > 0


def test_rank_with_a_catalog_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    full = default_catalog()
    kept = [full["exercise.yoga"], full["massage.swedish"]]
    keys = (
        {f.source for m in kept for f in m.findings}
        | {r.source for m in kept for r in m.recommendations}
        | {m.precautions_source for m in kept if m.precautions_source}
    )
    small = Catalog.assemble(kept, [s for s in full.sources if s.key in keys])
    path = tmp_path / "small.json"
    path.write_text(to_json(small), encoding="utf-8")
    _, out, _ = run(capsys, "rank", "low_back", "chronic", "--catalog", str(path))
    # Swedish massage's chronic low back findings are very low certainty: not ranked
    assert table_ids(out) == ["exercise.yoga"]
    assert "- Swedish (relaxation) massage (passive) (5 findings shown, not scored)" in out


@given(
    st.dictionaries(
        st.sampled_from(["function", "durability", "activity", "pain"]),
        st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
        min_size=1,
    )
)
def test_rank_weights_given_are_the_weights_used(given: dict[str, float]) -> None:
    """Weights given by name are used, the others keep their defaults; all zero is refused."""
    text = ",".join(f"{name}={value!r}" for name, value in given.items())
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["rank", "neck", "chronic", "--format", "json", "--weights", text])
    defaults = {"function": 0.4, "durability": 0.25, "activity": 0.25, "pain": 0.1}
    expected = defaults | given
    if not any(expected.values()):
        assert code == EXIT_USAGE
        return
    assert code == EXIT_OK
    assert json_of(out.getvalue())["weights"] == expected


# -- rank: bad arguments -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["lowback", "chronic"],
            "argument CONDITION: unknown condition 'lowback' (choose from low_back, neck, "
            "knee_osteoarthritis, hip_osteoarthritis, fibromyalgia, tension_headache)",
        ),
        (
            ["low_back", "forever"],
            "argument PHASE: unknown phase 'forever' (choose from acute, subacute, chronic, "
            "or give --weeks N)",
        ),
        (
            ["low_back", "--weeks", "-1"],
            "argument --weeks: expected a finite number of weeks, 0 or more, got -1",
        ),
        (
            ["low_back", "--weeks", "inf"],
            "argument --weeks: expected a finite number of weeks, 0 or more, got inf",
        ),
        (
            ["low_back", "--weeks", "six"],
            "argument --weeks: expected a number of weeks, got 'six'",
        ),
        (["low_back", "chronic", "--weeks", "20"], "give PHASE or --weeks, not both"),
        (["low_back"], "rank low_back needs PHASE or --weeks N"),
        (["--weeks", "3"], "--weeks needs CONDITION"),
        (
            ["low_back", "chronic", "--exclude", "Massage Swedish"],
            "argument --exclude: expected a modality id such as massage.swedish, "
            "got 'Massage Swedish'",
        ),
        (
            ["low_back", "chronic", "--covered", ""],
            "argument --covered: expected a modality id such as massage.swedish, got ''",
        ),
        ([], "rank needs CONDITION and PHASE (or --weeks N)"),
        (
            ["low_back", "chronic", "--weights", "function"],
            "argument --weights: malformed weights 'function': expected NAME=NUMBER pairs "
            "separated by commas, such as function=0.4,durability=0.25",
        ),
        (
            ["low_back", "chronic", "--weights", "function=0.5,,pain=1"],
            "argument --weights: malformed weights 'function=0.5,,pain=1'",
        ),
        (
            ["low_back", "chronic", "--weights", "function=lots"],
            "argument --weights: weight 'function' needs a number, got 'lots'",
        ),
        (
            ["low_back", "chronic", "--weights", "comfort=1"],
            "argument --weights: unknown weight 'comfort' (choose from function, durability, "
            "activity, pain)",
        ),
        (
            ["low_back", "chronic", "--weights", "pain=1,pain=2"],
            "argument --weights: weight 'pain' is given twice",
        ),
        (
            ["low_back", "chronic", "--weights", "pain=-1"],
            "argument --weights: invalid weights 'pain=-1': $.pain: expected a finite, "
            "non-negative number, got -1.0",
        ),
        (
            ["low_back", "chronic", "--weights", "function=0,durability=0,activity=0,pain=0"],
            "argument --weights: invalid weights 'function=0,durability=0,activity=0,pain=0': "
            "$: expected at least one positive weight",
        ),
        (
            ["low_back", "chronic", "--precaution", "pregnancy"],
            "argument --precaution: unknown precaution 'pregnancy' (choose from blood_clot,",
        ),
        (
            ["low_back", "chronic", "--min-certainty", "certain"],
            "argument --min-certainty: unknown certainty 'certain' (choose from insufficient,",
        ),
        (
            ["low_back", "chronic", "--top", "0"],
            "argument --top: expected a whole number, 1 or more, got 0",
        ),
        (
            ["low_back", "chronic", "--max-minutes", "half"],
            "argument --max-minutes: expected a whole number, got 'half'",
        ),
        (
            ["low_back", "chronic", "--plot", "ranking.pdf"],
            "argument --plot: --plot writes a .png or .svg file, got 'ranking.pdf'",
        ),
        (
            ["low_back", "chronic", "--format", "xml"],
            "argument --format: invalid choice: 'xml'",
        ),
        (
            ["--fhir", "bundle.json", "--as-of", "yesterday"],
            "argument --as-of: expected a date such as 2026-01-31, got 'yesterday'",
        ),
    ],
)
def test_error_rank_usage(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "rank", *argv)
    assert (code, out) == (EXIT_USAGE, "")
    assert err.startswith("usage: painmodalities rank")
    assert f"\npainmodalities: error: {message}" in err
    assert "Traceback" not in err


def test_error_rank_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "rank", "neck", "chronic", "--exclude", "massage.thai")
    assert (code, out) == (EXIT_ERROR, "")
    assert err.startswith("painmodalities: error: no modality with id 'massage.thai'")


def test_error_rank_missing_catalog_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nope.json"
    code, out, err = run(capsys, "rank", "neck", "chronic", "--catalog", str(missing))
    assert (code, out) == (EXIT_ERROR, "")
    assert err == f"painmodalities: error: {missing}: No such file or directory\n"


def test_error_rank_invalid_catalog_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"schema_version": "1.0", "modalities": [{"kind": "massage"}]}')
    code, out, err = run(capsys, "rank", "neck", "chronic", "--catalog", str(path))
    assert (code, out) == (EXIT_ERROR, "")
    assert err.startswith(f"painmodalities: error: {path}: not a valid catalog: ")
    assert "$.modalities[0].id: expected a value (required), got nothing" in err


def test_error_rank_catalog_file_not_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_text("modalities: []")
    code, _, err = run(capsys, "rank", "neck", "chronic", "--catalog", str(path))
    assert code == EXIT_ERROR
    assert err.startswith(
        f"painmodalities: error: {path}: not a valid catalog: $: expected valid JSON"
    )


def test_error_rank_catalog_file_not_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xff\xfe\x00")
    code, _, err = run(capsys, "rank", "neck", "chronic", "--catalog", str(path))
    assert (code, err) == (EXIT_ERROR, f"painmodalities: error: {path}: not UTF-8 text\n")


# -- rank --plot ---------------------------------------------------------------------------


def test_rank_plot_png(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "ranking.png"
    code, _, err = run(capsys, "rank", "low_back", "chronic", "--plot", str(path))
    assert code == EXIT_OK
    assert err == f"painmodalities: wrote {path}\n"
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_rank_plot_svg_names_options_and_exclusions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "ranking.svg"
    code, _, _ = run(
        capsys,
        "rank",
        "low_back",
        "acute",
        "--exclude",
        "physical_agent.tens",
        "--plot",
        str(path),
    )
    assert code == EXIT_OK
    svg = path.read_text(encoding="utf-8")
    assert "Ranking for acute low back pain" in svg
    assert "Superficial heat" in svg
    assert "physical_agent.tens" in svg  # listed as ruled out
    assert "Transcutaneous" not in svg  # and not drawn as an option


def test_rank_top_applies_to_the_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ranking = rank("low_back:chronic")
    tied = [option for option in ranking.options if option.rank == 1]
    assert len(tied) > 1  # the first place is shared: --top 1 keeps every option at =1
    after = ranking.options[len(tied)]
    path = tmp_path / "top.svg"
    assert run(capsys, "rank", "low_back", "chronic", "--top", "1", "--plot", str(path))[0] == 0
    svg = path.read_text(encoding="utf-8")
    for option in tied:
        assert f"=1 {option.modality.name}" in svg
    assert after.modality.name not in svg


def test_rank_plot_is_reproducible(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    first, second = tmp_path / "first.svg", tmp_path / "second.svg"
    for path in (first, second):
        assert run(capsys, "rank", "neck", "chronic", "--plot", str(path))[0] == EXIT_OK
    assert first.read_bytes() == second.read_bytes()


def test_error_rank_plot_without_matplotlib(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    path = tmp_path / "ranking.png"
    code, _, err = run(capsys, "rank", "low_back", "chronic", "--plot", str(path))
    assert code == EXIT_ERROR
    assert err == (
        "painmodalities: error: plotting needs the plot extra: "
        "pip install 'painmodalities[plot]'\n"
    )
    assert not path.exists()


def test_error_rank_plot_unwritable(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "missing-folder" / "ranking.png"
    code, _, err = run(capsys, "rank", "low_back", "chronic", "--plot", str(path))
    assert code == EXIT_ERROR
    assert err.startswith("painmodalities: error: ")
    assert "No such file or directory" in err


# -- FHIR: only the missing-module path is testable before issue 6 is merged ---------------

FHIR_MISSING = (
    "painmodalities: error: FHIR support needs the fhir extra: "
    "pip install 'painmodalities[fhir]'\n"
)


@pytest.mark.parametrize(
    "argv",
    [
        ["rank", "low_back", "chronic", "--format", "fhir"],
        ["rank", "--fhir", "bundle.json", "--as-of", "2026-01-31"],
        ["export", "--format", "fhir", "--fhir-version", "R5"],
    ],
)
def test_error_fhir_without_the_extra(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.setitem(sys.modules, "painmodalities.fhir", None)
    code, out, err = run(capsys, *argv)
    assert (code, out, err) == (EXIT_ERROR, "", FHIR_MISSING)


# -- list, show, sources -------------------------------------------------------------------


def list_ids(out: str) -> list[str]:
    """The id column (last) of a plain list table; a wrapped name's lines have no id."""
    lines = out.splitlines()
    at = lines[0].index(" id") + 1
    rows = lines[1 : next(i for i, line in enumerate(lines) if line.startswith("min:"))]
    return [line[at:].strip() for line in rows if line[at:].strip()]


def test_list_every_modality(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list")
    assert (code, err) == (EXIT_OK, "")
    assert out.splitlines()[0].split() == ["name", "activity", "min", "coverage", "id"]
    assert list_ids(out) == list(default_catalog().ids)


def test_list_by_kind(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "list", "--kind", "massage")
    assert list_ids(out) == [m.id for m in default_catalog().select(kind="massage")]
    assert "Structural massage          passive    45  sometimes  massage.structural" in out


def test_list_by_activity(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "list", "--activity", "passive")
    ids = list_ids(out)
    assert ids
    assert all(not default_catalog()[modality_id].is_active for modality_id in ids)
    assert "exercise.therapeutic" not in out


def test_error_list_unknown_kind(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "list", "--kind", "surgery")
    assert code == EXIT_USAGE
    assert "painmodalities: error: argument --kind: invalid choice: 'surgery'" in err


def test_show_massage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "massage.swedish")
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith("Swedish (relaxation) massage (massage.swedish)\n")
    for line in (
        "  activity: passive",
        "  session: 45 minutes",
        "  technique: swedish",
        "  mechanism established: no",
        "  chronic low back pain: function not shown, pain not shown",
        "Findings (against an inactive control unless marked):",
        "Guideline recommendations (shown, not scored):",
    ):
        assert line in out
    assert "(nccih-massage)" in out  # the precautions cite their source
    assert "[cochrane-massage-2015] Massage for low-back pain (Furlan AD et al.), 2015" in out


def test_show_gives_figures_where_known(capsys: pytest.CaptureFixture[str]) -> None:
    """A finding's line carries its figures in the one wording; one without has none."""
    _, out, _ = run(capsys, "show", "exercise.therapeutic")
    assert (
        "function, long horizon: moderate effect, low certainty: MD -10.2 (95% CI -17.5 to "
        "-2.9) on 0-100" in flat(out)
    )
    _, out, _ = run(capsys, "show", "exercise.yoga")
    assert "95% CI" not in out
    assert "figures" not in out


def test_show_lists_every_finding(capsys: pytest.CaptureFixture[str]) -> None:
    modality = default_catalog()["exercise.therapeutic"]
    _, out, _ = run(capsys, "show", modality.id)
    assert out.count("\n    - ") == len(modality.findings)
    assert out.count("\n  - ") == len(modality.recommendations)
    assert "  chronic low back pain: function long" in out


def test_show_programme_components(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "show", "physical_therapy.programme")
    assert "  components: exercise.therapeutic, massage.structural" in out
    assert "(via exercise.therapeutic)" in out
    assert "Guideline recommendations (shown, not scored):\n  none" in out


def test_error_show_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "yoga")
    assert (code, out) == (EXIT_ERROR, "")
    assert err == (
        "painmodalities: error: no modality with id 'yoga' in the catalog; "
        "did you mean exercise.yoga?\n"
    )


def test_catalog_option_on_every_reading_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    full = default_catalog()
    yoga = full["exercise.yoga"]
    keys = {f.source for f in yoga.findings} | {r.source for r in yoga.recommendations}
    small = Catalog.assemble([yoga], [s for s in full.sources if s.key in keys])
    path = tmp_path / "small.json"
    path.write_text(to_json(small), encoding="utf-8")
    _, out, _ = run(capsys, "list", "--catalog", str(path))
    assert list_ids(out) == ["exercise.yoga"]
    _, out, _ = run(capsys, "sources", "--catalog", str(path))
    shown = [line.split()[0] for line in out.splitlines()[1:] if not line.startswith(" ")]
    assert sorted(shown) == sorted(keys)
    code, _, err = run(capsys, "show", "massage.swedish", "--catalog", str(path))
    assert (code, err) == (
        EXIT_ERROR,
        "painmodalities: error: no modality with id 'massage.swedish' in the catalog\n",
    )
    _, out, _ = run(capsys, "export", "--catalog", str(path))
    assert from_json(out, Catalog) == small


def test_sources_lists_every_source(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "sources")
    assert (code, err) == (EXIT_OK, "")
    keys = [line.split()[0] for line in out.splitlines()[1:] if not line.startswith(" ")]
    assert keys == [source.key for source in default_catalog().sources]
    assert "jenkins-2025" in out


# -- schema, validate, export ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["catalog", "ranking", "pain-type", "pain_type", "patient"])
def test_schema(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The schema command prints the shipped JSON Schema of a document type."""
    code, out, err = run(capsys, "schema", name)
    assert (code, err) == (EXIT_OK, "")
    assert json_of(out) == shipped_schema(name.replace("-", "_"))
    assert json_of(out)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


PARTIAL = {
    "schema_version": "1.0",
    "modalities": [
        {
            "kind": "exercise",
            "id": "exercise.walking",
            "name": "Walking programme (illustration)",
            "activity": "active",
            "form": "strengthening_and_conditioning",
            "findings": [
                {
                    "pain_type": {"condition": "low_back", "phase": "chronic"},
                    "outcome": "function",
                    "horizon": "long",
                    "effect": "large",
                    "certainty": "high",
                    "source": "example-your-trial",
                }
            ],
        }
    ],
    "sources": [
        {"key": "example-your-trial", "title": "Your own trial (illustration, not real evidence)"}
    ],
}


def test_rank_extend(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Rank --extend FILE adds a partial catalog's modalities to the built-in ones."""
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(PARTIAL), encoding="utf-8")
    code, out, _ = run(
        capsys, "rank", "low_back", "chronic", "--extend", str(path), "--top", "1", "--ids"
    )
    assert code == EXIT_OK
    assert "exercise.walking" in out


def test_validate_extend(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A partial catalog is valid as an extension, and invalid alone, with every problem."""
    path = tmp_path / "mine.json"
    partial = {**PARTIAL, "sources": []}
    path.write_text(json.dumps(partial), encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(path))
    assert code == EXIT_ERROR
    assert "$.modalities[0].findings[0].source" in out
    path.write_text(json.dumps(PARTIAL), encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(path), "--extend")
    assert code == EXIT_OK
    assert "valid catalog: 19 modalities" in out


def test_error_extend_clash(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An extension that reuses a built-in id is refused, naming the path and the id."""
    clash = json.loads(json.dumps(PARTIAL))
    clash["modalities"][0]["id"] = "exercise.yoga"
    path = tmp_path / "clash.json"
    path.write_text(json.dumps(clash), encoding="utf-8")
    code, _, err = run(capsys, "rank", "low_back", "chronic", "--extend", str(path))
    assert code == EXIT_ERROR
    assert err.startswith(f"painmodalities: error: {path}: not a valid catalog: $.modalities[0]")
    assert "exercise.yoga" in err


def test_error_schema_unknown_type(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "schema", "everything")
    assert code == EXIT_USAGE
    assert "painmodalities: error: argument TYPE: invalid choice: 'everything'" in err


def test_validate_valid_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(to_json(default_catalog()), encoding="utf-8")
    assert run(capsys, "validate", str(path)) == (
        EXIT_OK,
        f"{path}: valid catalog: 18 modalities, 29 sources\n",
        "",
    )


def test_validate_prints_every_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    document = orjson.loads(to_json(default_catalog()))
    document["modalities"][0]["findings"][0]["certainty"] = "sure"
    document["modalities"][6]["activity"] = "lazy"
    path = tmp_path / "catalog.json"
    path.write_bytes(orjson.dumps(document))
    code, out, err = run(capsys, "validate", str(path))
    assert code == EXIT_ERROR
    assert out.splitlines() == [
        f'{path}: $.modalities[0].findings[0].certainty: expected one of "insufficient", '
        f'"very_low", "low", "moderate", "high", got "sure"',
        f'{path}: $.modalities[6].activity: expected one of "passive", "active", got "lazy"',
    ]
    assert err == f"painmodalities: error: {path} is not a valid catalog: 2 problems\n"


def test_validate_integrity_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    document = orjson.loads(to_json(default_catalog()))
    document["sources"] = [s for s in document["sources"] if s["key"] != "nice-ng59"]
    path = tmp_path / "catalog.json"
    path.write_bytes(orjson.dumps(document))
    code, out, err = run(capsys, "validate", str(path))
    assert code == EXIT_ERROR
    assert 'expected the key of a source in the catalog, got "nice-ng59"' in out
    assert err.startswith(f"painmodalities: error: {path} is not a valid catalog: ")


def test_error_validate_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    code, out, err = run(capsys, "validate", str(missing))
    assert (code, out) == (EXIT_ERROR, "")
    assert err == f"painmodalities: error: {missing}: No such file or directory\n"


def test_error_validate_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate")
    assert code == EXIT_USAGE
    assert "painmodalities: error: the following arguments are required: FILE" in err


def test_export_round_trips(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export")
    assert (code, err) == (EXIT_OK, "")
    assert out == to_json(default_catalog(), indent=True) + "\n"
    assert from_json(out, Catalog) == default_catalog()


def test_export_then_validate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _, out, _ = run(capsys, "export")
    path = tmp_path / "catalog.json"
    path.write_text(out, encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(path))
    assert code == EXIT_OK
    assert out.endswith("valid catalog: 18 modalities, 29 sources\n")


# -- output: rich or plain, colour, pipes, interrupts --------------------------------------


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal, as a user's shell would."""

    def isatty(self) -> bool:
        """Claim to be a terminal."""
        return True


def test_plain_tables_when_rich_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "rich", None)
    monkeypatch.setitem(sys.modules, "rich.console", None)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["list", "--kind", "exercise"]) == EXIT_OK
    assert terminal.getvalue().splitlines() == [
        "name                  activity  min  coverage  id",
        "Therapeutic exercise  active      -  unknown   exercise.therapeutic",
        "Yoga                  active      -  unknown   exercise.yoga",
        "Tai chi and qigong    active      -  unknown   exercise.tai_chi",
        "min: a session's length in minutes (- when the dossier records none); coverage:",
        "an insurance hint, never a promise.",
    ]
    assert capsys.readouterr().err == ""


def test_rich_tables_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "120")
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["list", "--kind", "exercise"]) == EXIT_OK
    shown = terminal.getvalue()
    assert "━" in shown  # a rich table rule
    assert "\x1b[1;36m" in shown  # bold cyan headers
    assert "exercise.tai_chi" in shown


def test_no_color_turns_colour_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "120")
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["list", "--kind", "exercise"]) == EXIT_OK
    shown = terminal.getvalue()
    assert "exercise.tai_chi" in shown
    assert "36m" not in shown
    assert "\x1b[1m" in shown  # NO_COLOR removes colour, not bold (no-color.org)


class ClosedPipe(io.StringIO):
    """A stdout whose reader has gone away."""

    def write(self, _text: str) -> int:
        """Fail as a write to a pipe without a reader does."""
        raise BrokenPipeError(32, "Broken pipe")


def test_broken_pipe_is_quiet(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["list"]) == EXIT_BROKEN_PIPE
    assert capsys.readouterr().err == ""


def test_interrupt_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted() -> Catalog:
        raise KeyboardInterrupt

    monkeypatch.setattr("painmodalities._cli_inputs.default_catalog", interrupted)
    assert main(["list"]) == 130
    assert capsys.readouterr() == ("", "")


# -- the installed command, in real processes --------------------------------------------


def console_script() -> str:
    found = shutil.which("painmodalities", path=str(BIN))
    assert found is not None, f"painmodalities is not installed in {BIN}"
    return found


def test_console_script_ranks() -> None:
    done = subprocess.run(
        [console_script(), "rank", "low_back", "chronic", "--top", "3"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": str(BIN), "NO_COLOR": "1"},
    )
    assert (done.returncode, done.stderr) == (EXIT_OK, "")
    assert table_ids(done.stdout) == [
        "exercise.therapeutic",
        "physical_therapy.programme",
        "psychological.mindfulness",
    ]


def test_console_script_usage_error_has_no_traceback() -> None:
    done = subprocess.run(
        [console_script(), "rank", "low_back", "--weeks", "-2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == EXIT_USAGE
    assert done.stderr.endswith(
        "painmodalities: error: argument --weeks: expected a finite number of weeks, "
        "0 or more, got -2\n"
    )
    assert "Traceback" not in done.stderr


def test_python_dash_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "painmodalities", "show", "nowhere"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (EXIT_ERROR, "")
    assert done.stderr == "painmodalities: error: no modality with id 'nowhere' in the catalog\n"


def test_closed_pipe_in_a_real_process() -> None:
    # export writes more than a pipe buffer holds, so the write fails once the reader is gone.
    process = subprocess.Popen(
        [console_script(), "export"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()
    error = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=60) == EXIT_BROKEN_PIPE
    assert error == b""


def test_imports_stay_light() -> None:
    probe = (
        "import sys, painmodalities; core = sorted(m for m in ('argparse', 'rich', "
        "'matplotlib') if m in sys.modules); import painmodalities.cli; cli = sorted(m for m in "
        "('rich', 'matplotlib') if m in sys.modules); print(core, cli)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert done.stdout == "[] []\n"


def test_pain_type_shown_is_the_one_ranked(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "rank", "fibromyalgia", "--weeks", "52", "--format", "json")
    assert from_json(out, Ranking).pain_type == PainType.parse("fibromyalgia:chronic")


def test_rank_json_reads_back_as_the_library_ranking(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--format json`` prints the ranking document, which loads back equal."""
    code, out, err = run(
        capsys, "rank", "neck", "chronic", "--format", "json", "--exclude", "acupuncture"
    )
    assert (code, err) == (EXIT_OK, "")
    loaded = painmodalities.from_json(out, painmodalities.Ranking)
    expected = rank(
        "neck:chronic", patient=painmodalities.Patient(exclude=frozenset({"acupuncture"}))
    )
    assert loaded == expected


def test_error_rank_format_document_is_gone(capsys: pytest.CaptureFixture[str]) -> None:
    """The separate summary form went: ``--format document`` is a usage error now."""
    code, _, err = run(capsys, "rank", "neck", "chronic", "--format", "document")
    assert code == EXIT_USAGE
    assert "invalid choice: 'document'" in err


# -- output a person can read (issue 16) ---------------------------------------------------

#: A terminal's escape sequences (bold, italic): they take no columns.
ANSI = re.compile(r"\x1b\[[0-9;]*m")
COMMANDS_AT_80 = [
    ["rank", "low_back", "chronic"],
    ["rank", "low_back", "chronic", "--explain"],
    ["rank", "low_back", "chronic", "--explain", "--full"],
    ["rank", "neck", "chronic", "--precaution", "blood_clot", "--max-minutes", "30"],
    ["rank", "neck", "acute", "--explain"],
    ["compare", "exercise.therapeutic", "massage.swedish", "--pain-type", "low_back:chronic"],
    ["compare", "exercise.yoga", "acupuncture", "massage.swedish", "--pain-type", "neck:chronic"],
    ["list"],
    ["sources"],
]


@pytest.mark.parametrize("with_rich", [False, True], ids=["plain", "rich"])
@pytest.mark.parametrize("argv", [*COMMANDS_AT_80, ["plan", "low_back", "chronic"]], ids=str)
def test_every_line_fits_80_columns(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], with_rich: bool
) -> None:
    """With COLUMNS=80 no printed line is wider than 80, plain or with rich on a terminal."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    if not with_rich:
        monkeypatch.setitem(sys.modules, "rich", None)
        monkeypatch.setitem(sys.modules, "rich.console", None)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(list(argv)) == EXIT_OK
    lines = ANSI.sub("", terminal.getvalue()).splitlines()
    assert lines
    too_wide = [line for line in lines if len(line) > 80]
    assert too_wide == [], argv


def test_rank_table_says_what_its_columns_are(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "rank", "low_back", "chronic")
    assert "the weighted contributions of function, durability, activity and pain" in flat(out)
    assert "=N: a rank shared by equal scores" in flat(out)
    assert [number for number, _ in table_rows(out)][:4] == ["=1", "=1", "3", "4"]


def test_rank_ids_adds_an_id_column(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "rank", "low_back", "chronic", "--ids", "--top", "1")
    header = next(line for line in out.splitlines() if line.lstrip().startswith("#"))
    assert header.split()[:4] == ["#", "option", "id", "score"]
    assert "exercise.therapeutic" in out


def test_rank_top_shows_every_option_tied_at_the_cut(capsys: pytest.CaptureFixture[str]) -> None:
    """--top N keeps every option that shares the N-th option's rank: none dropped silently."""
    first = [option for option in rank("low_back:chronic").options if option.rank == 1]
    _, out, _ = run(capsys, "rank", "low_back", "chronic", "--top", "1")
    assert [number for number, _ in table_rows(out)] == ["=1"] * len(first)
    ranking = rank("neck:chronic")
    fourth = ranking.options[3].rank
    tied = [option for option in ranking.options if option.rank == fourth]
    assert len(tied) > 1  # the case: several options share =4
    _, out, _ = run(capsys, "rank", "neck", "chronic", "--top", "4")
    rows = table_rows(out)
    assert len(rows) == 3 + len(tied)
    assert [number for number, _ in rows][3:] == [f"={fourth}"] * len(tied)
    _, out, _ = run(capsys, "rank", "neck", "chronic", "--top", "3")
    assert len(table_rows(out)) == 3


def test_rank_explain_one_line_per_finding_with_its_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--explain: one indented line per finding, each naming its source; counts are right."""
    ranking = rank("low_back:chronic")
    entries: list[painmodalities.RankedOption | painmodalities.UnrankedOption] = [
        *ranking.options,
        *ranking.unranked,
    ]
    listed = sum(
        len(part.findings) for entry in entries for part in entry.score.contributions
    ) + sum(len(entry.score.unscored) for entry in entries)
    _, out, _ = run(capsys, "rank", "low_back", "chronic", "--explain")
    _, full, _ = run(capsys, "rank", "low_back", "chronic", "--explain", "--full")

    def findings(text: str) -> list[str]:
        """Each finding line with its wrapped continuation joined."""
        found: list[str] = []
        for line in text.splitlines():
            if line.startswith("      - "):
                found.append(line.strip())
            elif line.startswith("        ") and found:
                found[-1] += " " + line.strip()
        return found

    every = findings(full)
    assert not [line for line in every if line.startswith("- and ")]
    assert len(every) == listed
    keys = {source.key for source in default_catalog().sources}
    for line in every:
        # the source closes the line: "(key)" without figures, ", key" after them
        assert any(f"({key}" in line or f", {key}" in line for key in keys), line
    some = findings(out)
    hidden = [int(line.split()[2]) for line in some if line.startswith("- and ")]
    assert hidden  # the default listing is short: "and N more", N right
    assert len(some) - len(hidden) + sum(hidden) == listed


def test_rank_explain_nothing_ranked_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "rank", "neck", "acute", "--explain")
    assert "No option has scored evidence of benefit for acute neck pain." in out


@pytest.mark.parametrize("command", [["list"], ["show", "massage.swedish"], ["sources"]])
def test_catalog_commands_print_json(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, out, err = run(capsys, *command, "--format", "json")
    assert (code, err) == (EXIT_OK, "")
    document = json_of(out)
    assert document["schema_version"] == painmodalities.SCHEMA_VERSION
    if command[0] == "show":
        assert from_json(out, painmodalities.Modality) == default_catalog()["massage.swedish"]
    elif command[0] == "list":
        modalities = document["modalities"]
        assert isinstance(modalities, list)
        assert [m["id"] for m in modalities] == list(default_catalog().ids)
    else:
        sources = document["sources"]
        assert isinstance(sources, list)
        assert [s["key"] for s in sources] == [s.key for s in default_catalog().sources]


def test_dash_reads_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-`` reads the file from standard input: validate, --catalog and --extend."""
    text = to_json(default_catalog())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code, out, _ = run(capsys, "validate", "-")
    assert code == EXIT_OK
    assert out.startswith("standard input: valid catalog: ")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code, out, _ = run(capsys, "list", "--catalog", "-", "--format", "json")
    assert code == EXIT_OK
    assert len(json_of(out)["modalities"]) == len(default_catalog())  # type: ignore[arg-type]


def test_error_dash_twice(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "list", "--catalog", "-", "--extend", "-")
    assert code == EXIT_ERROR
    assert err == ("painmodalities: error: only one file can be read from standard input (-)\n")


def test_validate_type_given_and_inferred(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ranking_file, patient_file = tmp_path / "ranking.json", tmp_path / "patient.json"
    ranking_file.write_text(to_json(rank("neck:chronic")), encoding="utf-8")
    patient_file.write_text(to_json(painmodalities.Patient()), encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(ranking_file))
    assert (code, out) == (EXIT_OK, f"{ranking_file}: valid ranking\n")
    code, out, _ = run(capsys, "validate", str(patient_file), "--type", "patient")
    assert (code, out) == (EXIT_OK, f"{patient_file}: valid patient\n")


def test_error_validate_wrong_type(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "ranking.json"
    path.write_text(to_json(rank("neck:chronic")), encoding="utf-8")
    code, out, err = run(capsys, "validate", str(path), "--type", "patient")
    assert code == EXIT_ERROR
    assert out.startswith(f"{path}: ")
    assert err.startswith(f"painmodalities: error: {path} is not a valid patient: ")


def test_error_validate_unknown_type(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", "x.json", "--type", "recipe")
    assert code == EXIT_USAGE
    assert "argument --type: invalid choice: 'recipe'" in err


# -- compare: the option grid --------------------------------------------------------------


def test_compare_table_cites_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "compare",
        "exercise.therapeutic",
        "massage.swedish",
        "--pain-type",
        "low_back:chronic",
    )
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith("Option grid for chronic low back pain\n")
    for question in painmodalities.GRID_QUESTIONS.values():
        assert question in flat(out)
    assert "[jenkins-2025] Long-term effectiveness" in flat(out)


def test_compare_markdown_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["compare", "exercise.therapeutic", "massage.swedish", "--pain-type", "neck:chronic"]
    _, out, _ = run(capsys, *argv, "--format", "markdown")
    grid = painmodalities.compare(["exercise.therapeutic", "massage.swedish"], "neck:chronic")
    assert out == grid.to_markdown() + "\n"
    _, out, _ = run(capsys, *argv, "--format", "json", "--precaution", "blood_clot")
    document = json_of(out)
    assert document["document"] == "option-grid"
    rows = document["rows"]
    assert isinstance(rows, list)
    assert rows[-1]["answers"][1]["text"] == "Yes: precaution: blood clot (nccih-massage)"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "exercise.yoga"], "compare needs CONDITION PHASE and at least one ID"),
        (["compare", "neck", "chronic"], "compare needs CONDITION PHASE and at least one ID"),
        (["compare", "back", "chronic", "exercise.yoga"], "unknown condition 'back'"),
        (
            ["compare", "neck", "chronik", "exercise.yoga"],
            "unknown phase 'chronik' (choose from acute, subacute, chronic)\n",
        ),
        (["compare", "neck", "chronic", "Yoga"], "expected a modality id"),
        (
            ["compare", "exercise.yoga", "--pain-type", "back:chronic"],
            "argument --pain-type: expected CONDITION:PHASE such as low_back:chronic",
        ),
        (
            ["compare", "--pain-type", "neck:chronic"],
            "the following arguments are required: CONDITION PHASE ID",
        ),
    ],
)
def test_error_compare_usage(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == EXIT_USAGE
    assert message in err


@pytest.mark.parametrize("argv", [["plan", "neck", "soon"], ["evidence", "neck", "soon"]])
def test_error_unknown_phase_offers_weeks_only_where_taken(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """Only ``rank`` takes ``--weeks``: no other command's phase error suggests it."""
    code, _, err = run(capsys, *argv)
    assert code == EXIT_USAGE
    assert "unknown phase 'soon' (choose from acute, subacute, chronic)\n" in err


def test_compare_takes_the_pain_type_as_rank_does(capsys: pytest.CaptureFixture[str]) -> None:
    """Compare CONDITION PHASE ID... and the older ID... --pain-type C:P print the same."""
    new = run(capsys, "compare", "neck", "chronic", "exercise.therapeutic", "massage.swedish")
    old = run(
        capsys, "compare", "exercise.therapeutic", "massage.swedish", "--pain-type", "neck:chronic"
    )
    assert new == old
    assert new[0] == EXIT_OK
    assert "Option grid for chronic neck pain" in new[1]


def test_error_compare_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "compare", "yoga", "--pain-type", "neck:chronic")
    assert code == EXIT_ERROR
    assert "no modality with id 'yoga' in the catalog" in err


# -- plot timeline, plot map -----------------------------------------------------------------


@pytest.mark.parametrize("picture", [["timeline", "low_back", "chronic"], ["map"]])
def test_plot_commands_write_pictures(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, picture: list[str]
) -> None:
    path = tmp_path / "picture.png"
    code, _, err = run(capsys, "plot", *picture, "-o", str(path))
    assert (code, err) == (EXIT_OK, f"painmodalities: wrote {path}\n")
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_error_plot_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "plot", "map", "-o", "map.pdf")
    assert code == EXIT_USAGE
    assert "a picture is a .png or .svg file, got 'map.pdf'" in err


def test_show_says_when_no_precaution_is_recorded(capsys: pytest.CaptureFixture[str]) -> None:
    """An empty precaution list reads as the dossier recording none, never as "none"."""
    _, out, _ = run(capsys, "show", "exercise.yoga")
    assert "precautions: no precautions recorded in the evidence dossier" in out
    assert "none listed" not in out
