"""JSON round trips of the domain records and the built-in catalog."""

import pickle

from hypothesis import given
from hypothesis import strategies as st

from painmodalities import (
    SCHEMA_VERSION,
    Catalog,
    Finding,
    Modality,
    PainType,
    Recommendation,
    Source,
    default_catalog,
    from_json,
    rank,
    to_json,
)

from .strategies import (
    catalogs,
    findings,
    modalities,
    pain_types,
    patients,
    recommendations,
    sources,
)


@given(modalities())
def test_modality_round_trip(modality: Modality) -> None:
    """from_json(to_json(m)) == m for generated modalities of every family."""
    assert from_json(to_json(modality), Modality) == modality
    assert type(from_json(to_json(modality), type(modality))) is type(modality)


@given(catalogs())
def test_catalog_round_trip(catalog: Catalog) -> None:
    """Generated catalogs survive JSON unchanged."""
    assert from_json(to_json(catalog), Catalog) == catalog


@given(
    st.one_of(
        pain_types(),
        sources(),
        findings(st.just("k")),
        recommendations(st.just("k")),
    )
)
def test_record_round_trip(record: PainType | Source | Finding | Recommendation) -> None:
    """Evidence records survive JSON unchanged."""
    assert from_json(to_json(record), type(record)) == record


def test_builtin_catalog_round_trip() -> None:
    """The built-in catalog survives JSON unchanged, and its document is versioned."""
    text = to_json(default_catalog())
    assert text.startswith(f'{{"schema_version":"{SCHEMA_VERSION}","modalities":[')
    assert from_json(text, Catalog) == default_catalog()
    assert to_json(from_json(text, Catalog)) == text


@given(catalogs(), pain_types(), st.data())
def test_pickle_round_trip(catalog: Catalog, pain: PainType, data: st.DataObject) -> None:
    """Catalogs, their modalities and rankings survive pickling (to send them to worker
    processes), after their caches have filled, and rank the same afterwards.
    """
    patient = data.draw(patients(catalog))
    ranking = rank(pain, catalog=catalog, patient=patient)
    for value in (catalog, *catalog, ranking, patient, ranking.weights, ranking.policy):
        assert pickle.loads(pickle.dumps(value)) == value  # noqa: S301 (our own bytes)
    again = pickle.loads(pickle.dumps(catalog))  # noqa: S301 (our own bytes)
    assert rank(pain, catalog=again, patient=patient) == ranking
