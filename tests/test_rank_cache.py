"""The ranking caches (painmodalities._rank_cache) are invisible: cached results equal results
computed afresh, for every catalog, pain type, patient, weights and policy, in every thread.
"""

import threading

import attrs
import pytest
from hypothesis import given

from painmodalities import (
    Catalog,
    PainType,
    Patient,
    Precaution,
    ScoringPolicy,
    UnknownModalityError,
    Weights,
    default_catalog,
    rank,
    rank_many,
)
from painmodalities.ranking import _memo

from .oracle import rank_uncached
from .strategies import rank_requests


# Each example draws two catalogs and ranks up to 15 times: 200 examples take about 30 s.
@given(rank_requests())
def test_cached_rankings_equal_uncached(
    calls: list[tuple[Catalog, PainType, Patient, Weights, ScoringPolicy]],
) -> None:
    """Across catalogs, pain types, patients, weights and policies, no cached state leaks.

    Each call, made twice and interleaved with the others, equals the ranking computed
    afresh (and prints the same); rank_many gives the same stream; an equal catalog built
    apart ranks the same with caches of its own.
    """
    for catalog, pain_type, patient, weights_, policy in calls * 2:
        cached = rank(pain_type, catalog=catalog, patient=patient, weights=weights_, policy=policy)
        fresh = rank_uncached(
            pain_type, catalog=catalog, patient=patient, weights=weights_, policy=policy
        )
        assert cached == fresh
        assert repr(cached) == repr(fresh)
    catalog, pain_type, _, weights_, policy = calls[0]
    pairs = [(pain, patient) for other, pain, patient, _, _ in calls if other is catalog]
    streamed = rank_many(pairs, catalog=catalog, weights=weights_, policy=policy)
    assert list(streamed) == [
        rank_uncached(pain, catalog=catalog, patient=patient, weights=weights_, policy=policy)
        for pain, patient in pairs
    ]
    twin = Catalog(
        modalities=catalog.modalities, sources=catalog.sources, assessments=catalog.assessments
    )
    assert rank(pain_type, catalog=twin) == rank(pain_type, catalog=catalog)
    assert _memo(catalog) is not _memo(twin)


def test_equal_weights_keep_the_callers_own() -> None:
    """Weights equal as numbers (1 and 1.0) share a cache entry but each call shows its own."""
    as_int = rank("low_back:chronic", weights=Weights(function=1, durability=0))
    as_float = rank("low_back:chronic", weights=Weights(function=1.0, durability=0.0))
    assert repr(as_int.weights) == repr(Weights(function=1, durability=0))
    assert repr(as_float.weights) == repr(Weights(function=1.0, durability=0.0))
    assert as_int.options == as_float.options


def test_weights_equal_as_numbers_but_read_apart_are_not_confused() -> None:
    """2**60 == 2.0**60, but they read as different exact weights: no cache mixes them.

    Weights compare by their exact readings, so the two are different weights.
    """
    big_int = Weights(function=2**60, durability=1, activity=3**30, pain=0)
    big_float = Weights(function=2.0**60, durability=1, activity=3**30, pain=0)
    assert big_int.as_mapping() == big_float.as_mapping()
    assert big_int != big_float
    assert big_int.shares() != big_float.shares()
    for weights_ in (big_int, big_float, big_int):
        assert rank("knee_osteoarthritis:chronic", weights=weights_) == rank_uncached(
            "knee_osteoarthritis:chronic", weights=weights_
        )


def test_caches_are_invisible_in_equality_hash_and_repr() -> None:
    """Ranking fills the catalog's caches without changing what the catalog is."""
    catalog = default_catalog()
    before = (hash(catalog), repr(catalog))
    fresh = Catalog(
        modalities=catalog.modalities, sources=catalog.sources, assessments=catalog.assessments
    )
    rank("neck:chronic", catalog=catalog, patient=Patient(precautions={Precaution.FRACTURE}))
    assert (hash(catalog), repr(catalog)) == before
    assert catalog == fresh
    assert hash(catalog) == hash(fresh)
    assert "memo" not in repr(catalog)


def test_caches_are_bounded() -> None:
    """Every cache has a size limit, smaller for a larger catalog."""
    memo = _memo(default_catalog())
    caches = (memo.assessments, memo.advice, memo.boards, memo.constraints, memo.options)
    for cache in (*caches, memo.rankings):
        maxsize = cache.cache_info().maxsize
        assert maxsize is not None
        assert 8 <= maxsize <= 1 << 18


def test_error_unknown_id_is_raised_every_time() -> None:
    """An error is never cached as a result: the second call raises as the first did."""
    patient = Patient(exclude={"massage.nonexistent"})
    for _ in range(2):
        with pytest.raises(UnknownModalityError) as caught:
            rank("low_back:chronic", patient=patient)
        assert caught.value.modality_id == "massage.nonexistent"


def test_threads_see_the_same_rankings() -> None:
    """Threads ranking at once on a fresh catalog all get the uncached answer."""
    base = default_catalog()
    catalog = attrs.evolve(base)
    pain_types_ = list(base.pain_types())
    expected = {pain: rank_uncached(pain, catalog=catalog) for pain in pain_types_}
    failures: list[PainType] = []

    def work() -> None:
        failures.extend(
            pain for pain in pain_types_ * 3 if rank(pain, catalog=catalog) != expected[pain]
        )

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
