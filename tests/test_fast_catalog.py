"""The fast catalog reader against the detailed one: it may decline, never disagree.

``from_json(text, Catalog)`` first tries ``_read_catalog_quickly``, which parses with
orjson, checks values inline and builds findings and recommendations without running their
validators; when unsure it returns ``None`` and the detailed, path-reporting reader runs.
A fast path is only safe if it never accepts what the detailed reader refuses and never
builds something different, so these tests compare the two on valid documents, on edited
ones and on hand-written JSON text (repeated keys, escapes, odd white space).
"""

import functools
import json
import re
from collections.abc import Callable
from random import Random
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from painmodalities import (
    FAMILIES,
    Activity,
    Acupuncture,
    Catalog,
    Certainty,
    Coding,
    Condition,
    Coverage,
    Direction,
    Effect,
    Exercise,
    ExerciseForm,
    Finding,
    Horizon,
    Massage,
    MassageTechnique,
    Outcome,
    PainType,
    Phase,
    PhysicalTherapy,
    Precaution,
    Recommendation,
    Source,
    Strength,
    ValidationError,
    default_catalog,
    from_json,
    load_catalog,
    to_json,
)
from painmodalities._fast_catalog import read_catalog
from painmodalities._json_text import _outside_strings, repeats_a_key
from painmodalities.serialization import (
    MAX_DEPTH,
    _read_catalog_quickly,
    parse_json,
    structure_document,
)
from painmodalities.vocabulary import RankedEnum
from tests.strategies import JSON_VALUES, TEXT, JsonPath, catalogs, json_paths, value_at, words

Path = JsonPath

ALL_PAIN_TYPES = tuple(PainType(condition, phase) for condition in Condition for phase in Phase)


# -- hand-written JSON text ------------------------------------------------------------------


@attrs.frozen
class Obj:
    """A JSON object as its text writes it: key-value pairs in order, a key possibly repeated."""

    pairs: tuple[tuple[str, Any], ...]


@attrs.frozen
class Style:
    """How to write JSON text: ``space`` and ``escape`` are the chances per token and char.

    ``space`` is the chance of white space (any of the four JSON ones) around each token;
    ``escape`` the chance that a character that may be written as is gets escaped instead;
    with ``numbers``, numbers are also spelt in other ways (``1e0``, ``1.000000E+00``), which
    turns whole numbers into floats.
    """

    space: float = 0.0
    escape: float = 0.0
    numbers: bool = False


_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def _unicode_escape(char: str, rng: Random) -> str:
    """``char`` as a unicode escape (a surrogate pair beyond the BMP), in either hex case."""
    code = ord(char)
    units = (
        (code,) if code <= 0xFFFF else (0xD800 + ((code - 0x10000) >> 10), 0xDC00 + (code & 0x3FF))
    )
    upper = rng.random() < 0.5
    return "".join(f"\\u{unit:04X}" if upper else f"\\u{unit:04x}" for unit in units)


_MUST_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _escape(char: str, rng: Random, *, must: bool) -> str:
    """``char`` escaped: a short escape (backslash and a letter) or a unicode one."""
    short = _SHORT_ESCAPES.get(char)
    if short is not None and (must or rng.random() < 0.5) and rng.random() < 0.7:
        return short
    return _unicode_escape(char, rng)


def _string(text: str, rng: Random, style: Style) -> str:
    if not style.escape:  # only what must be escaped (the common case, kept fast)
        inner = _MUST_ESCAPE.sub(lambda found: _escape(found[0], rng, must=True), text)
        return f'"{inner}"'
    out = ['"']
    for char in text:
        must = char in '"\\' or char < " "
        if must or rng.random() < style.escape:
            out.append(_escape(char, rng, must=must))
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _gap(rng: Random, style: Style) -> str:
    if not style.space or rng.random() >= style.space:
        return ""
    return "".join(rng.choice(" \t\n\r") for _ in range(rng.randint(1, 3)))


def _write(value: Any, rng: Random, style: Style, out: list[str]) -> None:
    if isinstance(value, Obj | dict):
        pairs = value.pairs if isinstance(value, Obj) else tuple(value.items())
        out.append("{")
        for index, (key, item) in enumerate(pairs):
            if index:
                out.append(",")
            out += (_gap(rng, style), _string(key, rng, style), _gap(rng, style), ":")
            out.append(_gap(rng, style))
            _write(item, rng, style, out)
            out.append(_gap(rng, style))
        out += (_gap(rng, style), "}")
    elif isinstance(value, list):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            out.append(_gap(rng, style))
            _write(item, rng, style, out)
            out.append(_gap(rng, style))
        out += (_gap(rng, style), "]")
    elif isinstance(value, str):
        out.append(_string(value, rng, style))
    elif value is None or isinstance(value, bool):
        out.append(json.dumps(value))
    elif isinstance(value, int):
        spelling = rng.choice(("{}", "{}", "{}.0", "{}e0", "{}E+00"))
        out.append(spelling.format(value) if style.numbers else str(value))
    else:
        assert isinstance(value, float)
        spelling = rng.choice(("{!r}", "{!r}", "{:.17e}", "{:E}"))
        out.append(spelling.format(value) if style.numbers else repr(value))


