"""The catalog: lookup, filters and integrity checks (the built-in one: tests/test_builtin.py)."""

from typing import Any

import attrs
import pytest

from painmodalities import (
    Activity,
    Catalog,
    CatalogIntegrityError,
    Condition,
    Exercise,
    Horizon,
    PainType,
    Phase,
    PhysicalTherapy,
    Source,
    UnknownModalityError,
    UnknownSourceError,
    composite_findings,
    default_catalog,
)
from tests import samples
from tests.samples import CHRONIC_LBP

SOURCE = Source(key="trial-1", title="A trial")


def exercise(modality_id: str = "exercise.test", **changes: Any) -> Exercise:
    """The sample yoga record with one long-horizon function finding citing ``trial-1``."""
    long_term = samples.finding(horizon=Horizon.LONG, source="trial-1")
    fields: dict[str, Any] = {"id": modality_id, "name": "Test exercise", "findings": (long_term,)}
    return samples.exercise(**{**fields, **changes})


def programme(modality_id: str, *components: str) -> PhysicalTherapy:
    return samples.programme(id=modality_id, name=modality_id, components=components)


# -- lookup ----------------------------------------------------------------------------------


def test_lookup_by_id() -> None:
    """catalog[id] and catalog.get(id) find a modality; unknown ids raise a KeyError."""
    catalog = default_catalog()
    assert catalog["exercise.yoga"].name == "Yoga"
    assert catalog.get("exercise.yoga") is catalog["exercise.yoga"]
    assert catalog.get("nope") is None
    assert "exercise.yoga" in catalog
    assert "nope" not in catalog
    with pytest.raises(UnknownModalityError) as caught:
        catalog["massage.swede"]
    assert isinstance(caught.value, KeyError)
    assert caught.value.modality_id == "massage.swede"
    assert "massage.swedish" in str(caught.value)


def test_source_lookup() -> None:
    """Sources are found by key; an unknown key raises a KeyError naming it."""
    catalog = default_catalog()
    assert catalog.source("acp-2017").year == 2017
    with pytest.raises(UnknownSourceError, match="no source with key 'nope'") as caught:
        catalog.source("nope")
    assert isinstance(caught.value, KeyError)


def test_iteration_is_stable_and_complete() -> None:
    """Iteration follows the catalog's order every time; len and ids agree."""
    catalog = default_catalog()
    assert [m.id for m in catalog] == [m.id for m in catalog] == list(catalog.ids)
    assert len(catalog) == len(set(catalog.ids)) == 18


def test_select_filters() -> None:
    """Select keeps the modalities that pass every filter."""
    catalog = default_catalog()
    massages = catalog.select(kind="massage")
    assert [m.id for m in massages] == [
        "massage.swedish",
        "massage.deep_tissue",
        "massage.structural",
        "massage.myofascial_release",
        "massage.trigger_point",
    ]
    assert all(m.activity is Activity.ACTIVE for m in catalog.select(activity=Activity.ACTIVE))
    tension = PainType(Condition.TENSION_HEADACHE, Phase.CHRONIC)
    assert {m.id for m in catalog.select(pain_type=tension, activity=Activity.PASSIVE)} == {
        "massage.swedish",
        "massage.deep_tissue",
        "massage.structural",
        "massage.myofascial_release",
        "massage.trigger_point",
        "manual.spinal_manipulation",
        "acupuncture",
    } - {
        "massage.swedish",
        "massage.deep_tissue",
        "massage.structural",
        "massage.myofascial_release",
    }
    assert CHRONIC_LBP in catalog.pain_types()


# -- integrity ---------------------------------------------------------------------------------


def test_error_unknown_source() -> None:
    """Every cited source must be in the catalog."""
    with pytest.raises(CatalogIntegrityError) as caught:
        Catalog(modalities=(exercise(),), sources=())
    error = caught.value
    assert (error.path, error.rule, error.value) == (
        "$.modalities[0].findings[0].source",
        "unknown_source",
        "trial-1",
    )
    assert error.expected == "the key of a source in the catalog"


