"""Malformed documents: each is refused with the JSON path, the rule and a clear message."""

import copy
import functools
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from painmodalities import (
    Catalog,
    CatalogIntegrityError,
    PainType,
    Patient,
    Ranking,
    Score,
    UnsupportedVersionError,
    ValidationError,
    Weights,
    default_catalog,
    from_json,
    rank,
    to_json,
)

Document = dict[str, Any]


@functools.cache
def _base(kind: str) -> bytes:
    ranking = rank("low_back:chronic", patient=Patient(exclude=frozenset({"massage.swedish"})))
    objects: dict[str, object] = {
        "catalog": default_catalog(),
        "weights": Weights(),
        "patient": Patient(),
        "pain_type": PainType.parse("neck:chronic"),
        "score": ranking[0].score,
        "ranking": ranking,
    }
    return to_json(objects[kind]).encode()


def base(kind: str) -> Document:
    """A fresh, valid document of ``kind`` to break."""
    document: Document = orjson.loads(_base(kind))
    return document


TYPES: dict[str, type] = {
    "catalog": Catalog,
    "weights": Weights,
    "patient": Patient,
    "pain_type": PainType,
    "score": Score,
    "ranking": Ranking,
}


def edit(kind: str, change: Callable[[Document], object]) -> Callable[[], tuple[str, bytes]]:
    """A case: the valid document of ``kind`` after ``change``."""

    def build() -> tuple[str, bytes]:
        document = base(kind)
        change(document)
        return kind, orjson.dumps(document)

    return build


def raw(kind: str, text: str | bytes) -> Callable[[], tuple[str, bytes]]:
    """A case given as raw text."""
    return lambda: (kind, text.encode() if isinstance(text, str) else text)


def modality(index: int) -> Callable[[Document], Document]:
    return lambda document: document["modalities"][index]


def put(
    where: Callable[[Document], Any], key: str | int, value: object
) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        where(document)[key] = value

    return change


def delete(where: Callable[[Document], Any], key: str) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        del where(document)[key]

    return change


def top(document: Document) -> Document:
    return document


def swap_first_options(document: Document) -> None:
    options = document["options"]
    options[0], options[1] = copy.deepcopy(options[1]), copy.deepcopy(options[0])
    options[0]["rank"], options[1]["rank"] = 1, 2


def rename_component(document: Document) -> None:
    """Make the programme's first component, in its components and findings, unknown."""
    programme = document["modalities"][8]
    programme["components"][0] = "exercise.nothing"
    for finding in programme["findings"]:
        if finding["component"] == "exercise.therapeutic":
            finding["component"] = "exercise.nothing"


def huge_session_minutes() -> tuple[str, bytes]:
    """A whole number beyond 64 bits: read exactly (the standard library's parser keeps it),
    and refused by the field's range.
    """
    text = _base("catalog").replace(
        b'"session_minutes":45', b'"session_minutes":1000000000000000000000000000000', 1
    )
    return "catalog", text


CERTAINTIES = '"insufficient", "very_low", "low", "moderate", "high"'

