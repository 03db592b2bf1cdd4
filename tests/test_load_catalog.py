"""Custom catalogs: load_catalog from files and text, and merging with Catalog.extend."""

from pathlib import Path
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import assume, given

from painmodalities import (
    Activity,
    Catalog,
    CatalogIntegrityError,
    Certainty,
    Effect,
    Exercise,
    ExerciseForm,
    Finding,
    Horizon,
    Outcome,
    PainType,
    PhysicalTherapy,
    Source,
    UnsupportedVersionError,
    ValidationError,
    default_catalog,
    load_catalog,
    rank,
    to_json,
)
from tests import strategies as s

CHRONIC_LOW_BACK = PainType.parse("low_back:chronic")


def pilates(**changes: Any) -> Exercise:
    """A user's own modality citing a source of the built-in catalog."""
    fields: dict[str, Any] = {
        "id": "exercise.pilates",
        "name": "Pilates",
        "activity": Activity.ACTIVE,
        "form": ExerciseForm.STRENGTHENING_AND_CONDITIONING,
        "findings": (
            Finding(
                pain_type=CHRONIC_LOW_BACK,
                outcome=Outcome.FUNCTION,
                horizon=Horizon.SHORT,
                effect=Effect.SMALL,
                certainty=Certainty.LOW,
                source="jenkins-2025",
            ),
        ),
    }
    return Exercise(**{**fields, **changes})


def document(*modalities: object, sources: tuple[object, ...] = (), **extra: object) -> bytes:
    """A partial catalog document: modalities given as records or as ready JSON objects."""

    def as_json(item: object) -> object:
        if attrs.has(type(item)):
            body = orjson.loads(to_json(item))
            del body["schema_version"]
            return body
        return item

    return orjson.dumps(
        {
            "schema_version": "2.1",
            "modalities": [as_json(item) for item in modalities],
            "sources": [as_json(item) for item in sources],
            **extra,
        }
    )


def problems(error: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str, str]]:
    return [(problem.path, problem.rule) for problem in error.value.problems]


# -- reading ------------------------------------------------------------------------------


def test_load_catalog_reads_a_file_a_path_string_text_and_bytes(tmp_path: Path) -> None:
    """A whole catalog loads from a Path, a path string, JSON text or bytes alike."""
    text = to_json(default_catalog(), indent=True)
    path = tmp_path / "catalog.json"
    path.write_text(text, encoding="utf-8")
    for source in (path, str(path), text, text.encode(), "\n  " + text):
        assert load_catalog(source) == default_catalog()


def test_load_catalog_refuses_a_missing_file_as_a_validation_error(tmp_path: Path) -> None:
    """A file that cannot be read is reported like any other bad input."""
    with pytest.raises(ValidationError) as caught:
        load_catalog(tmp_path / "missing.json")
    assert caught.value.rule == "file"
    assert "missing.json" in str(caught.value)


def test_load_catalog_without_base_needs_a_whole_catalog() -> None:
    """Alone, a catalog citing sources it does not hold is refused."""
    with pytest.raises(CatalogIntegrityError) as caught:
        load_catalog(document(pilates()))
    assert problems(caught) == [("$.modalities[0].findings[0].source", "unknown_source")]


def test_load_catalog_refuses_a_newer_major_version() -> None:
    """The version rule applies to partial catalogs too."""
    text = document(pilates()).replace(b'"2.1"', b'"3.0"', 1)
    with pytest.raises(UnsupportedVersionError):
        load_catalog(text, base=default_catalog())


# -- extending the built-in catalog -------------------------------------------------------


def test_a_partial_catalog_adds_to_the_built_in_one() -> None:
    """New modalities may cite the built-in sources; they come after the built-in ones."""
    merged = load_catalog(document(pilates()), base=default_catalog())
    assert merged.ids == (*default_catalog().ids, "exercise.pilates")
    assert merged.sources == default_catalog().sources
    assert "exercise.pilates" in rank(CHRONIC_LOW_BACK, catalog=merged).ids


