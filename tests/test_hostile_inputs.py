"""Hostile input to every public function: the library's own error, naming the argument.

Each row of the table is a call, the error class it must raise, and the path of the bad
value (the argument, or where in a document). It holds every row of issue 26's "raw
exceptions" and "silently accepted" tables; the property tests then throw random JSON
values and random Python objects at each public function, and accept only the library's
own errors.
"""

import datetime
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import painmodalities as pm
from painmodalities import (
    InvalidWeightsError,
    Massage,
    PainModalitiesError,
    Patient,
    UnknownModalityError,
    ValidationError,
    Weights,
)
from painmodalities._cli_output import one_line, terminal_safe
from painmodalities.cli import EXIT_OK, EXIT_USAGE, main

plot = pytest.importorskip("painmodalities.plot")
fhir = pytest.importorskip("painmodalities.fhir")

CATALOG = pm.default_catalog()
RANKING = pm.rank("neck:chronic")
CARE = pm.plan("neck:chronic")
SWEDISH = CATALOG["massage.swedish"]
PROGRAMME = CATALOG["physical_therapy.programme"]
AS_OF = datetime.date(2026, 1, 1)


def _active_massage_catalog() -> str:
    document = json.loads(pm.to_json(CATALOG))
    for modality in document["modalities"]:
        if modality["kind"] == "massage":
            modality["activity"] = "active"
            break
    return json.dumps(document)


def _first_massage_index() -> int:
    return next(index for index, m in enumerate(CATALOG) if isinstance(m, Massage))


Row = tuple[str, Callable[[], object], type[Exception], str]

# The calls are typed Any: they pass what the signatures refuse, on purpose.
api: Any = pm
plots: Any = plot
fhirs: Any = fhir
ANY_RANKING: Any = RANKING
ANY_CATALOG: Any = CATALOG
ANY_MASSAGE: Any = Massage
ANY_WEIGHTS: Any = Weights
ANY_PATIENT: Any = Patient
ANY_SWEDISH: Any = SWEDISH