CASES = [
    # -- enums, types and coercion ---------------------------------------------------------
    pytest.param(
        edit("catalog", put(lambda d: d["modalities"][3]["findings"][0], "certainty", "med")),
        "$.modalities[3].findings[0].certainty",
        f'expected one of {CERTAINTIES}, got "med"',
        id="error_certainty_not_in_vocabulary",
    ),
    pytest.param(
        edit("catalog", put(modality(0), "session_minutes", "45")),
        "$.modalities[0].session_minutes",
        'expected a whole number, got "45"',
        id="error_string_for_a_number",
    ),
    pytest.param(
        edit("catalog", put(modality(0), "session_minutes", value=True)),
        "$.modalities[0].session_minutes",
        "expected a whole number, got true",
        id="error_boolean_for_a_number",
    ),
    pytest.param(
        edit("catalog", put(modality(0), "session_minutes", 45.0)),
        "$.modalities[0].session_minutes",
        "expected a whole number, got 45.0",
        id="error_float_for_a_whole_number",
    ),
    pytest.param(
        huge_session_minutes,
        "$.modalities[0].session_minutes",
        "expected a whole number from 1 to 1440, got 1000000000000000000000000000000",
        id="error_huge_integer",
    ),
    pytest.param(
        edit("catalog", put(modality(0), "mechanism_established", 1)),
        "$.modalities[0].mechanism_established",
        "expected true or false, got 1",
        id="error_number_for_a_boolean",
    ),
    pytest.param(
        edit("catalog", put(modality(0), "session_minutes", 0)),
        "$.modalities[0].session_minutes",
        "expected a whole number from 1 to 1440, got 0",
        id="error_session_length_out_of_range",
    ),
    pytest.param(
        edit("catalog", put(modality(0), "activity", None)),
        "$.modalities[0].activity",
        'expected one of "passive", "active", got null',
        id="error_null_for_a_required_enum",
    ),
    pytest.param(
        edit("catalog", put(modality(0), "findings", "none")),
        "$.modalities[0].findings",
        'expected an array, got "none"',
        id="error_string_for_an_array",
    ),
    pytest.param(
        edit("catalog", put(modality(0), "precautions", {})),
        "$.modalities[0].precautions",
        "expected an array, got {}",
        id="error_object_for_an_array",
    ),
    pytest.param(
        edit("catalog", put(modality(0), "precautions", ["blood_clot", "blood_clot"])),
        "$.modalities[0].precautions[1]",
        'expected no repeated items, got "blood_clot"',
        id="error_repeated_set_item",
    ),
    pytest.param(
        edit("catalog", put(modality(0), "name", "   ")),
        "$.modalities[0].name",
        'expected a non-empty UTF-8 string, got "   "',
        id="error_blank_name",
    ),
    pytest.param(
        edit("catalog", put(modality(0), "id", "Massage Swedish")),
        "$.modalities[0].id",
        'expected a dotted lower-case id such as "massage.swedish", got "Massage Swedish"',
        id="error_id_not_a_slug",
    ),
    pytest.param(
        edit("catalog", put(lambda d: d["sources"][0], "year", 3000)),
        "$.sources[0].year",
        "expected a whole number from 1900 to 2100, got 3000",
        id="error_year_out_of_range",
    ),
    # -- keys ------------------------------------------------------------------------------
    pytest.param(
        edit("catalog", put(modality(0), "colour", "blue")),
        "$.modalities[0].colour",
        'expected only the keys the record defines, got "colour"',
        id="error_unknown_key",
    ),
    pytest.param(
        edit("catalog", put(top, "extends", "builtin")),
        "$.extends",
        'expected only the keys the record defines, got "extends"',
        id="error_unknown_top_level_key",
    ),
    pytest.param(
        edit("catalog", delete(modality(0), "name")),
        "$.modalities[0].name",
        "expected a value (required), got nothing",
        id="error_missing_required_key",
    ),
    pytest.param(
        edit("catalog", delete(modality(2), "kind")),
        "$.modalities[2].kind",
        "expected one of",
        id="error_missing_kind",
    ),
    pytest.param(
        edit("catalog", put(modality(2), "kind", "yoga_class")),
        "$.modalities[2].kind",
        'expected one of "massage", "exercise", "physical_therapy", "rehabilitation", '
        '"psychological", "manual_therapy", "acupuncture", "physical_agent", "self_management", '
        '"lifestyle", got "yoga_class"',
        id="error_unknown_kind",
    ),
    pytest.param(
        raw("pain_type", '{"schema_version":"1.0","condition":"neck","condition":"low_back"}'),
        "$.condition",
        'expected each key once in an object, got "condition"',
        id="error_repeated_key",
    ),
    # -- references and integrity ------------------------------------------------------------
    pytest.param(
        edit("catalog", put(modality(1), "id", "massage.swedish")),
        "$.modalities[1].id",
        'expected a unique id, got "massage.swedish"',
        id="error_duplicate_modality_id",
    ),
    pytest.param(
        edit("catalog", put(lambda d: d["sources"][1], "key", "massages-for-pain-management")),
        "$.sources[1].key",
        'expected a unique key, got "massages-for-pain-management"',
        id="error_duplicate_source_key",
    ),
    pytest.param(
        edit("catalog", put(lambda d: d["modalities"][0]["findings"][0], "source", "nobody-2020")),
        "$.modalities[0].findings[0].source",
        'expected the key of a source in the catalog, got "nobody-2020"',
        id="error_dangling_source",
    ),
    pytest.param(
        edit("catalog", rename_component),
        "$.modalities[8].components[0]",
        'expected the id of a modality in the catalog, got "exercise.nothing"',
        id="error_dangling_component",
    ),
    pytest.param(
        edit("catalog", put(modality(8), "findings", [])),
        "$.modalities[8].findings",
        "expected exactly the components' findings",
        id="error_programme_findings_do_not_match",
    ),
    # -- numbers -----------------------------------------------------------------------------
    pytest.param(
        raw("weights", '{"schema_version":"1.0","function":NaN}'),
        "$",
        "expected valid JSON",
        id="error_nan",
    ),
    pytest.param(
        raw("weights", '{"schema_version":"1.0","function":1e400}'),
        "$",
        "number is infinity",
        id="error_infinity",
    ),
    pytest.param(
        edit("weights", put(top, "function", -1)),
        "$.function",
        "expected a finite, non-negative number, got -1",
        id="error_negative_weight",
    ),
    pytest.param(
        edit("weights", put(top, "function", "0.4")),
        "$.function",
        'expected a number, got "0.4"',
        id="error_string_weight",
    ),
    pytest.param(
        raw(
            "weights",
            '{"schema_version":"1.0","function":0,"durability":0,"activity":0,"pain":0}',
        ),
        "$",
        "expected at least one positive weight",
        id="error_all_weights_zero",
    ),
    pytest.param(
        edit("score", put(top, "value", "0.65")),
        "$.value",
        'expected an exact number from 0 up as a string such as "13/20" or "1", got "0.65"',
        id="error_fraction_as_decimal",
    ),
    pytest.param(
        edit("score", put(top, "value", 0.65)),
        "$.value",
        "got 0.65",
        id="error_fraction_as_float",
    ),
    pytest.param(
        edit("score", put(top, "value_float", 0.5)),
        "$.value_float",
        "expected the float nearest to value 41/60 (0.6833333333333333), got 0.5",
        id="error_float_disagrees_with_exact_value",
    ),
    pytest.param(
        edit("score", put(top, "value", "1/2")),
        "$.value",
        'expected the sum of the contributions (41/60), got "1/2"',
        id="error_score_is_not_the_sum",
    ),
    pytest.param(
        edit("score", put(top, "value", "3/2")),
        "$.value",
        'expected an exact number from 0 to 1, got "3/2"',
        id="error_score_above_one",
    ),
    # -- patients and pain types -------------------------------------------------------------
    pytest.param(
        edit("patient", put(top, "covered", "massage.swedish")),
        "$.covered",
        'expected an array, got "massage.swedish"',
        id="error_string_for_a_set_of_ids",
    ),
    pytest.param(
        edit("patient", put(top, "max_session_minutes", -5)),
        "$.max_session_minutes",
        "expected a whole number from 1 to 1440, got -5",
        id="error_negative_session_limit",
    ),
    pytest.param(
        edit("pain_type", put(top, "phase", "chronical")),
        "$.phase",
        'expected one of "acute", "subacute", "chronic", got "chronical"',
        id="error_unknown_phase",
    ),
    # -- rankings ----------------------------------------------------------------------------
    pytest.param(
        edit("ranking", swap_first_options),
        "$.options[1]",
        "expected options in ranking order",
        id="error_ranking_out_of_order",
    ),
    pytest.param(
        edit("ranking", put(lambda d: d["options"][0], "rank", 2)),
        "$.options[0].rank",
        "expected 1 (1 + the number of options with a higher score), got 2",
        id="error_rank_out_of_sequence",
    ),
    pytest.param(
        edit("ranking", put(lambda d: d["excluded"][0]["reasons"][0], "detail", "too costly")),
        "$.excluded[0].reasons",
        "expected the reasons against this modality: excluded on request",
        id="error_exclusion_reason_not_the_patients",
    ),
    pytest.param(
        edit(
            "ranking",
            put(lambda d: d["options"][0]["score"]["contributions"]["function"], "findings", []),
        ),
        "$.options[0].score",
        "expected the score the library computes for this modality",
        id="error_ranking_score_not_recomputed",
    ),
    pytest.param(
        edit("ranking", put(lambda d: d["options"][0]["modality"], "activity", "passive")),
        "$.options[0].modality.activity",
        "(the catalog's activity of",
        id="error_ranking_activity_not_the_catalogs",
    ),
    pytest.param(
        edit("ranking", put(lambda d: d["options"][0]["modality"], "id", "massage.thai")),
        "$.options[0].modality.id",
        "expected the id of a modality of the catalog the ranking was computed on",
        id="error_ranking_id_not_in_the_catalog",
    ),
    pytest.param(
        edit("ranking", put(lambda d: d["catalog"], "digest", "sha256:" + "0" * 64)),
        "$.catalog.digest",
        "pass the catalog it was computed on",
        id="error_ranking_of_another_catalog",
    ),
    pytest.param(
        edit("ranking", put(lambda d: d["options"][0]["score"], "unscored", [999])),
        "$.options[0].score.unscored[0]",
        "expected an index into $.findings",
        id="error_ranking_finding_index_out_of_range",
    ),
    # -- documents ---------------------------------------------------------------------------
    pytest.param(raw("catalog", "{"), "$", "expected valid JSON", id="error_not_json"),
    pytest.param(raw("catalog", ""), "$", "expected valid JSON", id="error_empty_text"),
    pytest.param(
        raw("catalog", b'{"schema_version":"1.0\xff"}'),
        "$",
        "expected valid JSON",
        id="error_not_utf8",
    ),
    pytest.param(raw("catalog", "[]"), "$", "expected a JSON object, got []", id="error_array"),
    pytest.param(
        raw("catalog", '{"modalities":[]}'),
        "$.schema_version",
        'expected a version such as "2.1", got nothing',
        id="error_missing_version",
    ),
    pytest.param(
        raw("catalog", '{"schema_version":1.0,"modalities":[]}'),
        "$.schema_version",
        'expected "MAJOR.MINOR", such as "2.1", got 1.0',
        id="error_version_not_a_string",
    ),
    pytest.param(
        raw("catalog", '{"schema_version":"3.1","modalities":[]}'),
        "$.schema_version",
        "upgrade painmodalities to read newer documents",
        id="error_newer_major_version",
    ),
    pytest.param(
        raw("pain_type", '{"schema_version":"1.0","phase":' + "[" * 40 + "]" * 40 + "}"),
        "$",
        "expected at most 32 nested arrays and objects",
        id="error_too_deep",
    ),
]


