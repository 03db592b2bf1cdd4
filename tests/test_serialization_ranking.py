"""Ranking documents a service can afford (issue 13, item 3): reference form, catalog digest."""

import orjson
import pytest
from hypothesis import given

from painmodalities import (
    Catalog,
    Ranking,
    ValidationError,
    default_catalog,
    from_json,
    rank,
    serialization,
    to_json,
)
from painmodalities.serialization import catalog_digest
from tests import strategies as s


def test_round_trip_on_the_built_in_catalog() -> None:
    ranking = rank("low_back:chronic")
    loaded = from_json(to_json(ranking), Ranking)
    assert loaded == ranking
    assert loaded.catalog is default_catalog()


def test_round_trip_on_a_custom_catalog() -> None:
    custom = Catalog(
        modalities=default_catalog().modalities[:-1], sources=default_catalog().sources
    )
    ranking = rank("neck:chronic", catalog=custom)
    assert from_json(to_json(ranking), Ranking, catalog=custom) == ranking


def test_error_a_mismatched_catalog_is_refused() -> None:
    custom = Catalog(
        modalities=default_catalog().modalities[:-1], sources=default_catalog().sources
    )
    text = to_json(rank("neck:chronic", catalog=custom))
    with pytest.raises(ValidationError) as caught:
        from_json(text, Ranking)
    (problem,) = caught.value.problems
    assert problem.path == "$.catalog.digest"
    assert "pass the catalog it was computed on" in str(caught.value)


def test_error_catalog_with_another_document_type() -> None:
    with pytest.raises(ValidationError, match=r"\$\.catalog"):
        from_json(to_json(default_catalog()), Catalog, catalog=default_catalog())


def test_chronic_low_back_document_is_under_32_kb() -> None:
    """Each finding and recommendation is written once (the figures of 34 findings and the
    guidelines' own words take about 10 of the 29 KB); modalities are named by id.
    """
    text = to_json(rank("low_back:chronic"))
    assert len(text.encode("utf-8")) < 32 * 1024
    document = orjson.loads(text)
    assert document["catalog"]["digest"] == catalog_digest(default_catalog())
    assert "findings" not in document["options"][0]["modality"]


def test_error_a_document_over_the_read_limit_is_not_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """to_json refuses what from_json would refuse (the limit lowered to make one)."""
    monkeypatch.setattr(serialization, "MAX_DOCUMENT_BYTES", 1000)
    with pytest.raises(ValidationError) as caught:
        to_json(rank("low_back:chronic"))
    assert caught.value.problems[0].rule == "size"


@given(ranking=s.rankings(max_size=5))
def test_any_ranking_written_reads_back_equal(ranking: Ranking) -> None:
    assert from_json(to_json(ranking), Ranking, catalog=ranking.catalog) == ranking