ROWS: list[Row] = [
    # -- issue 26: raw exceptions
    (
        "score-str",
        lambda: api.score("massage.swedish", "neck:chronic"),
        ValidationError,
        "$.modality",
    ),
    ("score-none", lambda: api.score(None, "neck:chronic"), ValidationError, "$.modality"),
    (
        "score-without-str",
        lambda: api.score(SWEDISH, "neck:chronic", without="massage.swedish"),
        ValidationError,
        "$.without",
    ),
    ("check_ranking-str", lambda: api.check_ranking("x"), ValidationError, "$.ranking"),
    ("check_ranking-none", lambda: api.check_ranking(None), ValidationError, "$.ranking"),
    ("check_plan-str", lambda: api.check_plan("x"), ValidationError, "$.care"),
    ("check_score-str", lambda: api.check_score("x"), ValidationError, "$.result"),
    (
        "plot_ranking-str",
        lambda: plots.plot_ranking("neck:chronic", "x.png"),
        ValidationError,
        "$.ranking",
    ),
    (
        "plot_ranking-none-path",
        lambda: plots.plot_ranking(RANKING, None),
        ValidationError,
        "$.path",
    ),
    (
        "plot_ranking-missing-directory",
        lambda: plots.plot_ranking(RANKING, "/nonexistent/x.png"),
        ValidationError,
        "$.path",
    ),
    (
        "plot_map-bad-pain-type",
        lambda: plots.plot_map("x.png", pain_types=["x"]),
        ValidationError,
        "$.pain_types[0]",
    ),
    (
        "plot_timeline-catalog",
        lambda: plots.plot_timeline("neck:chronic", "x.png", catalog=1),
        ValidationError,
        "$.catalog",
    ),
    (
        "rank_many-strings",
        lambda: list(api.rank_many(["neck:chronic"])),
        ValidationError,
        "$.requests[0]",
    ),
    ("rank_many-none", lambda: list(api.rank_many(None)), ValidationError, "$.requests"),
    ("ranking-index-str", lambda: ANY_RANKING["x"], ValidationError, "$.index"),
    ("ranking-index-bool", lambda: ANY_RANKING[True], ValidationError, "$.index"),
    ("to_json-not-a-record", lambda: api.to_json(object()), ValidationError, "$.obj"),
    ("to_json-indent", lambda: api.to_json(Weights(), indent="yes"), ValidationError, "$.indent"),
    (
        "expected_benefit-mixed",
        lambda: ANY_SWEDISH.expected_benefit("neck:chronic", mixed=1),
        ValidationError,
        "$.mixed",
    ),
    ("weights-overflow", lambda: ANY_WEIGHTS(function=10**400), InvalidWeightsError, "$.function"),
    # -- issue 26: silently accepted
    (
        "active-massage-catalog",
        lambda: api.load_catalog(_active_massage_catalog()),
        ValidationError,
        f"$.modalities[{_first_massage_index()}].activity",
    ),
    (
        "active-massage",
        lambda: ANY_MASSAGE(id="massage.x", name="X", activity="active", technique="swedish"),
        ValidationError,
        "$.activity",
    ),
    (
        "load_catalog-replace-str",
        lambda: api.load_catalog('{"modalities": []}', base=CATALOG, replace="yes"),
        ValidationError,
        "$.replace",
    ),
    (
        "extend-replace-str",
        lambda: ANY_CATALOG.extend([], replace="no"),
        ValidationError,
        "$.replace",
    ),
    (
        "score-without-unknown",
        lambda: api.score(SWEDISH, "neck:chronic", without=frozenset({"nope"})),
        ValidationError,
        "$.without",
    ),
    (
        "score-without-not-a-component",
        lambda: api.score(PROGRAMME, "neck:chronic", without=frozenset({"massage.swedish"})),
        ValidationError,
        "$.without",
    ),
    # -- the rest of the boundary
    ("rank-catalog", lambda: api.rank("neck:chronic", catalog="x"), ValidationError, "$.catalog"),
    ("rank-patient", lambda: api.rank("neck:chronic", patient={}), ValidationError, "$.patient"),
    (
        "rank-unknown-id",
        lambda: api.rank("neck:chronic", patient=Patient(exclude={"nope"})),
        UnknownModalityError,
        "",
    ),
    (
        "score-weights",
        lambda: api.score(SWEDISH, "neck:chronic", weights=1),
        ValidationError,
        "$.weights",
    ),
    (
        "score-policy",
        lambda: api.score(SWEDISH, "neck:chronic", policy=1),
        ValidationError,
        "$.policy",
    ),
    ("score-pain-type", lambda: api.score(SWEDISH, 3), ValidationError, "$.pain_type"),
    ("stability-str", lambda: api.stability("x"), ValidationError, "$.ranking"),
    ("top-negative", lambda: RANKING.top(-1), ValidationError, "$.n"),
    ("weights-nan", lambda: ANY_WEIGHTS(pain=math.nan), InvalidWeightsError, "$.pain"),
    ("weights-bool", lambda: ANY_WEIGHTS(pain=True), InvalidWeightsError, "$.pain"),
    ("patient-unhashable", lambda: ANY_PATIENT(exclude=[[1]]), ValidationError, "$.exclude"),
    ("from_json-kind", lambda: api.from_json("{}", 3), ValidationError, ""),
    ("read_bundle-type", lambda: fhirs.read_bundle(3, as_of=AS_OF), ValidationError, "$"),
    (
        "read_bundle-missing",
        lambda: fhirs.read_bundle("/nonexistent.json", as_of=AS_OF),
        ValidationError,
        "$",
    ),
    ("export_ranking-str", lambda: fhirs.export_ranking("x"), ValidationError, ""),
]