@pytest.mark.parametrize(("build", "path", "message"), CASES)
def test_error(build: Callable[[], tuple[str, bytes]], path: str, message: str) -> None:
    """Each malformed document raises ValidationError at the bad value's path, saying why."""
    kind, text = build()
    with pytest.raises(ValidationError) as caught:
        from_json(text, TYPES[kind])
    first = caught.value.problems[0]
    assert first.path == path
    assert message in str(first)
    assert str(first).startswith(f"{path}: expected ")


def test_error_table_is_large_enough() -> None:
    """The table names at least 30 malformed documents."""
    assert len(CASES) >= 30


def test_error_classes_say_what_kind_of_problem() -> None:
    """Integrity problems are CatalogIntegrityError, versions UnsupportedVersionError."""
    document = base("catalog")
    document["modalities"][1]["id"] = "massage.swedish"
    with pytest.raises(CatalogIntegrityError):
        from_json(orjson.dumps(document), Catalog)
    with pytest.raises(UnsupportedVersionError):
        from_json('{"schema_version":"9.0"}', Catalog)


def test_error_every_field_problem_is_reported_at_once() -> None:
    """Loading reports the problems of every modality and field in one error, not the first."""
    document = base("catalog")
    document["modalities"][3]["findings"][0]["certainty"] = "med"
    document["modalities"][5]["session_minutes"] = "45"
    document["modalities"][7]["colour"] = "blue"
    document["sources"][2]["year"] = "1999"
    with pytest.raises(ValidationError) as caught:
        from_json(orjson.dumps(document), Catalog)
    assert [problem.path for problem in caught.value.problems] == [
        "$.modalities[3].findings[0].certainty",
        "$.modalities[5].session_minutes",
        "$.modalities[7].colour",
        "$.sources[2].year",
    ]
    assert str(caught.value).startswith("4 problems:\n  - $.modalities[3]")


