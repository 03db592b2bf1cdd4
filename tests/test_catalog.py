"""The catalog: lookup, filters, integrity checks, and the built-in one against the dossier."""

import csv
from pathlib import Path
from typing import Any

import attrs
import pytest

from painmodalities import (
    Activity,
    Catalog,
    CatalogIntegrityError,
    Certainty,
    Comparator,
    Condition,
    Coverage,
    Direction,
    Effect,
    Exercise,
    ExerciseForm,
    Finding,
    Horizon,
    Massage,
    MassageTechnique,
    Outcome,
    PainType,
    Phase,
    PhysicalTherapy,
    Precaution,
    Source,
    Strength,
    UnknownModalityError,
    UnknownSourceError,
    composite_findings,
    default_catalog,
)
from tests.samples import CHRONIC_LBP

DOSSIER = Path(__file__).resolve().parents[2] / "shared" / "evidence"
SOURCE = Source(key="trial-1", title="A trial")


def exercise(modality_id: str = "exercise.test", **changes: Any) -> Exercise:
    base: dict[str, Any] = {
        "id": modality_id,
        "name": "Test exercise",
        "activity": Activity.ACTIVE,
        "form": ExerciseForm.YOGA,
        "findings": (
            Finding(
                pain_type=CHRONIC_LBP,
                outcome=Outcome.FUNCTION,
                horizon=Horizon.LONG,
                effect=Effect.SMALL,
                certainty=Certainty.LOW,
                source="trial-1",
            ),
        ),
    }
    return Exercise(**{**base, **changes})


def programme(modality_id: str, *components: str) -> PhysicalTherapy:
    return PhysicalTherapy(
        id=modality_id, name=modality_id, activity=Activity.ACTIVE, components=components
    )


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
    assert len(catalog) == len(set(catalog.ids)) == 16


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


# -- the built-in catalog against the dossier -----------------------------------------------

MODALITY_COUNT, SOURCE_COUNT = 16, 25


def test_builtin_counts() -> None:
    """The built-in catalog holds every dossier modality and source."""
    catalog = default_catalog()
    assert len(catalog) == MODALITY_COUNT
    assert len(catalog.sources) == SOURCE_COUNT
    # 119 dossier finding rows: 12 massage.* rows apply to each of 5 techniques.
    own = sum(len(m.findings) for m in catalog if not isinstance(m, PhysicalTherapy))
    assert own == (119 - 12) + 12 * 5


def test_builtin_sample_rows() -> None:
    """A sample of exact dossier rows, as the catalog carries them."""
    catalog = default_catalog()
    structural = catalog["massage.structural"]
    assert isinstance(structural, Massage)
    assert structural.technique is MassageTechnique.STRUCTURAL
    assert structural.coverage is Coverage.SOMETIMES
    assert structural.session_minutes == 45
    assert Precaution.BLEEDING_RISK in structural.precautions
    swedish = catalog["massage.swedish"]
    assert Precaution.BLEEDING_RISK not in swedish.precautions
    jenkins = Finding(
        pain_type=CHRONIC_LBP,
        outcome=Outcome.FUNCTION,
        horizon=Horizon.LONG,
        effect=Effect.MODERATE,
        certainty=Certainty.LOW,
        source="jenkins-2025",
        note="abstract, findings; disability MD -10.2 (-17.5 to -2.9) on 0-100 at 2 years or "
        "more; 10-20 points = moderate",
    )
    assert jenkins in catalog["exercise.therapeutic"].findings
    assert attrs.evolve(jenkins, component="exercise.therapeutic") in (
        catalog["physical_therapy.programme"].findings
    )
    who = [
        r for r in catalog["physical_agent.tens"].recommendations if r.source == "who-2023-clbp"
    ]
    assert len(who) == 1
    assert (who[0].direction, who[0].strength, who[0].certainty) == (
        Direction.AGAINST,
        Strength.WEAK,
        Certainty.VERY_LOW,
    )
    assert catalog.source("cherkin-2011").year == 2011


