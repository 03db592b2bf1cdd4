"""JSON Schema: valid draft 2020-12, shipped as generated, driven by the validators' rules."""

from collections.abc import Iterator
from importlib import resources
from types import SimpleNamespace
from typing import Any

import attrs
import jsonschema
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import (
    DOCUMENT_TYPES,
    Catalog,
    Certainty,
    Massage,
    Modality,
    PainType,
    Patient,
    Ranking,
    ValidationError,
    default_catalog,
    json_schema,
    rank,
    to_json,
)
from painmodalities import _rules as check
from painmodalities._converter import FRACTION_PATTERN
from painmodalities.modalities import FAMILIES
from painmodalities.schema import DRAFT, schema_text, shipped_schema
from painmodalities.serialization import converter

SCHEMAS = resources.files("painmodalities").joinpath("schemas")


@pytest.mark.parametrize("name", sorted(DOCUMENT_TYPES))
def test_each_schema_is_valid_draft_2020_12(name: str) -> None:
    """Every generated schema passes the metaschema check of its dialect."""
    schema = json_schema(name)
    assert schema["$schema"] == DRAFT
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", sorted(DOCUMENT_TYPES))
def test_shipped_schema_files_are_the_generated_ones(name: str) -> None:
    """The files in the package equal what the generator writes (run scripts/build_schemas.py)."""
    shipped = SCHEMAS.joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    assert shipped == schema_text(name)
    assert shipped_schema(name) == json_schema(name)


def test_the_package_ships_one_schema_per_document_type() -> None:
    """No stale schema file is left behind."""
    files = {entry.name for entry in SCHEMAS.iterdir() if entry.name.endswith(".json")}
    assert files == {f"{name}.schema.json" for name in DOCUMENT_TYPES}


def test_json_schema_takes_a_class_or_a_name() -> None:
    """The CLI passes classes or names; both give the same schema."""
    assert json_schema(Catalog) == json_schema("catalog")
    assert json_schema(Modality) == json_schema("modality")
    assert json_schema(PainType) == json_schema("pain_type")
    assert json_schema(Massage)["properties"]["kind"] == {"const": "massage"}


@pytest.mark.parametrize("kind", ["catalogue", 3, dict, Modality.__base__])
def test_json_schema_refuses_what_is_not_a_document_type(kind: Any) -> None:
    """An unknown type is a ValidationError naming the known ones."""
    with pytest.raises(ValidationError):
        json_schema(kind)


