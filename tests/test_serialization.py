"""JSON documents: exact round trips, shipped schemas, versions, determinism and limits."""

import functools
import os
import subprocess
import sys
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import jsonschema
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painmodalities import (
    DOCUMENT_TYPES,
    Assessment,
    Catalog,
    Coding,
    Contribution,
    Exclusion,
    Finding,
    Modality,
    Omission,
    PainType,
    Patient,
    RankedOption,
    Ranking,
    Reason,
    Recommendation,
    Score,
    ScoringPolicy,
    Source,
    Statistic,
    UnrankedOption,
    UnsupportedVersionError,
    ValidationError,
    Weights,
    default_catalog,
    from_json,
    rank,
    to_json,
)
from painmodalities.plans import CarePlan
from painmodalities.schema import shipped_schema
from painmodalities.sensitivity import Acceptability, Stability, acceptability, stability
from painmodalities.serialization import MAX_DEPTH, MAX_DOCUMENT_BYTES
from tests import strategies as s

#: A strategy of objects for every document type the library reads and writes.
#: Catalogs are kept small: their generation, not the code under test, dominates the run time.
STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "catalog": s.catalogs(max_size=4),
    "modality": s.modalities()
    | s.catalogs(min_size=1, max_size=3).map(lambda catalog: catalog.modalities[-1]),
    "source": s.sources(),
    "finding": s.findings(s.source_keys()),
    "statistic": s.statistics(),
    "recommendation": s.recommendations(s.source_keys()),
    "assessment": s.assessments(s.source_keys()),
    "coding": s.codings(),
    "pain_type": s.pain_types(),
    "patient": s.catalogs(max_size=4).flatmap(s.patients),
    "weights": s.weights(),
    "policy": s.policies(),
    "score": s.scores(),
    "contribution": s.contributions(),
    "ranking": s.rankings(max_size=4) | s.default_rankings(),
    "ranked_option": s.ranked_options(),
    "unranked_option": s.unranked_options(),
    "omission": s.omissions(),
    "exclusion": s.exclusions(),
    "reason": s.reasons(),
    "care_plan": (s.rankings(max_size=4) | s.default_rankings()).map(CarePlan.from_ranking),
    "stability": s.rankings(max_size=4).map(stability),
    "acceptability": st.tuples(s.catalogs(max_size=4), s.pain_types(), st.integers(0, 99)).map(
        lambda drawn: acceptability(drawn[1], catalog=drawn[0], samples=20, seed=drawn[2])
    ),
}


def test_every_document_type_has_a_strategy() -> None:
    """Each document type the library names is covered by the round-trip property."""
    assert set(STRATEGIES) == set(DOCUMENT_TYPES)


@functools.cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(shipped_schema(name))


@pytest.mark.parametrize("name", sorted(DOCUMENT_TYPES))
@given(data=st.data())
def test_round_trip_is_exact_and_valid_against_the_shipped_schema(
    name: str, data: st.DataObject
) -> None:
    """Any record written as JSON reads back equal, and its JSON obeys the shipped schema."""
    obj = data.draw(STRATEGIES[name])
    text = to_json(obj)
    # A ranking (alone or in a care plan) is read against the catalog it was computed on.
    ranking = obj.ranking if isinstance(obj, CarePlan) else obj
    catalog = ranking.catalog if isinstance(ranking, Ranking) else None
    assert from_json(text, DOCUMENT_TYPES[name], catalog=catalog) == obj
    validator(name).validate(orjson.loads(text))


@given(catalog=s.catalogs(min_size=1, max_size=5), data=st.data())
def test_ranking_of_a_reloaded_catalog_is_the_same(catalog: Catalog, data: st.DataObject) -> None:
    """Invariant 10: ranking the catalog read back from its JSON gives the same ranking."""
    pain_type = data.draw(s.pain_types())
    patient = data.draw(s.patients(catalog))
    reloaded = from_json(to_json(catalog), Catalog)
    assert rank(pain_type, catalog=reloaded, patient=patient) == rank(
        pain_type, catalog=catalog, patient=patient
    )


# -- wire form --------------------------------------------------------------------------


def test_scores_are_exact_strings_with_a_float_for_other_readers() -> None:
    """A score's value is written "41/60" and, for readers without fractions, 0.68333..."""
    result = rank("low_back:chronic")[0].score
    document = orjson.loads(to_json(result))
    assert document["value"] == "41/60"
    assert document["value_float"] == float(Fraction(41, 60))
    assert [part["share"] for part in document["contributions"]] == ["2/5", "1/4", "1/4", "1/10"]
    assert from_json(to_json(result), Score).value == Fraction(41, 60)