def test_error_every_integrity_problem_is_reported_at_once() -> None:
    """Duplicate ids and dangling references are all listed together."""
    document = base("catalog")
    document["modalities"][1]["id"] = "massage.swedish"
    document["modalities"][0]["findings"][0]["source"] = "nobody-2020"
    rename_component(document)
    with pytest.raises(CatalogIntegrityError) as caught:
        from_json(orjson.dumps(document), Catalog)
    assert {problem.rule for problem in caught.value.problems} == {
        "duplicate_id",
        "unknown_source",
        "unknown_component",
    }


def test_error_every_bad_item_of_a_set_is_reported() -> None:
    """Unknown, repeated and mistyped set items are all listed, each at its index."""
    document = base("patient")
    document["precautions"] = ["sunburn", "blood_clot", "blood_clot", 3]
    with pytest.raises(ValidationError) as caught:
        from_json(orjson.dumps(document), Patient)
    assert [(problem.path, problem.rule) for problem in caught.value.problems] == [
        ("$.precautions[0]", "enum"),
        ("$.precautions[2]", "duplicate"),
        ("$.precautions[3]", "enum"),
    ]


def test_error_a_float_score_that_is_not_a_number_is_one_problem() -> None:
    """A value_float that is not a number is reported once, as not a number."""
    document = base("score")
    document["value_float"] = "0.65"
    with pytest.raises(ValidationError) as caught:
        from_json(orjson.dumps(document), Score)
    assert [(problem.path, problem.rule) for problem in caught.value.problems] == [
        ("$.value_float", "number")
    ]