def render(value: Any, seed: int = 0, style: Style | None = None) -> str:
    """JSON text of ``value`` (``Obj`` may repeat keys), written by hand in ``style``."""
    rng = Random(seed)  # noqa: S311 (the shape of test text, not a secret)
    style = style or Style()
    out: list[str] = [_gap(rng, style)]
    _write(value, rng, style, out)
    out.append(_gap(rng, style))
    return "".join(out)


def styles(*, numbers: bool = False) -> st.SearchStrategy[Style]:
    """Compact or white-space heavy text, with no, some or all characters escaped."""
    chances = st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0])
    spellings = st.booleans() if numbers else st.just(value=False)
    return st.builds(Style, space=chances, escape=chances, numbers=spellings)


def _reference_repeats(text: str) -> bool:
    """Whether some object of ``text`` repeats a key, found by Python's own JSON parser."""
    found: list[str] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(set(keys)) != len(keys):
            found.append("repeat")
        return dict(pairs)

    json.loads(text, object_pairs_hook=pairs_hook)
    return bool(found)


# -- helpers ---------------------------------------------------------------------------------


def _body(text: str | bytes) -> dict[str, Any]:
    """A catalog document without its version: what ``read_catalog`` takes."""
    document: dict[str, Any] = orjson.loads(text)
    return {key: value for key, value in document.items() if key != "schema_version"}


def _detailed(text: str | bytes) -> Catalog:
    """The catalog in ``text`` as the detailed reader alone gives it."""
    return structure_document(parse_json(text), Catalog)


def _outcome(load: Callable[[], Catalog]) -> object:
    """The catalog ``load`` returns, or the class and problems of the error it raises."""
    try:
        return load()
    except ValidationError as error:
        return (type(error), error.problems)


def _check_records(catalog: Catalog) -> None:
    """Every record of ``catalog`` passes its validators and indexes its findings right."""
    for source in catalog.sources:
        assert type(source) is Source
        attrs.validate(source)
        assert attrs.evolve(source) == source
    for modality in catalog.modalities:
        attrs.validate(modality)  # every field validator, on the slots set by hand
        rebuilt_modality = attrs.evolve(modality)  # __init__ and __attrs_post_init__ again
        assert rebuilt_modality == modality
        assert hash(rebuilt_modality) == hash(modality)
        for finding in modality.findings:
            assert type(finding) is Finding
            attrs.validate(finding)
            attrs.validate(finding.pain_type)
            rebuilt = attrs.evolve(finding)  # through __init__, validators and all
            assert rebuilt == finding
            assert hash(rebuilt) == hash(finding)
        for recommendation in modality.recommendations:
            assert type(recommendation) is Recommendation
            attrs.validate(recommendation)
            rebuilt_recommendation = attrs.evolve(recommendation)
            assert rebuilt_recommendation == recommendation
            assert hash(rebuilt_recommendation) == hash(recommendation)
        for pain in ALL_PAIN_TYPES:
            expected = tuple(finding for finding in modality.findings if finding.pain_type == pain)
            assert modality.findings_for(pain) == expected
            for outcome in Outcome:
                assert modality.findings_for(pain, outcome) == tuple(
                    finding for finding in expected if finding.outcome is outcome
                )


def _check_fast_read(catalog: Catalog, *, indent: bool) -> None:
    text = to_json(catalog, indent=indent)
    fast = read_catalog(_body(text))
    assert fast is not None, "the fast reader declined a valid catalog"
    assert fast == catalog
    assert fast == _detailed(text)
    assert to_json(fast) == to_json(catalog)
    _check_records(fast)
    for given_text in (text, text.encode()):
        quick = _read_catalog_quickly(given_text)
        assert quick is not None, "the fast path was not taken for a valid document"
        assert quick == catalog
        _check_records(quick)
        assert from_json(given_text, Catalog) == catalog


# -- 1. valid documents ----------------------------------------------------------------------


@given(catalogs(), st.booleans())
def test_fast_reader_reads_every_valid_catalog(catalog: Catalog, indent: bool) -> None:
    """On any valid catalog document the fast reader is taken and builds the same catalog.

    Its result equals the catalog and what the detailed reader builds, every finding and
    recommendation it built without validators passes them (and hashes like one built
    normally), and findings_for agrees with a recomputation from the findings, so the slots
    it set by hand hold exactly what construction would have put there.
    """
    _check_fast_read(catalog, indent=indent)


