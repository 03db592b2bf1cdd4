"""The records converter: shapes mapped, nothing coerced, every problem at its path.

Round trips over generated records are property tests in ``test_serialization_round_trip.py``
(documents are written and read by this converter); here, the converter itself.
"""

from fractions import Fraction
from typing import Any

import pytest

from painmodalities import (
    Catalog,
    Finding,
    Modality,
    Patient,
    Ranking,
    Source,
    default_catalog,
    rank,
)
from painmodalities._converter import converter, make_strict_converter
from painmodalities.errors import ValidationError
from painmodalities.scoring import Score
from tests import samples


def _problems(value: object, kind: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as raised:
        converter().structure(value, kind)
    return [(problem.path, problem.rule) for problem in raised.value.problems]


def test_the_built_in_catalog_and_a_ranking_read_back_the_same() -> None:
    catalog = default_catalog()
    assert converter().structure(converter().unstructure(catalog), Catalog) == catalog
    ranking = default_catalog_ranking()
    assert converter().structure(converter().unstructure(ranking), Ranking) == ranking


def test_each_call_builds_a_new_converter_and_the_shared_one_is_kept() -> None:
    assert make_strict_converter() is not make_strict_converter()
    assert converter() is converter()


def test_sets_are_written_as_sorted_lists_whatever_their_declared_type() -> None:
    patient = Patient(precautions={"open_wound", "blood_clot"}, exclude={"b.b", "a.a"})
    written = converter().unstructure(patient)
    assert written["precautions"] == ["blood_clot", "open_wound"]  # in the enum's order
    assert written["exclude"] == ["a.a", "b.b"]
    assert converter().unstructure(frozenset({"b", "a"})) == ["a", "b"]  # a bare frozenset


def test_exact_numbers_are_written_as_fraction_strings() -> None:
    score = next(option.score for option in default_catalog_ranking().options)
    assert converter().unstructure(score)["value"] == f"{score.value}"
    assert converter().structure(f"{Fraction(13, 20)}", Fraction) == Fraction(13, 20)


def default_catalog_ranking() -> Ranking:

    return rank("low_back:chronic", catalog=default_catalog())


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("1", int, [("$", "type")]),  # no coercion of text to a number
        (1, str, [("$", "type")]),
        (1, bool, [("$", "type")]),
        ("true", bool, [("$", "type")]),
        ({"key": "x"}, Source, [("$.title", "required")]),
        ("a/b", Fraction, [("$", "fraction")]),
    ],
)
def test_error_nothing_is_coerced(value: object, kind: Any, expected: list[Any]) -> None:
    assert _problems(value, kind) == expected


def test_error_every_problem_of_an_object_is_reported_at_its_path() -> None:
    written = converter().unstructure(samples.finding())
    written.update(effect="huge", certainty=3, extra="x")
    paths = {path for path, _ in _problems(written, Finding)}
    assert {"$.effect", "$.certainty", "$.extra"} <= paths


def test_error_a_set_with_a_repeated_item_names_the_repeat() -> None:
    written = converter().unstructure(Patient(precautions={"blood_clot"}))
    written["precautions"] = ["blood_clot", "blood_clot"]
    assert ("$.precautions[1]", "duplicate") in _problems(written, Patient)


def test_error_a_modality_needs_a_known_kind() -> None:
    written = converter().unstructure(samples.massage())
    assert written["kind"] == "massage"
    assert _problems({**written, "kind": "yoga"}, Modality) == [("$.kind", "enum")]
    no_kind = {key: value for key, value in written.items() if key != "kind"}
    assert _problems(no_kind, Modality) == [("$.kind", "required")]


def test_error_an_array_is_required_where_a_tuple_is_declared() -> None:
    written = converter().unstructure(samples.massage())
    written["findings"] = {"not": "an array"}
    assert ("$.findings", "type") in _problems(written, Modality)


def test_scores_read_back_through_the_generic_record_hook() -> None:
    score = default_catalog_ranking().options[0].score
    assert converter().structure(converter().unstructure(score), Score) == score