def test_error_duplicate_id() -> None:
    """Ids are unique; the second occurrence is named."""
    with pytest.raises(CatalogIntegrityError) as caught:
        Catalog(modalities=(exercise(), exercise(name="Again")), sources=(SOURCE,))
    error = caught.value
    assert (error.path, error.rule, error.value) == (
        "$.modalities[1].id",
        "duplicate_id",
        "exercise.test",
    )


def test_error_duplicate_source_key() -> None:
    """Source keys are unique."""
    with pytest.raises(CatalogIntegrityError) as caught:
        Catalog(modalities=(), sources=(SOURCE, attrs.evolve(SOURCE, title="Other")))
    assert (caught.value.path, caught.value.rule) == ("$.sources[1].key", "duplicate_id")


def test_error_unknown_component() -> None:
    """A programme's components must be in the catalog."""
    with pytest.raises(CatalogIntegrityError) as caught:
        Catalog(modalities=(programme("physical_therapy.a", "exercise.gone"),))
    error = caught.value
    assert (error.path, error.rule, error.value) == (
        "$.modalities[0].components[0]",
        "unknown_component",
        "exercise.gone",
    )


def test_error_cyclic_components() -> None:
    """No programme may contain itself, directly or through another programme."""
    with pytest.raises(CatalogIntegrityError) as caught:
        Catalog(
            modalities=(
                programme("physical_therapy.a", "physical_therapy.b"),
                programme("physical_therapy.b", "physical_therapy.a"),
            )
        )
    error = caught.value
    assert [problem.rule for problem in error.problems] == ["component_cycle"] * 2
    assert [problem.path for problem in error.problems] == [
        "$.modalities[0].components",
        "$.modalities[1].components",
    ]
    assert error.value == ["physical_therapy.b"]


def test_error_programme_findings_must_match_components() -> None:
    """A programme carries exactly its components' findings, never more or fewer."""
    with pytest.raises(CatalogIntegrityError) as caught:
        Catalog(
            modalities=(exercise(), programme("physical_therapy.a", "exercise.test")),
            sources=(SOURCE,),
        )
    assert (caught.value.path, caught.value.rule) == (
        "$.modalities[1].findings",
        "component_findings",
    )


def test_error_every_problem_reported_at_once() -> None:
    """Integrity problems are all reported together, not only the first."""
    with pytest.raises(CatalogIntegrityError) as caught:
        Catalog(
            modalities=(exercise(), exercise(), programme("physical_therapy.a", "nope.x")),
            sources=(),
        )
    assert sorted(problem.rule for problem in caught.value.problems) == [
        "duplicate_id",
        "unknown_component",
        "unknown_source",
        "unknown_source",
    ]
    assert str(caught.value).startswith("4 problems:\n  - $.modalities[1].id")


def test_assemble_fills_programme_findings() -> None:
    """Catalog.assemble gives a programme its components' findings, each naming it."""
    catalog = Catalog.assemble(
        [programme("physical_therapy.a", "exercise.test"), exercise()], [SOURCE]
    )
    carried = catalog["physical_therapy.a"].findings
    assert carried == tuple(
        attrs.evolve(found, component="exercise.test") for found in exercise().findings
    )
    assembled = catalog["physical_therapy.a"]
    assert isinstance(assembled, PhysicalTherapy)
    assert composite_findings(assembled, {"exercise.test": exercise()}) == carried


def test_error_unknown_precautions_source() -> None:
    """A modality's precautions cite a source the catalog holds, like its findings do."""
    cited = Source(key="trial-1", title="A trial")
    with pytest.raises(CatalogIntegrityError) as caught:
        Catalog(
            modalities=(attrs.evolve(exercise(), precautions_source="fact-sheet"),),
            sources=(cited,),
        )
    assert (caught.value.path, caught.value.rule, caught.value.value) == (
        "$.modalities[0].precautions_source",
        "unknown_source",
        "fact-sheet",
    )