def test_rankings_carry_exclusions_and_the_summary_not_explanations() -> None:
    """A ranking document carries the summary and the reasons; explanations are recomputed.

    Format 2.0's reference form (issue 13) leaves each entry's explanation out: it is the
    library's text, rebuilt from what the document holds, and it was a third of its size.
    """
    ranking = rank("low_back:chronic", patient=Patient(exclude=frozenset({"massage.swedish"})))
    text = to_json(ranking)
    document = orjson.loads(text)
    loaded = from_json(text, Ranking)
    assert "explanation" not in document["options"][0]
    assert loaded[0].explain() == ranking[0].explain()
    assert loaded.excluded[0].explain() == (
        "Swedish (relaxation) massage (massage.swedish): excluded: excluded on request. "
        "Condition: NICE NG59 (massage in general) for low back pain: consider massage, only "
        "as part of a treatment package including exercise (weak). Guideline: WHO 2023 CLBP "
        "(massage in general) for chronic low back pain: massage may be offered (weak, very "
        "low certainty)."
    )
    assert document["summary"] == ranking.summary
    assert loaded.unranked[0].explain() == ranking.unranked[0].explain()
    assert document["excluded"][0]["reasons"] == [
        {"code": "excluded", "detail": "excluded on request"}
    ]


def test_a_changed_explanation_is_ignored_and_recomputed() -> None:
    """The explanation is output for people: a reader's edit of it does not change the data."""
    ranking = rank("neck:chronic")
    document = orjson.loads(to_json(ranking))
    document["options"][0]["explanation"] = "edited by hand"
    loaded = from_json(orjson.dumps(document), Ranking)
    assert loaded == ranking
    assert loaded[0].explain() == ranking[0].explain()


def test_schema_version_comes_first_in_every_document() -> None:
    """Every document starts with its format version."""
    for obj in (default_catalog(), PainType.parse("neck:acute"), Weights(), rank("neck:acute")):
        assert to_json(obj).startswith('{"schema_version":"2.1",')


def test_frozensets_are_written_in_rank_order() -> None:
    """Sets are arrays in the vocabulary's order, whatever order they were built in."""
    patient = Patient(exclude=frozenset({"b.x", "a.y"}), covered=frozenset({"c", "a"}))
    document = orjson.loads(to_json(patient))
    assert document["exclude"] == ["a.y", "b.x"]
    assert document["covered"] == ["a", "c"]


def test_indented_output_reads_back() -> None:
    """Indented JSON, for people, is the same document."""
    catalog = default_catalog()
    assert from_json(to_json(catalog, indent=True), Catalog) == catalog


def test_to_json_refuses_what_is_not_a_record() -> None:
    """Only the library's records are written: anything else is the library's error."""
    with pytest.raises(ValidationError, match="the dict") as caught:
        to_json({"a": 1})
    assert caught.value.path == "$.obj"


# -- versions ---------------------------------------------------------------------------


def test_newer_major_version_is_refused_with_a_message_that_says_so() -> None:
    """A document of format 3.x is refused: this library reads 2.x, upgrade to read it."""
    text = '{"schema_version":"3.0","condition":"neck","phase":"acute"}'
    with pytest.raises(UnsupportedVersionError) as caught:
        from_json(text, PainType)
    assert caught.value.path == "$.schema_version"
    assert caught.value.value == "3.0"
    assert "upgrade painmodalities to read newer documents" in str(caught.value)
    assert isinstance(caught.value, ValidationError)


def test_newer_minor_version_is_read() -> None:
    """A document of format 1.7 (same major) is read."""
    text = '{"schema_version":"1.7","condition":"neck","phase":"acute"}'
    assert from_json(text, PainType) == PainType.parse("neck:acute")


# -- determinism ------------------------------------------------------------------------

_DUMP = (
    "import sys, hashlib; from painmodalities import *; "
    "p = Patient(precautions=frozenset(Precaution), exclude=frozenset({'massage.swedish', "
    "'acupuncture', 'exercise.yoga'})); "
    "text = to_json(default_catalog()) + to_json(rank('low_back:chronic', patient=p)) "
    "+ to_json(p); "
    "print(hashlib.sha256(text.encode()).hexdigest())"
)