def test_a_partial_catalog_may_bring_its_own_sources() -> None:
    """A new source is added after the built-in ones, and new findings may cite it."""
    mine = Source(key="my-trial-2024", title="My trial", year=2024)
    finding = attrs.evolve(pilates().findings[0], source="my-trial-2024")
    merged = load_catalog(
        document(pilates(findings=(finding,)), sources=(mine,)), base=default_catalog()
    )
    assert merged.source("my-trial-2024") == mine
    assert merged.sources[-1] == mine


def test_an_equal_source_is_merged_and_a_different_one_is_refused() -> None:
    """A key names one source: repeating it unchanged is fine, changing it is an error."""
    acp = default_catalog().source("jenkins-2025")
    merged = load_catalog(document(pilates(), sources=(acp,)), base=default_catalog())
    assert merged.sources == default_catalog().sources
    changed = attrs.evolve(acp, title="Something else")
    with pytest.raises(CatalogIntegrityError) as caught:
        load_catalog(document(sources=(changed,)), base=default_catalog(), replace=True)
    assert problems(caught) == [("$.sources[0]", "source_clash")]
    assert 'the same source as the base catalog\'s "jenkins-2025"' in str(caught.value)


def test_an_id_clash_is_an_error_unless_replace_is_given() -> None:
    """Reusing a built-in id needs replace=True; then the new modality takes its place."""
    yoga = attrs.evolve(default_catalog()["exercise.yoga"], name="Yoga (our clinic)")
    with pytest.raises(CatalogIntegrityError) as caught:
        load_catalog(document(yoga), base=default_catalog())
    assert problems(caught) == [("$.modalities[0].id", "duplicate_id")]
    assert "replace=True" in str(caught.value)
    merged = load_catalog(document(yoga), base=default_catalog(), replace=True)
    assert merged.ids == default_catalog().ids
    assert merged["exercise.yoga"].name == "Yoga (our clinic)"


def test_replacing_a_component_reassembles_the_programme() -> None:
    """A programme carries its components' findings, so it follows a replaced component."""
    stronger = attrs.evolve(
        default_catalog()["exercise.therapeutic"],
        findings=(attrs.evolve(pilates().findings[0], effect=Effect.LARGE),),
    )
    merged = default_catalog().extend([stronger], replace=True)
    programme = merged["physical_therapy.programme"]
    assert isinstance(programme, PhysicalTherapy)
    from_exercise = [f for f in programme.findings if f.component == "exercise.therapeutic"]
    assert from_exercise == [attrs.evolve(stronger.findings[0], component="exercise.therapeutic")]


def test_a_new_programme_gets_its_components_findings() -> None:
    """A programme in a partial catalog may leave out its findings: they are filled in."""
    programme = PhysicalTherapy(
        id="physical_therapy.ours",
        name="Our programme",
        activity=Activity.ACTIVE,
        components=("exercise.pilates", "massage.swedish"),
    )
    merged = load_catalog(document(pilates(), programme), base=default_catalog())
    expected = {
        attrs.evolve(finding, component=component)
        for component in ("exercise.pilates", "massage.swedish")
        for finding in merged[component].findings
    }
    assert set(merged["physical_therapy.ours"].findings) == expected


def test_a_new_programme_with_wrong_findings_is_refused() -> None:
    """Findings given for a programme must be exactly its components' findings."""
    finding: dict[str, Any] = orjson.loads(to_json(pilates().findings[0]))
    del finding["schema_version"]
    programme = {
        "kind": "physical_therapy",
        "id": "physical_therapy.ours",
        "name": "Our programme",
        "activity": "active",
        "components": ["exercise.pilates"],
        "findings": [{**finding, "effect": "large", "component": "exercise.pilates"}],
    }
    with pytest.raises(CatalogIntegrityError) as caught:
        load_catalog(document(pilates(), programme), base=default_catalog())
    assert problems(caught) == [("$.modalities[1].findings", "component_findings")]