@pytest.mark.parametrize("indent", [False, True])
def test_fast_reader_reads_the_built_in_catalog(indent: bool) -> None:
    """The built-in catalog goes through the fast path and comes out equal and valid."""
    _check_fast_read(default_catalog(), indent=indent)


# -- 2. edited documents ---------------------------------------------------------------------


@functools.cache
def _built_in_document() -> bytes:
    return to_json(default_catalog()).encode()


def _replace(document: Any, path: Path, value: Any) -> Any:
    """``document`` with the value at ``path`` replaced (the new root if ``path`` is empty)."""
    if not path:
        return value
    value_at(document, path[:-1])[path[-1]] = value
    return document


def _records(document: dict[str, Any]) -> dict[str, list[Path]]:
    """The path of every record object of a valid catalog document, by kind of record."""
    found: dict[str, list[Path]] = {
        "catalog": [()],
        "source": [("sources", index) for index in range(len(document["sources"]))],
        "modality": [],
        "finding": [],
        "pain_type": [],
        "recommendation": [],
        "coding": [],
    }
    for index, modality in enumerate(document["modalities"]):
        at: Path = ("modalities", index)
        found["modality"].append(at)
        for number in range(len(modality.get("findings", []))):
            found["finding"].append((*at, "findings", number))
            found["pain_type"].append((*at, "findings", number, "pain_type"))
        for kind in ("recommendation", "coding"):
            found[kind] += (
                (*at, f"{kind}s", number) for number in range(len(modality[f"{kind}s"]))
            )
    return {kind: paths for kind, paths in found.items() if paths}


def _fields(*records: type) -> list[str]:
    return sorted(
        {field.alias for record in records for field in attrs.fields(record) if field.init}
    )


#: The keys each kind of record may have (and a few it may not).
RECORD_KEYS: dict[str, list[str]] = {
    "catalog": ["modalities", "sources", "schema_version"],
    "source": _fields(Source),
    "modality": ["kind", *_fields(*FAMILIES)],
    "finding": _fields(Finding),
    "recommendation": _fields(Recommendation),
    "coding": _fields(Coding),
    "pain_type": _fields(PainType),
}
UNKNOWN_KEYS = st.sampled_from(
    ["x", "", "Note", "_by_pain_type", "kind", "schema_version"]
) | words(max_size=8)


def _pain_type_variants() -> list[Any]:
    good = {"condition": "neck", "phase": "acute"}
    return [
        good,
        {"condition": "low_back", "phase": "chronic"},
        {"condition": "neck"},
        {"phase": "acute"},
        {**good, "x": 1},
        {**good, "note": ""},
        {"condition": "neck", "x": "acute"},
        {"phase": "acute", "x": "neck"},
        {"condition": "neck", "phase": None},
        {"condition": ["neck"], "phase": "acute"},
        {"condition": {"neck": 1}, "phase": "acute"},
        {"condition": "Neck", "phase": "acute"},
        {"condition": "neck", "phase": "soon"},
        {},
        "neck:acute",
        ["neck", "acute"],
    ]


def _enum_values(*enums: type[RankedEnum]) -> list[Any]:
    values = [member.value for enum in enums for member in enum]
    return [*values, None, values[0].upper(), f" {values[0]}", [values[0]], 0, True]


_BAD_IDS = ["Not.An.Id", "massage.", ".massage", "a..b", "1abc", "A", "", " massage", 1, None]
_BAD_KEYS = ["Bad Key", "bad key", "-leading-dash", "", "A-1", "key/1", 1, None, ["k"]]
_TEXTS: list[Any] = [
    "",
    " ",
    "\t\n",
    "x",
    "\u00e9",
    "\u2028",
    "a:b",
    'a"b\\c',
    None,
    1,
    True,
    [],
    {},
]


