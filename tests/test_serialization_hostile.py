"""Hostile input: whatever arrives, the loader returns the right object or a ValidationError."""

import functools
from typing import Any

import jsonschema
import orjson
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from painmodalities import (
    DOCUMENT_TYPES,
    Catalog,
    Patient,
    ValidationError,
    default_catalog,
    from_json,
    load_catalog,
    rank,
    to_json,
)
from painmodalities.schema import shipped_schema
from tests.strategies import JSON_VALUES, JsonPath, json_paths, value_at, words

Path = JsonPath


def _load_or_problem(text: str | bytes, kind: type) -> object:
    """Load ``text``; a ValidationError is fine if every problem has a JSON path."""
    try:
        return from_json(text, kind)
    except ValidationError as caught:
        error = caught
    _check_paths(error)
    return error


def _check_paths(error: ValidationError) -> None:
    assert error.problems
    for problem in error.problems:
        assert problem.path.startswith("$"), problem
        assert str(problem).startswith(f"{problem.path}: expected ")


@pytest.mark.parametrize("name", sorted(DOCUMENT_TYPES))
@given(value=JSON_VALUES, versioned=st.booleans())
def test_arbitrary_json_is_refused_with_a_path(name: str, value: Any, versioned: bool) -> None:
    """Any JSON value given as any document type loads or is refused with a path, nothing else."""
    if versioned and isinstance(value, dict):
        value = {"schema_version": "1.0", **value}
    _load_or_problem(orjson.dumps(value), DOCUMENT_TYPES[name])


@given(text=st.text() | st.binary())
def test_arbitrary_text_is_refused_with_a_path(text: str | bytes) -> None:
    """Any text or bytes at all is a catalog or a ValidationError."""
    _load_or_problem(text, Catalog)


# -- mutations of valid documents -----------------------------------------------------------


@functools.cache
def _valid(kind: str) -> bytes:
    ranking = rank(
        "low_back:chronic",
        patient=Patient(exclude=frozenset({"massage.swedish", "acupuncture"})),
    )
    return to_json(default_catalog() if kind == "catalog" else ranking).encode()


@functools.cache
def _validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(shipped_schema(kind))


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> tuple[Any, str]:
    """A valid document with one to three random edits: delete, add or replace a value."""
    document = orjson.loads(_valid(kind))
    actions = []
    for _ in range(draw(st.integers(1, 3))):
        paths = json_paths(document)
        path = draw(st.sampled_from(paths))
        parent = value_at(document, path)
        action = draw(st.sampled_from(["delete", "add", "replace"]))
        if not isinstance(parent, dict | list) or not parent:
            action = "replace"
        if action == "replace":
            value = draw(JSON_VALUES)
            if path:
                value_at(document, path[:-1])[path[-1]] = value
            else:
                document = value
        elif action == "delete":
            key = draw(
                st.sampled_from(
                    list(parent.keys()) if isinstance(parent, dict) else range(len(parent))
                )
            )
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(words(max_size=12))] = draw(JSON_VALUES)
        else:
            parent.insert(draw(st.integers(0, len(parent))), draw(JSON_VALUES))
        actions.append(f"{action} at {path}")
        if not isinstance(document, dict | list):
            break
    return document, "; ".join(actions)


def _agrees(given: Any, written: Any) -> bool:
    """Whether ``written`` (the loaded object's JSON) says all that ``given`` says."""
    if isinstance(given, dict):
        return isinstance(written, dict) and all(
            key == "explanation" or (key in written and _agrees(value, written[key]))
            for key, value in given.items()
        )
    if isinstance(given, list):
        if not isinstance(written, list) or len(given) != len(written):
            return False
        if all(_agrees(a, b) for a, b in zip(given, written, strict=True)):
            return True
        # a set is written in the vocabulary's order, whatever the order given
        return sorted(map(orjson.dumps, given)) == sorted(map(orjson.dumps, written))
    return (type(given) is type(written) and given == written) or (
        type(given) is int and type(written) is float and given == written
    )


@pytest.mark.parametrize("kind", ["catalog", "ranking"])
@given(data=st.data())
def test_mutated_documents_load_the_same_or_are_refused_with_a_path(
    kind: str, data: st.DataObject
) -> None:
    """Random edits of a valid catalog or ranking load faithfully or fail with a path.

    Deleting, adding or replacing values anywhere either gives an object that says exactly
    what the edited document says, or raises a ValidationError whose problems all carry a
    JSON path; no other exception escapes.
    """
    document, edits = data.draw(mutated(kind))
    note(edits)
    target: type = DOCUMENT_TYPES[kind]
    loaded = _load_or_problem(orjson.dumps(document), target)
    if not isinstance(loaded, ValidationError):
        # Accepted: then the object says exactly what the document says, nothing coerced or
        # dropped (keys left out take their defaults; explanations are recomputed).
        # what the loader accepts, the shipped schema accepts too
        _validator(kind).validate(document)
        assert _agrees(document, orjson.loads(to_json(loaded))), edits
        assert from_json(to_json(loaded), target) == loaded


@given(data=st.data())
def test_mutated_catalogs_loaded_on_top_of_the_built_in_one_are_checked(
    data: st.DataObject,
) -> None:
    """A mutated catalog merged into the built-in one is a catalog or a ValidationError."""
    document, _ = data.draw(mutated("catalog"))
    try:
        load_catalog(orjson.dumps(document), base=default_catalog(), replace=True)
    except ValidationError as caught:
        _check_paths(caught)