def test_every_problem_of_a_partial_catalog_is_reported_at_once() -> None:
    """Bad fields in several places, or clashes and dangling references, are listed together."""
    bad_fields = document(
        {**orjson.loads(document(pilates()))["modalities"][0], "session_minutes": "30"},
        {"kind": "massage", "id": "massage.hot_stone", "name": "Hot stone", "activity": "x"},
        extends="builtin",
    )
    with pytest.raises(ValidationError) as caught:
        load_catalog(bad_fields, base=default_catalog())
    assert problems(caught) == [
        ("$.extends", "extra_key"),
        ("$.modalities[0].session_minutes", "type"),
        ("$.modalities[1].activity", "enum"),
        ("$.modalities[1].technique", "required"),
    ]
    yoga = default_catalog()["exercise.yoga"]
    dangling = attrs.evolve(pilates().findings[0], source="nobody-2020")
    with pytest.raises(CatalogIntegrityError) as caught_integrity:
        load_catalog(
            document(yoga, pilates(findings=(dangling,)), pilates()), base=default_catalog()
        )
    assert problems(caught_integrity) == [
        ("$.modalities[2].id", "duplicate_id"),
        ("$.modalities[0].id", "duplicate_id"),
    ]


def test_dangling_references_point_into_the_partial_document() -> None:
    """Unknown sources and components are reported at the partial document's own paths."""
    dangling = attrs.evolve(pilates().findings[0], source="nobody-2020")
    programme = PhysicalTherapy(
        id="physical_therapy.ours",
        name="Ours",
        activity=Activity.ACTIVE,
        components=("exercise.nothing",),
    )
    with pytest.raises(CatalogIntegrityError) as caught:
        load_catalog(document(pilates(findings=(dangling,)), programme), base=default_catalog())
    assert problems(caught) == [
        ("$.modalities[0].findings[0].source", "unknown_source"),
        ("$.modalities[1].components[0]", "unknown_component"),
    ]


def test_a_problem_created_in_the_base_catalog_has_a_base_path() -> None:
    """Replacing a component by a programme that contains its own parent makes a cycle."""
    loop = PhysicalTherapy(
        id="exercise.therapeutic",
        name="Loop",
        activity=Activity.ACTIVE,
        components=("physical_therapy.programme",),
    )
    with pytest.raises(CatalogIntegrityError) as caught:
        default_catalog().extend([loop], replace=True)
    assert ("$.modalities[0].components", "component_cycle") in problems(caught)
    assert ("$.base.modalities[8].components", "component_cycle") in problems(caught)


def test_extend_refuses_what_is_not_a_modality() -> None:
    """Wrong item types are refused with their positions."""
    with pytest.raises(CatalogIntegrityError) as caught:
        default_catalog().extend(["exercise.yoga"])  # type: ignore[list-item]
    assert problems(caught) == [("$.modalities[0]", "type")]


def test_load_catalog_refuses_a_base_that_is_not_a_catalog() -> None:
    """The base must be a Catalog."""
    with pytest.raises(ValidationError) as caught:
        load_catalog(document(), base={})  # type: ignore[arg-type]
    assert caught.value.path == "$.base"


# -- properties ---------------------------------------------------------------------------


@given(catalog=s.catalogs(max_size=5))
def test_extending_by_nothing_changes_nothing(catalog: Catalog) -> None:
    """A catalog extended by an empty one, or by itself with replace, is the same catalog."""
    assert catalog.extend(Catalog(modalities=())) == catalog
    assert catalog.extend(catalog, replace=True) == catalog


@given(catalog=s.catalogs(max_size=5))
def test_a_catalog_extends_the_built_in_one_when_ids_and_keys_differ(catalog: Catalog) -> None:
    """Disjoint catalogs merge: the built-in modalities first, then the new ones, in order."""
    base = default_catalog()
    clash = set(catalog.ids) & set(base.ids) or {
        source.key for source in catalog.sources if source.key in {s.key for s in base.sources}
    }
    assume(not clash)
    merged = base.extend(catalog)
    assert merged.ids == (*base.ids, *catalog.ids)
    assert merged.sources == (*base.sources, *catalog.sources)
    assert load_catalog(to_json(catalog), base=base) == merged