def _field_values(field: str, document: dict[str, Any]) -> list[Any]:
    """Values near the rule of ``field``, plus the document's own ids and keys where apt."""
    keys = [source.get("key") for source in document.get("sources", [])]
    ids = [modality.get("id") for modality in document.get("modalities", [])]
    precautions = [member.value for member in Precaution]
    own = {"key": keys, "source": keys, "id": ids, "component": [*ids, None]}
    near: dict[str, list[Any]] = {
        "key": _BAD_KEYS,
        "source": _BAD_KEYS,
        "id": _BAD_IDS,
        "component": _BAD_IDS,
        "components": [[], ids[:1], ids[:1] * 2, ids[:2], ["Not.An.Id"], [1], [None], ids[:1][0]]
        if ids
        else [[], ["Not.An.Id"]],
        "year": [1899, 1900, 2100, 2101, 2000.0, True, None, "2000", -1, 2**63 - 1],
        "session_minutes": [0, 1, 1440, 1441, 45.0, True, False, None, "45", -1, 2**63 - 1],
        "mechanism_established": [True, False, 0, 1, None, "true"],
        "precautions": [[], precautions[:1], precautions[:1] * 2, precautions, ["x"], None],
        "pain_type": _pain_type_variants(),
        "kind": [family.kind for family in FAMILIES] + ["Massage", "", None],
        "modalities": [[], None, {}, [{}]],
        "sources": [[], None, {}, [{}]],
        "findings": [[], None, {}, [{}], [None]],
        "recommendations": [[], None, {}, [{}], [None]],
        "codings": [[], None, {}, [{}], [None]],
        "schema_version": ["1.0", "1.9", "2.0", "0.1", "1", 1.0, None],
        "activity": _enum_values(Activity),
        "coverage": _enum_values(Coverage),
        "outcome": _enum_values(Outcome),
        "horizon": _enum_values(Horizon),
        "effect": _enum_values(Effect),
        "certainty": _enum_values(Certainty),
        "condition": _enum_values(Condition),
        "phase": _enum_values(Phase),
        "direction": _enum_values(Direction),
        "strength": _enum_values(Strength),
        "technique": _enum_values(MassageTechnique),
        "form": _enum_values(ExerciseForm),
    }
    return [*own.get(field, []), *near.get(field, _TEXTS)]


def _any_special(document: dict[str, Any]) -> list[Any]:
    """Every field's near-rule values together: a value of one field tried on another."""
    return [
        value
        for field in sorted(set().union(*RECORD_KEYS.values()))
        for value in _field_values(field, document)
    ]


