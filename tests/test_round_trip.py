"""JSON round trips of the domain records and the built-in catalog."""

import pickle
from collections.abc import Callable

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
    ValidationError,
    default_catalog,
    from_json,
    rank,
    to_json,
)
from painmodalities.serialization import _record_hook, converter

from .strategies import (
    JSON_VALUES,
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


def _outcome(hook: Callable[[object, type], object], kind: type, value: object) -> object:
    """What a structure hook makes of ``value``: the object, or the problems it reports."""
    try:
        return hook(value, kind)
    except ValidationError as error:
        return ("error", type(error), error.problems)


@st.composite
def edited_finding_documents(draw: st.DrawFn) -> object:
    """A finding as JSON, then maybe one key dropped, added or given any JSON value."""
    document: dict[str, object] = converter().unstructure(draw(findings(st.just("k"))))
    edit = draw(st.sampled_from(["none", "drop", "add", "replace", "pain_type"]))
    key = draw(st.sampled_from(sorted(document)))
    if edit == "drop":
        del document[key]
    elif edit == "add":
        document[draw(st.text(max_size=8))] = draw(JSON_VALUES)
    elif edit == "replace":
        document[key] = draw(JSON_VALUES)
    elif edit == "pain_type":
        document["pain_type"] = draw(
            st.fixed_dictionaries(
                {"condition": st.sampled_from(["low_back", "neck", "knee"]) | JSON_VALUES},
                optional={
                    "phase": st.sampled_from(["acute", "chronic", "soon"]),
                    "x": JSON_VALUES,
                },
            )
        )
    return document if draw(st.integers(0, 9)) else draw(JSON_VALUES)


@given(edited_finding_documents())
def test_fast_paths_agree_with_the_detailed_hooks(document: object) -> None:
    """The shortcut hooks for findings and pain types give exactly what the detailed,
    path-reporting hooks give, for valid and invalid input alike.
    """
    shared = converter()
    assert _outcome(shared.get_structure_hook(Finding), Finding, document) == _outcome(
        _record_hook(shared, Finding), Finding, document
    )
    pain = document.get("pain_type") if isinstance(document, dict) else document
    assert _outcome(shared.get_structure_hook(PainType), PainType, pain) == _outcome(
        _record_hook(shared, PainType), PainType, pain
    )


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
