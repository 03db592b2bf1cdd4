"""JSON round trips of the domain records and the built-in catalog."""

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
    to_json,
)

from .strategies import catalogs, findings, modalities, pain_types, recommendations, sources


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