def _values_for(field: str, document: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values for ``field``: half the time one near its own rule, else near another's, or any."""
    own = st.sampled_from(_field_values(field, document))
    return st.one_of(own, own, st.sampled_from(_any_special(document)), JSON_VALUES)


def _record_edit(
    draw: st.DrawFn, document: dict[str, Any], kind: str
) -> tuple[Any, Path | None, str]:
    """One edit of one record of ``kind``: set a key (known or not), drop one, or repeat one."""
    path = draw(st.sampled_from(_records(document)[kind]))
    record = value_at(document, path)
    action = draw(st.sampled_from(["set", "set", "drop", "repeat"]))
    if action == "repeat":
        return document, path, f"repeat a key of the {kind} at {path}"
    if action == "drop":
        key = draw(st.sampled_from(sorted(record)))
        del record[key]
        return document, None, f"drop {key!r} of the {kind} at {path}"
    key = draw(st.sampled_from([*RECORD_KEYS[kind], ""]))  # "": a key it does not have
    if not key:
        key = draw(UNKNOWN_KEYS)
    record[key] = draw(_values_for(key, document))
    return document, None, f"set {key!r} of the {kind} at {path} to {record[key]!r}"


def _anywhere_edit(draw: st.DrawFn, document: dict[str, Any]) -> tuple[Any, Path | None, str]:
    """One edit at any path: drop a key or item, or replace the value by any value."""
    path = draw(st.sampled_from(json_paths(document)))
    target = value_at(document, path)
    if isinstance(target, dict | list) and target and draw(st.booleans()):
        step = draw(
            st.sampled_from(list(target) if isinstance(target, dict) else range(len(target)))
        )
        del target[step]
        return document, None, f"drop {step!r} at {path}"
    field = next((step for step in reversed(path) if isinstance(step, str)), "")
    value = draw(_values_for(field, document))
    return _replace(document, path, value), None, f"replace {path} by {value!r}"


def _repeat_a_key(draw: st.DrawFn, document: Any, path: Path) -> tuple[Any, str]:
    """``document`` with the object at ``path`` repeating one of its keys, and words."""
    pairs = list(value_at(document, path).items())
    key, old = pairs[draw(st.integers(0, len(pairs) - 1))]
    new = draw(st.just(old) | _values_for(key, document))
    pairs.insert(draw(st.integers(0, len(pairs))), (key, new))
    return _replace(document, path, Obj(tuple(pairs))), f": {key!r} again with {new!r}"


def _document_with(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """A valid catalog document (generated, or the built-in one) holding a record of ``kind``."""
    document: dict[str, Any]
    if draw(st.integers(0, 4)):
        document = orjson.loads(to_json(draw(catalogs())))
    else:
        document = orjson.loads(_built_in_document())
    if kind == "anywhere" or kind in _records(document):
        return document
    document = orjson.loads(_built_in_document())
    if kind == "coding":  # the built-in catalog has none: give its first modality one
        document["modalities"][0]["codings"] = [
            {"system": "urn:example:billing", "code": "A1", "display": ""}
        ]
    return document


@st.composite
def edited_documents(draw: st.DrawFn, kind: str) -> tuple[str | bytes, str]:
    """A valid catalog document with one edit, as JSON text, and what the edit was.

    For a kind of record (source, modality, finding, recommendation, coding, pain type, the
    catalog itself) the edit sets a key of one such record to a value near some rule (or to
    any value), drops a key, or repeats a key in the text; for "anywhere" it drops or
    replaces a value at any path of the document.
    """
    document = _document_with(draw, kind)
    if kind == "anywhere":
        document, repeated, description = _anywhere_edit(draw, document)
    else:
        document, repeated, description = _record_edit(draw, document, kind)
    if repeated is not None:
        document, repeat = _repeat_a_key(draw, document, repeated)
        description += repeat
        writer = "hand"
    else:
        writer = draw(st.sampled_from(["orjson", "orjson-indent", "hand"]))
    if writer == "hand":
        text: str | bytes = render(document, draw(st.integers(0, 2**32)), draw(styles()))
    else:
        option = orjson.OPT_INDENT_2 if writer == "orjson-indent" else 0
        text = orjson.dumps(document, option=option)
    if draw(st.booleans()):
        text = text.decode() if isinstance(text, bytes) else text.encode()
    return text, f"{description}; written by {writer}"


@pytest.mark.parametrize("kind", [*RECORD_KEYS, "anywhere"])
@given(data=st.data())
def test_fast_path_agrees_with_the_detailed_reader_on_edited_documents(
    kind: str, data: st.DataObject
) -> None:
    """After any one edit of a record of a valid catalog document, the fast path never disagrees.

    When the detailed reader refuses the text, the fast path declines (returns None); when
    the detailed reader accepts it, the fast path declines or builds an equal catalog whose
    records pass their validators. from_json and load_catalog then give exactly the
    detailed reader's outcome: an equal catalog, or an error of the same class with equal
    problems.
    """
    text, description = data.draw(edited_documents(kind), label="text")
    note(description)
    _check_agreement(text)


def _check_agreement(text: str | bytes) -> None:
    """The fast path declines ``text`` or agrees with the detailed reader; so do the loaders."""
    detailed = _outcome(lambda: _detailed(text))
    quick = _read_catalog_quickly(text)
    if isinstance(detailed, Catalog):
        if quick is not None:
            assert quick == detailed
            _check_records(quick)
    else:
        assert quick is None, (
            f"the fast path accepted what the detailed reader refused: {detailed}"
        )
    assert _outcome(lambda: from_json(text, Catalog)) == detailed
    # load_catalog takes a str that does not start with "{" for a path: give it bytes.
    assert _outcome(lambda: load_catalog(text.encode() if isinstance(text, str) else text)) == (
        detailed
    )


def _sweep_catalog() -> Catalog:
    """A small catalog with a record of every kind, optional fields set and left out."""
    pain = PainType(Condition.LOW_BACK, Phase.CHRONIC)

    def finding(horizon: Horizon, source: str, note: str = "") -> Finding:
        return Finding(
            pain_type=pain,
            outcome=Outcome.FUNCTION,
            horizon=horizon,
            effect=Effect.MODERATE,
            certainty=Certainty.LOW,
            source=source,
            note=note,
        )

    massage = Massage(
        id="massage.a",
        name="Massage A",
        activity=Activity.PASSIVE,
        summary="why",
        session_minutes=45,
        coverage=Coverage.SOMETIMES,
        precautions=frozenset(list(Precaution)[:2]),
        findings=(finding(Horizon.LONG, "src-a", "table 2: row 3"),),
        recommendations=(
            Recommendation(
                condition=Condition.LOW_BACK,
                phase=Phase.CHRONIC,
                direction=Direction.FOR,
                strength=Strength.WEAK,
                certainty=Certainty.LOW,
                source="src-b",
                note="rec 4",
            ),
            Recommendation(
                condition=None,
                phase=None,
                direction=Direction.AGAINST,
                strength=Strength.STRONG,
                source="src-b",
            ),
        ),
        codings=(Coding(system="urn:example:billing", code="A1", display="Massage"),),
        technique=MassageTechnique.SWEDISH,
        mechanism_established=False,
    )
    exercise = Exercise(
        id="exercise.b",
        name="Exercise B",
        activity=Activity.ACTIVE,
        form=ExerciseForm.YOGA,
        # one horizon apart: a single edit of either makes two findings with one key
        findings=(finding(Horizon.SHORT, "src-a"), finding(Horizon.LONG, "src-a", "p. 2")),
    )
    programme = PhysicalTherapy(
        id="physical_therapy.p",
        name="Programme",
        activity=Activity.ACTIVE,
        components=("massage.a", "exercise.b"),
    )
    needles = Acupuncture(
        id="acupuncture",
        name="Acupuncture",
        activity=Activity.PASSIVE,
        # not a component: a duplicate made here is not also a programme's mismatch
        findings=(
            finding(Horizon.SHORT, "src-b"),
            finding(Horizon.LONG, "src-b", "p. 9"),
            finding(Horizon.SHORT, "src-a"),
        ),
    )
    sources = (
        Source(
            key="src-a",
            title="A review",
            year=2020,
            url="https://example.org/a",
            kind="systematic review",
            publisher="A journal",
            read_confidence="high",
        ),
        Source(key="src-b", title="A guideline"),
    )
    return Catalog.assemble([massage, exercise, programme, needles], sources)


_DROP = object()


def _sweep_cases() -> list[tuple[str, JsonPath, str, Any]]:
    """Every key of every record (and an unknown key), set to each near-rule value or dropped:
    the edits of the property test above, all of them, on one small catalog.
    """
    document = orjson.loads(to_json(_sweep_catalog()))
    records = _records(document)
    targets = [(kind, path) for kind, paths in records.items() for path in paths]
    return [
        (kind, path, key, value)
        for kind, path in targets
        for key in [*RECORD_KEYS[kind], "x"]
        for value in [_DROP, *_field_values(key, document)]
    ]


def test_every_near_rule_value_of_every_key_gets_the_detailed_outcome() -> None:
    """Each key of each kind of record, set to each value near a rule (or dropped), is read
    alike: the fast path declines it or agrees, and from_json gives the detailed outcome.

    The systematic counterpart of the random edits above: every field's boundary values
    (a year of 1899, 1441 minutes, 45.0, true for a number, a blank name, a bad key or id,
    a pain type with an extra key...) are each tried once, so none is left to chance.
    """
    base = to_json(_sweep_catalog()).encode()
    assert _read_catalog_quickly(base) is not None
    failures: list[str] = []
    for kind, path, key, value in _sweep_cases():
        document = orjson.loads(base)
        record = value_at(document, path)
        if value is _DROP:
            record.pop(key, None)
        else:
            record[key] = value
        try:
            _check_agreement(orjson.dumps(document))
        except AssertionError as error:
            failures.append(f"{kind} at {path}: {key!r} = {value!r}: {error}")
    assert not failures, f"{len(failures)} disagreements:\n" + "\n".join(failures[:20])


# -- 3. repeated keys in JSON text -----------------------------------------------------------

#: Text that trips simple scanners: colons, quotes, backslashes, brackets, non-ASCII.
TRICKY_TEXT = st.text(
    st.sampled_from(list(':"\\/{}[], ab\u00e9\u2028\n\t\U0001f600')) | TEXT, max_size=6
)
KEYS = (
    st.sampled_from(["a", "b", "a:b", ":", '"', "\\", '\\"', "\u00e9", "\U0001f600", "{", ","])
    | TRICKY_TEXT
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TRICKY_TEXT
)


def _objects(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Obj]:
    return st.lists(st.tuples(KEYS, inner), max_size=5).map(lambda pairs: Obj(tuple(pairs)))


TREES: st.SearchStrategy[Any] = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | _objects(inner), max_leaves=20
)


@st.composite
def trees_with_a_repeat(draw: st.DrawFn) -> Any:
    """A tree with one object that surely repeats a key, nested at some depth."""
    pairs = draw(st.lists(st.tuples(KEYS, TREES), max_size=4))
    key = draw(KEYS)
    colons = st.text(st.sampled_from(list(':"\\a\u00e9')), max_size=6)
    first = draw(colons | TREES)
    position = draw(st.integers(0, len(pairs)))
    pairs.insert(position, (key, first))
    pairs.insert(draw(st.integers(position + 1, len(pairs))), (key, draw(colons | TREES)))
    tree: Any = Obj(tuple(pairs))
    for wrapper in draw(st.lists(st.sampled_from(["list", "object"]), max_size=4)):
        siblings = draw(st.lists(TREES, max_size=2))
        if wrapper == "list":
            tree = [*siblings, tree]
        else:
            tree = Obj(
                (*((f"s{index}", item) for index, item in enumerate(siblings)), (key, tree))
            )
    return tree


def _check_repeats(text: str) -> bool:
    """``repeats_a_key`` on ``text``, both ways of calling it, checked against the reference."""
    data = text.encode()
    document = orjson.loads(data)
    expected = _reference_repeats(text)
    assert repeats_a_key(data, document) == expected
    assert repeats_a_key(data, document, _outside_strings(data)) == expected
    return expected


@given(TREES, st.integers(0, 2**32), styles(numbers=True))
def test_repeats_a_key_agrees_with_a_reference(tree: Any, seed: int, style: Style) -> None:
    """repeats_a_key answers like Python's own parser told to list every object's pairs.

    The text is written by hand, with keys and values full of colons, quotes, backslashes
    and non-ASCII, escaped or not, compact or with white space everywhere, so both of its
    methods (colon counts of the whole text without a backslash, colons outside strings
    with one) meet what could fool them.
    """
    text = render(tree, seed, style)
    note(repr(text))
    _check_repeats(text)


@given(trees_with_a_repeat(), st.integers(0, 2**32), styles(numbers=True))
def test_repeats_a_key_finds_every_repeat(tree: Any, seed: int, style: Style) -> None:
    """Text that surely repeats a key, at any depth and with any values, is caught."""
    text = render(tree, seed, style)
    note(repr(text))
    assert _check_repeats(text)


@pytest.mark.parametrize(
    ("text", "repeats"),
    [
        ('{"a":"x:y","a":"z"}', True),
        ('{"a":"z","a":"x:y:z"}', True),
        ('{"a":"x:y","b":"z"}', False),
        ('{"a:b":1,"a\\u003ab":2}', True),
        ('{"a\\u003ab":1,"b":"\\\\"}', False),
        ('{"q\\"":"\\":","q\\u0022":1}', True),
        ('{"\\\\":1,"\\\\\\\\":2}', False),
        ('{"\\\\":"\\":\\"","\\\\":1}', True),
        ('{"k":{"x":1},"k":{"x":1}}', True),
        ('[{"a":1},{"a":1}]', False),
        ('{"a":{"a":{"a":[]}}}', False),
        ('{"a":[{"b":1,"b":1}]}', True),
        ('{ "a" :\n 1 ,\t"a"\r:  2 }', True),
        ('{\n  "a": "1:2",\n  "b": {"a": "3:4"}\n}', False),
        ('{"\\ud83d\\ude00":1,"\U0001f600":2}', True),
    ],
)
def test_repeats_a_key_examples(text: str, repeats: bool) -> None:
    """Hand-picked texts: escaped quotes and colons, equal keys spelt differently, nesting."""
    assert _check_repeats(text) is repeats


def _as_long_as_orjson(text: str, *, newline: bool = False) -> str:
    """``text`` padded with spaces (and a final newline) to the length of orjson's writing of
    its document, indented as orjson indents when the text starts with a line break.
    """
    data = text.encode()
    option = orjson.OPT_INDENT_2 if data[1:2] == b"\n" else 0
    missing = len(orjson.dumps(orjson.loads(data), option=option)) - len(data)
    assert missing >= 0
    return text + " " * missing + ("\n" if newline else "")


@pytest.mark.parametrize("newline", [False, True])
@pytest.mark.parametrize(
    "text",
    [
        '{"a":1,"a":1e9}',
        '{"a":1,"b":{"c":0,"c":1e9}}',
        '{\n"a":1,"a":1e9}',
        '{"a":"x","a":1E9,"b":1e9}',
    ],
)
def test_a_repeat_as_long_as_orjsons_own_writing_is_found(text: str, newline: bool) -> None:
    """A repeat is found in text exactly as long as orjson's writing of what it parses to.

    A short number spelling (``1e9`` is written back as ``1000000000.0``) makes room for the
    repeated pair, so the text has the length of the document written back by orjson
    (compact, or indented when the text starts with a line break), with or without a final
    newline, yet it is not that writing.
    """
    assert _check_repeats(_as_long_as_orjson(text, newline=newline))


# -- 4. examples -----------------------------------------------------------------------------


def _first_finding(document: dict[str, Any]) -> tuple[int, int]:
    """The position of the first finding in a catalog document."""
    for index, modality in enumerate(document["modalities"]):
        if modality.get("findings"):
            return index, 0
    raise AssertionError("no finding in the built-in catalog")


def _refused(text: str | bytes) -> ValidationError:
    """The error from_json raises, after checking that the fast path declined the text."""
    assert _read_catalog_quickly(text) is None
    with pytest.raises(ValidationError) as caught:
        from_json(text, Catalog)
    assert _outcome(lambda: _detailed(text)) == (type(caught.value), caught.value.problems)
    return caught.value


@pytest.mark.parametrize("extra", [1, 2, 30])
def test_a_note_nested_too_deep_is_refused_for_depth(extra: int) -> None:
    """A catalog whose finding's note is a deep list, past MAX_DEPTH, is refused for depth."""
    document = orjson.loads(_built_in_document())
    modality, finding = _first_finding(document)
    # The document, modalities, a modality, findings, a finding: five levels before the note.
    deep: Any = "x"
    for _ in range(MAX_DEPTH - 5 + extra):
        deep = [deep]
    document["modalities"][modality]["findings"][finding]["note"] = deep
    for text in (orjson.dumps(document), orjson.dumps(document).decode()):
        assert [problem.rule for problem in _refused(text).problems] == ["depth"]


def test_a_note_nested_to_the_limit_is_refused_as_not_text() -> None:
    """At exactly MAX_DEPTH levels the depth limit lets it through and the note is refused."""
    document = orjson.loads(_built_in_document())
    modality, finding = _first_finding(document)
    deep: Any = "x"
    for _ in range(MAX_DEPTH - 5):
        deep = [deep]
    document["modalities"][modality]["findings"][finding]["note"] = deep
    error = _refused(orjson.dumps(document))
    assert [problem.path for problem in error.problems] == [
        f"$.modalities[{modality}].findings[{finding}].note"
    ]
    assert error.rule != "depth"


@pytest.mark.parametrize("escape", [0.0, 1.0])
@pytest.mark.parametrize(
    ("key", "value", "inner"),
    [
        ("outcome", None, False),
        ("source", None, False),
        ("note", "ratio 1:2 at 6:30, see p. 3:14", False),
        ("note", 'say "a:b" \\ then \u003a', False),
        ("pain_type", None, False),
        ("phase", None, True),
    ],
)
def test_a_repeated_key_in_a_finding_is_refused_with_its_path(
    key: str, value: str | None, inner: bool, escape: float
) -> None:
    """A finding (or its pain type) that repeats a key is refused for it, with its path.

    The repeat has the same value as the original (so the parsed document looks valid) or a
    value full of colons, quotes and backslashes; the text is written plain or fully escaped.
    """
    document = orjson.loads(_built_in_document())
    modality, finding = _first_finding(document)
    record = document["modalities"][modality]["findings"][finding]
    holder = record["pain_type"] if inner else record
    pairs = list(holder.items())
    pairs.append((key, holder.get(key) if value is None else value))
    if inner:
        record["pain_type"] = Obj(tuple(pairs))
    else:
        document["modalities"][modality]["findings"][finding] = Obj(tuple(pairs))
    text = render(document, style=Style(escape=escape))
    error = _refused(text)
    at = f"$.modalities[{modality}].findings[{finding}]" + (".pain_type" if inner else "")
    assert [(problem.path, problem.rule) for problem in error.problems] == [
        (f"{at}.{key}", "repeated_key")
    ]


@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_lone_surrogate_escape_in_a_note_is_refused(as_bytes: bool) -> None:
    """The built-in catalog with a lone surrogate escape in a note is not JSON (rule "json")."""
    text = _built_in_document().decode()
    assert '"note":"' in text
    broken = text.replace('"note":"', '"note":"\\ud800', 1)
    error = _refused(broken.encode() if as_bytes else broken)
    assert [problem.rule for problem in error.problems] == ["json"]


def test_a_lone_surrogate_character_in_the_text_is_refused() -> None:
    """A str holding a lone surrogate itself (not escaped) cannot be UTF-8: rule "json"."""
    text = _built_in_document().decode().replace('"note":"', '"note":"\ud800', 1)
    assert [problem.rule for problem in _refused(text).problems] == ["json"]


def test_a_surrogate_pair_escape_in_a_note_is_read() -> None:
    """A well-formed surrogate pair escape is one character, read alike by both readers."""
    text = _built_in_document().decode().replace('"note":"', '"note":"\\ud83d\\ude00', 1)
    quick = _read_catalog_quickly(text)
    assert quick is not None
    assert quick == _detailed(text) == from_json(text, Catalog)
    assert any(
        finding.note.startswith("\U0001f600")
        for modality in quick.modalities
        for finding in modality.findings
    )


@pytest.mark.parametrize(
    "value",
    [
        None,
        123,
        1.5,
        ["{}"],
        {"schema_version": "1.0", "modalities": []},
        bytearray(b'{"schema_version":"1.0","modalities":[]}'),
        memoryview(b'{"schema_version":"1.0","modalities":[]}'),
        bytearray(b'{"schema_version":"1.0","modalities":[],"modalities":[]}'),
    ],
    ids=["none", "int", "float", "list", "dict", "bytearray", "memoryview", "bytearray-repeat"],
)
def test_input_that_is_not_str_or_bytes_gets_the_detailed_outcome(value: Any) -> None:
    """A value that is not str or bytes ends in from_json exactly as in the detailed reader.

    The fast path must decline it, not fail on it: a catalog for the buffers parse_json
    reads (bytearray, memoryview), a ValidationError for the rest, never another exception.
    """
    expected = _outcome(lambda: _detailed(value))
    try:
        found = _outcome(lambda: from_json(value, Catalog))
    except Exception as error:  # any other exception is the failure to show
        found = (type(error), str(error))
    assert found == expected