def _objects(schema: Any) -> Iterator[dict[str, Any]]:
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            yield schema
        for value in schema.values():
            yield from _objects(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _objects(item)


@pytest.mark.parametrize("name", sorted(DOCUMENT_TYPES))
def test_every_object_is_closed(name: str) -> None:
    """Unknown keys are refused by the schema as by the loader."""
    objects = list(_objects(json_schema(name)))
    assert objects
    assert all(schema["additionalProperties"] is False for schema in objects)


def test_rules_come_from_the_validators_constants() -> None:
    """Patterns, bounds and enums are the ones the validators enforce."""
    defs = json_schema("catalog")["$defs"]
    massage = defs["Massage"]["properties"]
    assert massage["id"]["pattern"] == check.json_pattern(check.ID_PATTERN)
    assert massage["session_minutes"]["anyOf"][0]["maximum"] == check.MAX_SESSION_MINUTES
    assert check.text.schema is not None
    assert massage["name"]["pattern"] == check.text.schema["pattern"]
    assert defs["Finding"]["properties"]["certainty"]["enum"] == [c.value for c in Certainty]
    assert defs["Finding"]["properties"]["source"]["pattern"] == check.json_pattern(
        check.KEY_PATTERN
    )
    assert defs["Finding"]["required"] == [
        "pain_type",
        "outcome",
        "horizon",
        "effect",
        "certainty",
        "source",
    ]
    score = json_schema("score")["properties"]
    assert score["value"]["pattern"] == FRACTION_PATTERN
    assert score["value_float"] == {
        "type": "number",
        "minimum": 0,
        "maximum": 1,
        "description": "value as the nearest float, for readers without fractions",
    }


def test_modality_families_are_a_one_of_on_kind() -> None:
    """Each family is chosen by its kind constant; a wrong kind matches none."""
    modality = json_schema("catalog")["$defs"]["Modality"]
    assert [branch["if"]["properties"]["kind"]["const"] for branch in modality["oneOf"]] == [
        family.kind for family in FAMILIES
    ]
    validator = jsonschema.Draft202012Validator(json_schema("modality"))
    swedish = orjson.loads(to_json(default_catalog()["massage.swedish"]))
    assert validator.is_valid(swedish)
    assert not validator.is_valid({**swedish, "kind": "exercise"})
    assert not validator.is_valid({**swedish, "kind": "spa"})


def test_the_schema_refuses_what_the_loader_refuses() -> None:
    """A sample of bad documents: wrong enum, unknown key, missing key, coerced number."""
    validator = jsonschema.Draft202012Validator(json_schema("patient"))
    good = orjson.loads(to_json(Patient(max_session_minutes=30)))
    assert validator.is_valid(good)
    for bad in (
        {**good, "precautions": ["sunburn"]},
        {**good, "colour": "blue"},
        {**good, "max_session_minutes": "30"},
        {**good, "max_session_minutes": 0},
        {**good, "exclude": ["Massage"]},
        {key: value for key, value in good.items() if key != "schema_version"},
        {**good, "schema_version": "3.0"},
    ):
        assert not validator.is_valid(bad), bad


def test_a_ranking_document_validates() -> None:
    """The built-in ranking, with exclusions and explanations, obeys the ranking schema."""
    ranking = rank(
        "knee_osteoarthritis:chronic", patient=Patient(exclude=frozenset({"acupuncture"}))
    )
    jsonschema.Draft202012Validator(shipped_schema("ranking")).validate(
        orjson.loads(to_json(ranking))
    )
    assert DOCUMENT_TYPES["ranking"] is Ranking


# -- every field rule: the schema accepts exactly what the reader and validator accept ----


def _record_types() -> list[type]:
    kinds = [kind for kind in DOCUMENT_TYPES.values() if kind is not Modality]
    return kinds + [family for family in FAMILIES if family not in kinds]


def _shipped_properties() -> dict[str, dict[str, Any]]:
    """Each record's property schemas, by class name, from the shipped schema files."""
    found: dict[str, dict[str, Any]] = {}
    for name, kind in DOCUMENT_TYPES.items():
        shipped = shipped_schema(name)
        for def_name, definition in shipped.get("$defs", {}).items():
            if "properties" in definition:
                found[def_name] = definition["properties"]
        if "properties" in shipped:
            found[kind.__name__] = shipped["properties"]
    return found


_PROPERTIES = _shipped_properties()
RULED_FIELDS = [
    pytest.param(kind, field, id=f"{kind.__name__}.{field.name}")
    for kind in _record_types()
    for field, rule in check.rules_of(kind)
    if rule.schema is not None
]
#: Stands in for the record a rule that needs it (a programme's own id) belongs to.
_RECORD = SimpleNamespace(id="physical_therapy.programme")
_NEAR_MISSES = st.sampled_from(
    ["", " ", "\t", "\u00a0", "\x1c", "A", "-", ".", "_", "1", "\u00e9"]
)


def _near(text: str) -> st.SearchStrategy[str]:
    """``text`` with a character added, changed or removed at either end."""
    return st.one_of(
        st.builds(lambda c: c + text, _NEAR_MISSES),
        st.builds(lambda c: text + c, _NEAR_MISSES),
        st.just(text[1:]),
        st.just(text[:-1]),
        st.just(text.upper()),
        st.just(f"{text}.x"),
    )


def _around(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """JSON values on both sides of each boundary ``schema`` states."""
    options: list[st.SearchStrategy[Any]] = [
        st.sampled_from([None, True, False, 0, 1, -1, 0.5, "", "x", [], {}])
    ]
    options += (_around(branch) for branch in schema.get("anyOf", ()))
    if "enum" in schema:
        values = st.sampled_from(schema["enum"])
        options += [values, values.flatmap(_near)]
    if "pattern" in schema:
        fitting = st.from_regex(schema["pattern"], fullmatch=True).filter(str.isprintable)
        options += [fitting, fitting.flatmap(_near)]
    if schema.get("type") == "string":
        options.append(
            st.text(_NEAR_MISSES.filter(bool) | st.characters(codec="utf-8"), max_size=4)
        )
    if schema.get("type") in ("integer", "number"):
        low, high = schema.get("minimum", 0), schema.get("maximum", 10**6)
        edges = [low - 1, low, low + 1, high - 1, high, high + 1]
        options.append(st.sampled_from(edges) | st.integers(low - 3, high + 3))
        if schema["type"] == "number":
            options.append(st.floats(allow_nan=False, allow_infinity=False))
        else:
            # JSON Schema counts 1.0 as an integer (one JSON number); the reader, like
            # Python, tells them apart (docs/json.md says so). Only non-integral floats.
            options.append(
                st.floats(allow_nan=False, allow_infinity=False).filter(
                    lambda number: not number.is_integer()
                )
            )
    if schema.get("type") == "array":
        item = _around(schema["items"])
        options.append(st.lists(item, max_size=3))
        options.append(item.map(lambda value: [value, value]))
    return st.one_of(options)


def _reader_accepts(field: "attrs.Attribute[Any]", value: object) -> bool:
    """Whether the converter maps ``value`` to the field's type and its rule accepts it."""
    try:
        assert field.type is not None
        assert field.validator is not None
        built = converter().structure(value, field.type)
        field.validator(_RECORD, field, built)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(("kind", "field"), RULED_FIELDS)
@given(data=st.data())
def test_the_schema_accepts_exactly_what_the_rule_accepts(
    kind: type, field: "attrs.Attribute[Any]", data: st.DataObject
) -> None:
    """For each field with a rule, on values around each of its boundaries, the shipped
    JSON Schema and the reader (shapes, then the record's rule) agree on every value.
    """
    schema = _PROPERTIES[kind.__name__][field.name]
    value = data.draw(_around(schema), label=field.name)
    expected = jsonschema.Draft202012Validator(schema).is_valid(value)
    assert _reader_accepts(field, value) == expected


def test_every_ruled_field_is_covered() -> None:
    """The property above runs over the rules of every record type."""
    covered = {param.values[0] for param in RULED_FIELDS}
    assert {Massage, Patient, PainType}.issubset(covered)
    assert len(RULED_FIELDS) >= 40