def test_output_is_the_same_bytes_whatever_the_hash_seed() -> None:
    """The same objects give the same bytes in processes with different hash seeds."""
    digests = {
        subprocess.run(
            [sys.executable, "-c", _DUMP],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("0", "1", "12345", "random")
    }
    assert len(digests) == 1


# -- limits -----------------------------------------------------------------------------


def nested(depth: int) -> str:
    """A pain type document whose phase is ``depth`` levels of arrays and objects deep."""
    inner = "1"
    for level in range(depth - 1):
        inner = f"[{inner}]" if level % 2 else f'{{"k":{inner}}}'
    return f'{{"schema_version":"1.0","condition":"neck","phase":{inner}}}'


def test_nesting_at_the_limit_is_parsed() -> None:
    """A document exactly MAX_DEPTH deep gets past the limit (and fails on its content)."""
    with pytest.raises(ValidationError) as caught:
        from_json(nested(MAX_DEPTH), PainType)
    assert caught.value.rule == "enum"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
def test_nesting_beyond_the_limit_is_refused_before_parsing(depth: int) -> None:
    """A document deeper than MAX_DEPTH is refused as such, never as a RecursionError."""
    with pytest.raises(ValidationError) as caught:
        from_json(nested(depth), PainType)
    assert caught.value.rule == "depth"
    assert str(caught.value) == (
        f'$: expected at most {MAX_DEPTH} nested arrays and objects, got "deeper nesting"'
    )


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    """Brackets, quotes and backslashes inside strings are text, not structure."""
    note = '[[[[{{{{\\"\\\\' * 20
    finding = default_catalog()["exercise.therapeutic"].findings[0]
    document = orjson.loads(to_json(finding))
    document["note"] = note
    assert from_json(orjson.dumps(document), Finding).note == note


def test_documents_over_the_size_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text over MAX_DOCUMENT_BYTES is refused before parsing (here with a small limit)."""
    from painmodalities import _json_text, serialization

    text = to_json(PainType.parse("neck:acute"))
    monkeypatch.setattr(_json_text, "MAX_DOCUMENT_BYTES", len(text) - 1)
    for given_text in (text, text.encode()):
        with pytest.raises(ValidationError) as caught:
            serialization.from_json(given_text, PainType)
        assert caught.value.rule == "size"
        assert caught.value.value == len(text)
    assert MAX_DOCUMENT_BYTES == 64 * 1024 * 1024


def test_values_of_every_public_record_are_immutable_after_loading() -> None:
    """Loaded records are the library's frozen records, not dicts."""
    loaded: list[Callable[[], object]] = [
        lambda: from_json(to_json(default_catalog()), Catalog),
        lambda: from_json(to_json(rank("neck:chronic")), Ranking),
    ]
    for load in loaded:
        obj = load()
        with pytest.raises(AttributeError):
            obj.patient = Patient()  # type: ignore[attr-defined]
    assert {
        Assessment,
        Catalog,
        Coding,
        Contribution,
        Exclusion,
        Finding,
        Modality,
        Omission,
        PainType,
        Patient,
        RankedOption,
        Ranking,
        Reason,
        Recommendation,
        Score,
        ScoringPolicy,
        Source,
        Statistic,
        UnrankedOption,
        Weights,
        CarePlan,
        Stability,
        Acceptability,
    } == set(DOCUMENT_TYPES.values())


def test_a_format_1_catalog_is_read_with_the_new_fields_defaulted() -> None:
    """A catalog written in format 1.x (no comparator, no precautions source) still loads:
    its findings compare with inactive controls and its precautions cite nothing.
    """
    document = orjson.loads(to_json(default_catalog()))
    document["schema_version"] = "1.0"
    for modality in document["modalities"]:
        del modality["precautions_source"]
        for finding in modality["findings"]:
            del finding["comparator"]
    loaded = from_json(orjson.dumps(document), Catalog)
    assert len(loaded) == len(default_catalog())
    assert all(m.precautions_source is None for m in loaded)
    assert {f.comparator.value for m in loaded for f in m.findings} == {"inactive"}


def test_error_a_format_1_ranking_is_refused() -> None:
    """A ranking of format 1.x meant something else (no unranked options, no guidelines):
    it is refused, and the message says to rank again.
    """
    document = orjson.loads(to_json(rank("neck:chronic")))
    document["schema_version"] = "1.3"
    with pytest.raises(UnsupportedVersionError) as caught:
        from_json(orjson.dumps(document), Ranking)
    assert caught.value.path == "$.schema_version"
    assert "rank again" in str(caught.value)