def _rows(name: str) -> list[dict[str, str]]:
    with (DOSSIER / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _targets(pattern: str) -> list[str]:
    ids = default_catalog().ids
    if pattern.endswith(".*"):
        return [i for i in ids if i.startswith(pattern[:-1])]
    return [pattern]


def test_builtin_matches_dossier_in_full() -> None:
    """Every dossier row is in the catalog, field for field, and nothing else is.

    Reads ../shared/evidence beside the project when it is there (as in CI and on a
    developer's machine); on a bare clone it checks the counts above only.
    """
    if not DOSSIER.is_dir():
        assert len(default_catalog()) == MODALITY_COUNT
        return
    catalog = default_catalog()
    expected: dict[str, set[Finding]] = {m.id: set() for m in catalog}
    for row in _rows("findings.csv"):
        for target in _targets(row["modality"]):
            expected[target].add(
                Finding(
                    pain_type=PainType(Condition(row["condition"]), Phase(row["phase"])),
                    outcome=Outcome(row["outcome"]),
                    horizon=Horizon(row["horizon"]),
                    effect=Effect(row["effect"]),
                    certainty=Certainty(row["certainty"]),
                    comparator=Comparator(row["comparator"]),
                    source=row["source"],
                    note=f"{row['locator']}; {row['basis']}",
                )
            )
    for modality in catalog:
        if isinstance(modality, PhysicalTherapy):
            continue
        assert set(modality.findings) == expected[modality.id], modality.id
        assert len(modality.findings) == len(expected[modality.id])
    recommendation_rows = _rows("recommendations.csv")
    assert sum(len(m.recommendations) for m in catalog) == sum(
        len(_targets(row["modality"])) for row in recommendation_rows
    )
    for row in recommendation_rows:
        for target in _targets(row["modality"]):
            assert any(
                r.source == row["source"]
                and r.note == row["locator"]
                and r.direction.value == row["direction"]
                and r.strength.value == row["strength"]
                and (r.certainty.value if r.certainty else "") == row["certainty"]
                and (r.condition.value if r.condition else "*") == row["condition"]
                and (r.phase.value if r.phase else "*") == row["phase"]
                for r in catalog[target].recommendations
            ), (target, row)
    for row in _rows("modalities.csv"):
        modality = catalog[row["id"]]
        assert (modality.kind, modality.name, modality.activity.value) == (
            row["family"],
            row["name"],
            row["activity"],
        )
        assert modality.coverage.value == row["coverage"]
        assert modality.session_minutes == (
            int(row["session_minutes"]) if row["session_minutes"] else None
        )
        assert {p.value for p in modality.precautions} == set(row["precautions"].split())
        assert modality.precautions_source == (row["precautions_source"] or None)
        assert modality.summary == row["basis"]
    sources = {source.key: source for source in catalog.sources}
    assert set(sources) == {row["key"] for row in _rows("sources.csv")}
    for row in _rows("sources.csv"):
        source = sources[row["key"]]
        assert (source.title, source.url, source.kind, source.publisher) == (
            row["title"],
            row["url_or_doi"],
            row["kind"],
            row["publisher"],
        )
        assert source.year == (int(row["year"]) if row["year"] else None)


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


def test_builtin_precautions_cite_their_sources() -> None:
    """Massage's precautions come from nccih-massage, spinal manipulation's from
    natural-standard-smt; a modality with none recorded cites nothing.
    """
    catalog = default_catalog()
    for modality in catalog:
        if modality.precautions:
            assert modality.precautions_source in {s.key for s in catalog.sources}
        else:
            assert modality.precautions_source is None
    manipulation = catalog["manual.spinal_manipulation"]
    assert manipulation.precautions_source == "natural-standard-smt"
    assert manipulation.precautions == {
        Precaution.BLEEDING_RISK,
        Precaution.FRACTURE,
        Precaution.WEAKENED_BONES,
    }
