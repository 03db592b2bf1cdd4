"""JSON Schema: valid draft 2020-12, shipped as generated, driven by the validators' rules."""

from collections.abc import Iterator
from importlib import resources
from typing import Any

import jsonschema
import orjson
import pytest

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
        {**good, "schema_version": "2.0"},
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