@pytest.mark.parametrize(("name", "call", "error", "path"), ROWS, ids=[row[0] for row in ROWS])
def test_error_hostile_input_is_the_library_error_naming_the_argument(
    name: str,
    call: Callable[[], object],
    error: type[Exception],
    path: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error) as caught:
        call()
    raised = caught.value
    assert isinstance(raised, PainModalitiesError), name
    str(raised)  # the message itself never raises
    if isinstance(raised, ValidationError) and path:
        assert raised.path == path, str(raised)


def test_error_a_massage_marked_active_is_refused_with_its_path() -> None:
    with pytest.raises(ValidationError) as caught:
        pm.load_catalog(_active_massage_catalog())
    assert caught.value.rule == "passive"
    assert "a massage is done to the patient" in str(caught.value)


def test_the_schema_refuses_a_massage_marked_active_as_the_loader_does() -> None:
    """The catalog's JSON Schema states the family's fixed activity, as the record does."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(pm.json_schema("catalog"))
    document = json.loads(_active_massage_catalog())
    assert not validator.is_valid(document)
    massage = next(m for m in document["modalities"] if m["kind"] == "massage")
    massage["activity"] = "passive"
    assert validator.is_valid(document)


# -- property tests: random values at every public function ----------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
_OBJECTS = (
    _JSON
    | st.binary(max_size=20)
    | st.sampled_from(
        [RANKING, CARE, CATALOG, SWEDISH, Patient(), Weights(), object(), int, 10**400]
    )
    | st.builds(set, st.lists(st.integers(), max_size=3))
    | st.complex_numbers()
)
_VALUES = _JSON | _OBJECTS

#: Each public function, called with one random value in the place of one argument.
CALLS: dict[str, Callable[[Any], object]] = {
    "score.modality": lambda v: pm.score(v, "neck:chronic"),
    "score.pain_type": lambda v: pm.score(SWEDISH, v),
    "score.weights": lambda v: pm.score(SWEDISH, "neck:chronic", v),
    "score.policy": lambda v: pm.score(SWEDISH, "neck:chronic", None, v),
    "score.without": lambda v: pm.score(PROGRAMME, "neck:chronic", without=v),
    "rank.pain_type": pm.rank,
    "rank.catalog": lambda v: pm.rank("neck:chronic", catalog=v),
    "rank.patient": lambda v: pm.rank("neck:chronic", patient=v),
    "rank.weights": lambda v: pm.rank("neck:chronic", weights=v),
    "rank.policy": lambda v: pm.rank("neck:chronic", policy=v),
    "rank_many.requests": lambda v: list(pm.rank_many(v)),
    "rank_many.item": lambda v: list(pm.rank_many([v])),
    "plan.pain_type": pm.plan,
    "check_ranking": pm.check_ranking,
    "check_plan": pm.check_plan,
    "check_score": pm.check_score,
    "stability": pm.stability,
    "compare.ids": lambda v: pm.compare(v, "neck:chronic"),
    "compare.pain_type": lambda v: pm.compare(["massage.swedish"], v),
    "ranking.getitem": lambda v: RANKING[v],
    "ranking.top": RANKING.top,
    "catalog.getitem": lambda v: CATALOG[v],
    "catalog.extend.replace": lambda v: CATALOG.extend([], replace=v),
    "load_catalog.replace": lambda v: pm.load_catalog("{}", replace=v),
    "from_json.text": lambda v: pm.from_json(v, "catalog"),
    "to_json.obj": pm.to_json,
    "to_json.indent": lambda v: pm.to_json(Weights(), indent=v),
    "expected_benefit.mixed": lambda v: SWEDISH.expected_benefit("neck:chronic", mixed=v),
    "weights.function": lambda v: Weights(function=v),
    "patient.exclude": lambda v: Patient(exclude=v),
    "pain_type.coerce": pm.PainType.coerce,
    "phase.from_weeks": pm.Phase.from_weeks,
    "read_bundle.mapping": lambda v: fhir.read_bundle(
        {"resourceType": "Bundle", "entry": v}, as_of=AS_OF
    ),
}


def _only_library_errors(call: Callable[[Any], object], value: object) -> None:
    try:
        call(value)
    except PainModalitiesError as error:
        str(error)  # its message works too
    except Exception as error:  # the point: nothing else may escape
        pytest.fail(f"{type(error).__name__}: {error}")


#: Examples per function: a few dozen random values each across some forty functions keeps
#: the run short (the table above holds the cases that matter one by one).
_EXAMPLES = min(settings().max_examples, 50)


@pytest.mark.parametrize("name", sorted(CALLS))
@settings(max_examples=_EXAMPLES)
@given(value=_JSON)
def test_random_json_values_raise_only_library_errors(name: str, value: object) -> None:
    _only_library_errors(CALLS[name], value)


@pytest.mark.parametrize("name", sorted(CALLS))
@settings(max_examples=_EXAMPLES)
@given(value=_VALUES)
def test_random_python_objects_raise_only_library_errors(name: str, value: object) -> None:
    _only_library_errors(CALLS[name], value)


def test_error_several_patients_names_each_in_full() -> None:
    """Two long ids that share a prefix are both shown whole (a value is cut at 80)."""
    stem = "p" * 60
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": f"{stem}a"}},
            {"resource": {"resourceType": "Patient", "id": f"{stem}b"}},
        ],
    }
    with pytest.raises(ValidationError) as caught:
        fhir.read_bundle(bundle, as_of=AS_OF)
    assert caught.value.rule == "several_patients"
    assert f'"Patient/{stem}a", "Patient/{stem}b"' in str(caught.value)


# -- the command line: text from data is escaped, numbers are ASCII --------------------------


def _catalog_named(tmp_path: Path, name: str) -> Path:
    document = json.loads(pm.to_json(CATALOG))
    document["modalities"][0]["name"] = name
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ("list",),
        ("show", "{id}"),
        ("rank", "neck", "chronic"),
        ("compare", "neck", "chronic", "{id}"),
    ],
)
def test_terminal_output_escapes_control_characters_from_data(
    argv: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "Evil\x1b[31m red\nforged line\u202e"
    path = _catalog_named(tmp_path, name)
    first = CATALOG.modalities[0].id
    code = main([*(part.format(id=first) for part in argv), "--catalog", str(path)])
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "forged line" not in [line.strip() for line in out.splitlines()]
    assert "\\u001b[31m" in out


def test_terminal_safe_escapes_every_control_character_but_line_breaks() -> None:
    text = "".join(chr(code) for code in range(0x20)) + "\x7f\x85\u202e\u2066"
    shown = terminal_safe(text)
    assert shown.count("\n") == 1
    assert shown.count("\t") == 1
    assert all(char.isprintable() or char in "\n\t" for char in shown)
    assert json.loads(f'"{one_line(shown)}"') == text  # the escapes are JSON's


@pytest.mark.parametrize(
    "argv",
    [
        ("rank", "neck", "--weeks", "\u0663"),
        ("rank", "neck", "chronic", "--max-minutes", "\u0663\u0660"),
        ("rank", "neck", "chronic", "--weights", "function=1_0"),
        ("rank", "neck", "chronic", "--top", "\uff14"),
        ("rank", "neck", "chronic", "--top", "1_0"),
    ],
)
def test_error_numbers_on_the_command_line_are_ascii(
    argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(list(argv)) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"argument {argv[-2]}" in err


def test_ascii_numbers_still_read(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rank", "neck", "--weeks", "13", "--top", "2", "--max-minutes", "30"]) == EXIT_OK
    assert main(["rank", "neck", "chronic", "--weights", "function=1.5e0,pain=0"]) == EXIT_OK
    capsys.readouterr()
