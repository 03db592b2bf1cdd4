"""Field rules: each building block accepts exactly what it says, with one message and path."""

import math
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import _rules as check
from painmodalities.errors import InvalidWeightsError, ValidationError


@attrs.frozen
class _Record:
    """A stand-in record: its own id and the fields the rules under test guard."""

    id: str = "programme"


_WEIGHT = check.non_negative_number("weight", error=InvalidWeightsError)
_COMPONENTS = check.distinct_ids(other_than="id")


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers()))
def test_non_negative_number_accepts_exactly_finite_numbers_from_zero(value: float) -> None:
    """A finite int or float from 0 up passes; any other number breaks the rule's code."""
    found = _WEIGHT.find(None, value)
    if math.isfinite(value) and value >= 0:
        assert found is None
    else:
        assert found is not None
        assert (found.path, found.expected, found.rule) == (
            "$",
            "a finite, non-negative number",
            "weight",
        )


@pytest.mark.parametrize("value", [True, False, "1", None, [1]])
def test_error_non_negative_number_refuses_what_is_not_a_number(value: object) -> None:
    """A bool, a string or anything else is a ``type`` problem, raised as the rule's class."""
    attribute = attrs.fields(_Record).id
    with pytest.raises(InvalidWeightsError) as caught:
        _WEIGHT(None, attribute, value)
    problem = caught.value.problems[0]
    assert (problem.path, problem.expected, problem.rule) == ("$.id", "a number", "type")
    assert _WEIGHT.schema == {"type": "number", "minimum": 0}


def test_distinct_ids_accepts_distinct_ids_other_than_the_record() -> None:
    """Distinct modality ids that are not the record's own id pass."""
    assert _COMPONENTS.accepts(("exercise.core", "heat"), _Record())


@pytest.mark.parametrize(
    ("value", "path", "expected", "rule"),
    [
        ((), "$", "a non-empty tuple of modality ids", "type"),
        (["heat"], "$", "a non-empty tuple of modality ids", "type"),
        (("Heat",), "$[0]", "a modality id", "pattern"),
        (
            ("heat", "heat"),
            "$[1]",
            "a distinct component other than the programme itself",
            "duplicate_id",
        ),
        (
            ("heat", "programme"),
            "$[1]",
            "a distinct component other than the programme itself",
            "component_cycle",
        ),
    ],
)
def test_error_distinct_ids(value: Any, path: str, expected: str, rule: str) -> None:
    """Each way a tuple of ids can fail is one problem at the item's path."""
    found = _COMPONENTS.find(_Record(), value)
    assert found is not None
    assert (found.path, found.expected, found.rule) == (path, expected, rule)


@given(st.one_of(st.none(), st.frozensets(st.sampled_from(["heat", "exercise.core", "X"]))))
def test_optional_frozenset_of_ids_is_none_or_the_set_rule(value: frozenset[str] | None) -> None:
    """``None`` passes; a set passes exactly when the frozenset-of-ids rule passes it."""
    expected = value is None or check.frozenset_of_ids.accepts(value)
    assert check.optional_frozenset_of_ids.accepts(value) is expected
    assert check.optional_frozenset_of_ids.schema == {
        "anyOf": [dict(check.frozenset_of_ids.schema or {}), {"type": "null"}]
    }


def test_error_rules_raise_the_library_error_at_the_field() -> None:
    """A broken rule raises a ``ValidationError`` whose path names the field."""
    attribute = attrs.fields(_Record).id
    with pytest.raises(ValidationError) as caught:
        _COMPONENTS(_Record(), attribute, ("heat", "heat"))
    assert caught.value.problems[0].path == "$.id[1]"
