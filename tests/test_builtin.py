"""The built-in catalog (the package's data file) against the evidence dossier."""

import csv
from decimal import Decimal
from pathlib import Path

import attrs
import orjson

from painmodalities import (
    Assessment,
    AssessmentKind,
    Certainty,
    Comparator,
    Condition,
    Coverage,
    Direction,
    Effect,
    Finding,
    Horizon,
    Lifestyle,
    Massage,
    MassageTechnique,
    Measure,
    Outcome,
    PainType,
    Phase,
    PhysicalTherapy,
    Precaution,
    SelfManagement,
    Statistic,
    Strength,
    default_catalog,
)
from painmodalities._builtin import package_data
from painmodalities._json_text import parse_json
from tests.samples import CHRONIC_LBP

DOSSIER = Path(__file__).resolve().parents[2] / "shared" / "evidence"

MODALITY_COUNT, SOURCE_COUNT, ASSESSMENT_COUNT = 18, 29, 7


def test_builtin_counts() -> None:
    """The built-in catalog holds every dossier modality, source and assessment."""
    catalog = default_catalog()
    assert len(catalog) == MODALITY_COUNT
    assert len(catalog.sources) == SOURCE_COUNT
    assert len(catalog.assessments) == ASSESSMENT_COUNT
    # 121 dossier finding rows: 12 massage.* rows apply to each of 5 techniques.
    own = sum(len(m.findings) for m in catalog if not isinstance(m, PhysicalTherapy))
    assert own == (121 - 12) + 12 * 5
    # 29 of the 121 rows give an estimate, 25 of them with an interval, and 3 more only
    # counts, as the dossier's README says; 3 and 2 of those are massage.* rows (x 5).
    statistics = [f.statistic for m in catalog if m.kind != "physical_therapy" for f in m.findings]
    estimates = [s for s in statistics if s and s.estimate is not None]
    assert len(estimates) == (29 - 3) + 3 * 5
    assert len([s for s in estimates if s.interval]) == (25 - 2) + 2 * 5
    assert len([s for s in statistics if s and s.estimate is None]) == 3


def test_builtin_new_families() -> None:
    """Advice and weight management are active modalities of their own families, with
    recommendations and no scored finding (they are never ranked by score).
    """
    catalog = default_catalog()
    advice, weight = catalog["self_management.advice"], catalog["lifestyle.weight_management"]
    assert isinstance(advice, SelfManagement)
    assert isinstance(weight, Lifestyle)
    for modality in (advice, weight):
        assert modality.is_active
        assert modality.findings == ()
        assert modality.recommendations
    assert "overweight" in weight.name


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
    jenkins = attrs.evolve(
        jenkins,
        statistic=Statistic(
            measure=Measure.MD,
            scale="0-100",
            estimate=Decimal("-10.2"),
            ci_low=Decimal("-17.5"),
            ci_high=Decimal("-2.9"),
        ),
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


def _decimal(cell: str) -> Decimal | None:
    return Decimal(cell) if cell else None


def _count(cell: str) -> int | None:
    return int(cell) if cell else None


def _statistic(row: dict[str, str]) -> Statistic | None:
    """The row's figures as the dossier prints them; ``None`` where every cell is empty."""
    columns = ("measure", "scale", "estimate", "ci_low", "ci_high", "studies", "participants")
    if not any(row[column] for column in (*columns, "stats_locator")):
        return None
    return Statistic(
        measure=Measure(row["measure"]) if row["measure"] else None,
        scale=row["scale"],
        estimate=_decimal(row["estimate"]),
        ci_low=_decimal(row["ci_low"]),
        ci_high=_decimal(row["ci_high"]),
        studies=_count(row["studies"]),
        participants=_count(row["participants"]),
        locator=row["stats_locator"],
    )


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
                    statistic=_statistic(row),
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
                and r.verb == row["verb"]
                and r.read_from == row["read_from"]
                and r.topic == ("massage" if row["modality"] == "massage.*" else "")
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
    assert catalog.assessments == tuple(
        Assessment(
            condition=Condition(row["condition"]),
            phase=None if row["phase"] == "*" else Phase(row["phase"]),
            kind=AssessmentKind(row["kind"]),
            direction=Direction(row["direction"]),
            verb=row["verb"],
            source=row["source"],
            locator=row["locator"],
            note=row["note"],
            read_from=row["read_from"],
        )
        for row in _rows("assessments.csv")
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


def test_the_built_in_catalog_file_is_within_every_limit_on_json_text() -> None:
    """The shipped file passes the checks on hostile text and reads the same through them.

    ``default_catalog()`` reads the package's own file without those checks (size, depth,
    repeated keys).
    """
    data = package_data("data/catalog.json")
    assert parse_json(data) == orjson.loads(data)
