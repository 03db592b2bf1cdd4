"""The error tree: one module, plain classes, exact messages, and errors that pickle."""

import inspect
import math
import pickle

import pytest

import painmodalities
import painmodalities.cli
import painmodalities.fhir
import painmodalities.plot
from painmodalities import errors
from painmodalities.cli import CliError
from painmodalities.errors import (
    MISSING,
    CatalogIntegrityError,
    InvalidDurationError,
    InvalidWeightsError,
    MissingExtraError,
    NotInCatalogError,
    PainModalitiesError,
    Problem,
    UnknownModalityError,
    UnknownSourceError,
    UnsupportedVersionError,
    ValidationError,
    invalid,
)

ERRORS = [
    value
    for value in vars(errors).values()
    if inspect.isclass(value) and issubclass(value, PainModalitiesError)
]


#: The edges' own errors, each defined beside the edge it belongs to.
EDGE_ERRORS = {"CliError": "painmodalities.cli"}


def test_every_error_class_lives_in_errors_or_with_its_edge() -> None:
    """Each error class the package and its optional parts export is the core's (defined in
    errors.py) or an edge's own (the command line's CliError, in cli.py), under one root.
    """
    for module in (painmodalities, painmodalities.cli, painmodalities.fhir, painmodalities.plot):
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value) and issubclass(value, BaseException):
                home = EDGE_ERRORS.get(name, "painmodalities.errors")
                assert value.__module__ == home, f"{module.__name__}.{name}"
                assert issubclass(value, PainModalitiesError)
    assert set(painmodalities.__all__) >= {error.__name__ for error in ERRORS}
    assert "CliError" not in errors.__all__
    assert "CliError" not in painmodalities.__all__  # the core never imports the command line


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: error.__name__)
def test_no_leaf_overrides_init(error: type[PainModalitiesError]) -> None:
    """Errors carry no machinery: no leaf constructor, no __new__ or __reduce__ of their own.

    ValidationError's constructor (a problem or problems, kept as its one argument) is the
    only one, and every class below it inherits it unchanged.
    """
    own = vars(error)
    assert "__new__" not in own
    assert "__reduce__" not in own
    if error is not ValidationError:
        assert "__init__" not in own


def test_not_in_catalog_siblings() -> None:
    """Unknown modality ids and source keys are siblings under NotInCatalogError, a KeyError."""
    assert issubclass(NotInCatalogError, KeyError)
    assert issubclass(NotInCatalogError, PainModalitiesError)
    assert issubclass(UnknownModalityError, NotInCatalogError)
    assert issubclass(UnknownSourceError, NotInCatalogError)
    assert not issubclass(UnknownSourceError, UnknownModalityError)
    assert not issubclass(UnknownModalityError, UnknownSourceError)


def test_unknown_messages() -> None:
    """The messages say what was asked for, and suggest close ids."""
    known = ("massage.swedish", "massage.deep_tissue", "exercise.yoga")
    modality = UnknownModalityError.for_id("massage.swede", known)
    assert str(modality) == (
        "no modality with id 'massage.swede' in the catalog; did you mean massage.swedish?"
    )
    assert modality.modality_id == modality.key == "massage.swede"
    assert modality.known == known
    assert str(UnknownModalityError.for_id("zzz", known)) == (
        "no modality with id 'zzz' in the catalog"
    )
    source = UnknownSourceError.for_key("nope", ["acp-2017"])
    assert str(source) == "no source with key 'nope' in the catalog"
    assert source.key == "nope"
    assert source.known == ("acp-2017",)


def test_missing_extra_message() -> None:
    """One MissingExtraError, an ImportError naming the extra to install."""
    error = MissingExtraError.for_extra("plot", "plotting")
    assert isinstance(error, ImportError)
    assert str(error) == "plotting needs the plot extra: pip install 'painmodalities[plot]'"


SAMPLES: list[PainModalitiesError] = [
    invalid("$.x", "a number", "1", "type"),
    ValidationError([Problem("$.a", "text", ""), Problem("$.b", "a number", math.nan)]),
    invalid("$", "a number of weeks", "6", "duration", error=InvalidDurationError),
    invalid("$.function", "a number", None, error=InvalidWeightsError),
    CatalogIntegrityError(Problem("$.modalities[1].id", "a unique id", "a", "duplicate_id")),
    invalid("$.schema_version", "1.x", "2.0", "version", error=UnsupportedVersionError),
    UnknownModalityError.for_id("massage.swede", ["massage.swedish"]),
    UnknownSourceError.for_key("nope", ["acp-2017"]),
    MissingExtraError.for_extra("fhir", "FHIR support"),
    CliError("catalog.json: not UTF-8 text"),
]


@pytest.mark.parametrize("error", SAMPLES, ids=lambda error: type(error).__name__)
def test_errors_pickle_with_class_message_and_data(error: PainModalitiesError) -> None:
    """An error survives pickling (as between processes): same class, message and data."""
    again = pickle.loads(pickle.dumps(error))  # noqa: S301 (our own bytes)
    assert type(again) is type(error)
    assert str(again) == str(error)
    if isinstance(error, ValidationError):
        assert isinstance(again, ValidationError)
        assert again.problems == error.problems
    if isinstance(error, NotInCatalogError):
        assert isinstance(again, NotInCatalogError)
        assert (again.key, again.known) == (error.key, error.known)


def test_validation_error_messages_and_paths() -> None:
    """One problem reads as one line, several as a list; at() moves each path, keeps the class."""
    one = invalid("$.year", "a whole number", "x", "type", error=CatalogIntegrityError)
    assert str(one) == '$.year: expected a whole number, got "x"'
    assert (one.path, one.expected, one.rule) == ("$.year", "a whole number", "type")
    assert one.value == "x"
    two = ValidationError(Problem(f"$.p{i}", "text", MISSING) for i in range(2))
    assert str(two) == (
        "2 problems:\n  - $.p0: expected text, got nothing\n  - $.p1: expected text, got nothing"
    )
    moved = one.at("$.sources[3]")
    assert type(moved) is CatalogIntegrityError
    assert moved.path == "$.sources[3].year"
    assert str(ValidationError([])) == "$: expected valid input, got nothing"


def test_problem_is_a_frozen_value() -> None:
    """Problems compare by what they show (nan equals nan), hash consistently, never change."""
    first = Problem("$.x", "a number", math.nan, "range")
    second = Problem("$.x", "a number", float("nan"), "range")
    assert first == second
    assert hash(first) == hash(second)
    assert first != Problem("$.x", "a number", 1.0, "range")
    assert first != Problem("$.x", "a number", math.nan)
    assert len({first, second}) == 1
    assert repr(Problem("$", "x", 1)) == "Problem(path='$', expected='x', value=1, rule='invalid')"
    assert Problem("x", "y", 1).at("$.a") == Problem("$.a.x", "y", 1)
    with pytest.raises(AttributeError):
        first.path = "$.y"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(Problem("$", "x", MISSING))).value is MISSING  # noqa: S301


def test_error_a_deeply_nested_value_is_shown_without_failing() -> None:
    """A problem whose value nests past Python's recursion limit still has a message
    (json.dumps and repr both raise RecursionError on it; reprlib's levels do not).
    """
    value: list[object] = []
    for _ in range(100_000):
        value = [value]
    problem = Problem("$.x", "a value", value)
    text = str(ValidationError(problem))
    assert text.startswith("$.x: expected a value, got [[[")
    assert len(text) < 200
