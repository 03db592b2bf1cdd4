"""Build ``src/painmodalities/data/catalog.json`` from the vetted evidence dossier.

Usage: ``python scripts/build_catalog.py [DOSSIER_DIR]`` (default ``../shared/evidence``).

The dossier's CSV files are the single source of every clinical fact the library ships.
This script copies them, row for row, into the catalog document: a ``massage.*`` row
applies to every massage technique, a ``*`` scope means "any", a finding's figures become
its ``statistic`` (an empty cell is "not reported", never zero), and the physical therapy
programme carries its components' findings (``Catalog.assemble``). It adds nothing.
"""

import csv
import sys
from decimal import Decimal
from pathlib import Path

from painmodalities import (
    FAMILIES,
    Activity,
    Assessment,
    AssessmentKind,
    Catalog,
    Certainty,
    Comparator,
    Condition,
    Coverage,
    Direction,
    Effect,
    ExerciseForm,
    Finding,
    Horizon,
    MassageTechnique,
    Measure,
    Modality,
    Outcome,
    PainType,
    Phase,
    Precaution,
    Recommendation,
    Source,
    Statistic,
    Strength,
    to_json,
)

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "painmodalities" / "data" / "catalog.json"
# The programme's components, as the dossier's modalities.csv basis column names them.
PROGRAMME_COMPONENTS = {
    "physical_therapy.programme": ("exercise.therapeutic", "massage.structural")
}


def rows(directory: Path, name: str) -> list[dict[str, str]]:
    with (directory / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def matching(pattern: str, modality_ids: list[str]) -> list[str]:
    if pattern.endswith(".*"):
        prefix = pattern[:-1]
        return [modality_id for modality_id in modality_ids if modality_id.startswith(prefix)]
    if pattern not in modality_ids:
        raise SystemExit(f"dossier row names unknown modality {pattern!r}")
    return [pattern]


def note(locator: str, basis: str) -> str:
    return "; ".join(part for part in (locator.strip(), basis.strip()) if part)


STATISTIC_COLUMNS = (
    "measure", "scale", "estimate", "ci_low", "ci_high", "studies", "participants",
    "stats_locator",
)  # fmt: skip


def statistic(row: dict[str, str]) -> Statistic | None:
    """The row's figures, or ``None`` when the text read gave none."""
    if not any(row[column] for column in STATISTIC_COLUMNS):
        return None
    return Statistic(
        measure=Measure(row["measure"]) if row["measure"] else None,
        scale=row["scale"],
        estimate=Decimal(row["estimate"]) if row["estimate"] else None,
        ci_low=Decimal(row["ci_low"]) if row["ci_low"] else None,
        ci_high=Decimal(row["ci_high"]) if row["ci_high"] else None,
        studies=int(row["studies"]) if row["studies"] else None,
        participants=int(row["participants"]) if row["participants"] else None,
        locator=row["stats_locator"],
    )


def build(directory: Path) -> Catalog:
    modality_rows = rows(directory, "modalities.csv")
    ids = [row["id"] for row in modality_rows]
    findings: dict[str, list[Finding]] = {modality_id: [] for modality_id in ids}
    for row in rows(directory, "findings.csv"):
        finding = Finding(
            pain_type=PainType(Condition(row["condition"]), Phase(row["phase"])),
            outcome=Outcome(row["outcome"]),
            horizon=Horizon(row["horizon"]),
            effect=Effect(row["effect"]),
            certainty=Certainty(row["certainty"]),
            comparator=Comparator(row["comparator"]),
            source=row["source"],
            note=note(row["locator"], row["basis"]),
            statistic=statistic(row),
        )
        for modality_id in matching(row["modality"], ids):
            findings[modality_id].append(finding)
    recommendations: dict[str, list[Recommendation]] = {modality_id: [] for modality_id in ids}
    for row in rows(directory, "recommendations.csv"):
        # a massage.* row speaks of massage in general, not of each technique
        topic = row["modality"][:-2] if row["modality"].endswith(".*") else ""
        recommendation = Recommendation(
            condition=None if row["condition"] == "*" else Condition(row["condition"]),
            phase=None if row["phase"] == "*" else Phase(row["phase"]),
            direction=Direction(row["direction"]),
            strength=Strength(row["strength"]),
            certainty=Certainty(row["certainty"]) if row["certainty"] else None,
            source=row["source"],
            note=row["locator"],
            verb=row["verb"],
            read_from=row["read_from"],
            topic=topic,
        )
        for modality_id in matching(row["modality"], ids):
            recommendations[modality_id].append(recommendation)
    families = {family.kind: family for family in FAMILIES}
    modalities: list[Modality] = []
    for row in modality_rows:
        family = families[row["family"]]
        extra: dict[str, object] = {}
        if row["family"] == "massage":
            extra["technique"] = MassageTechnique(row["technique_or_form"])
            extra["mechanism_established"] = False
        elif row["family"] == "exercise":
            extra["form"] = ExerciseForm(row["technique_or_form"])
        elif row["family"] == "physical_therapy":
            extra["components"] = PROGRAMME_COMPONENTS[row["id"]]
        modalities.append(
            family(
                id=row["id"],
                name=row["name"],
                activity=Activity(row["activity"]),
                summary=row["basis"],
                session_minutes=int(row["session_minutes"]) if row["session_minutes"] else None,
                coverage=Coverage(row["coverage"]),
                precautions=frozenset(Precaution(p) for p in row["precautions"].split()),
                precautions_source=row["precautions_source"] or None,
                findings=tuple(findings[row["id"]]),
                recommendations=tuple(recommendations[row["id"]]),
                **extra,
            )
        )
    sources = [
        Source(
            key=row["key"],
            kind=row["kind"],
            year=int(row["year"]) if row["year"] else None,
            title=row["title"],
            publisher=row["publisher"],
            url=row["url_or_doi"],
            read_confidence=row["read_confidence"],
        )
        for row in rows(directory, "sources.csv")
    ]
    assessments = [
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
        for row in rows(directory, "assessments.csv")
    ]
    return Catalog.assemble(modalities, sources, assessments)


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "evidence"
    catalog = build(directory)
    TARGET.write_text(to_json(catalog, indent=True) + "\n", encoding="utf-8")
    where = TARGET.relative_to(ROOT)
    print(
        f"wrote {where}: {len(catalog)} modalities, {len(catalog.sources)} sources, "
        f"{len(catalog.assessments)} assessments"
    )


if __name__ == "__main__":
    main()