_PAIN_TYPE_TEXT = '{"schema_version": "1.0", "condition": "neck", "phase": "acute"}'


@pytest.mark.parametrize(
    ("name", "kind"), [("pain_type", PainType), ("catalog", Catalog), ("weights", Weights)]
)
def test_from_json_reads_document_type_names(name: str, kind: type[Any]) -> None:
    """A document type's name reads exactly as its class does."""
    text = to_json(default_catalog()) if kind is Catalog else _PAIN_TYPE_TEXT
    if kind is Weights:
        text = to_json(Weights())
    assert from_json(text, name) == from_json(text, kind)


@pytest.mark.parametrize(
    ("kind", "shown"),
    [
        (dict, '"the class dict"'),
        (str, '"the class str"'),
        (ValidationError, '"the class ValidationError"'),
        ("dict", '"dict"'),
        ("PainType", '"PainType"'),
        ("pain-type", '"pain-type"'),
        (None, "null"),
        (3, "3"),
    ],
)
def test_error_from_json_not_a_document_type(kind: Any, shown: str) -> None:
    """from_json with something that is not a document type (dict today returned a dict)
    is the library's ValidationError naming the document types.
    """
    with pytest.raises(ValidationError) as caught:
        from_json(_PAIN_TYPE_TEXT, kind)
    error = caught.value
    assert (error.path, error.rule) == ("$.kind", "document_type")
    assert '"catalog", "modality"' in error.expected
    assert '"pain_type"' in error.expected
    assert str(error).endswith(f"got {shown}")
