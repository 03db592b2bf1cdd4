"""MkDocs hooks: pages and figures built from the library and the repository at build time.

- Figures: every picture in :data:`FIGURES` is drawn from the built-in catalog with
  ``painmodalities.plot`` when the site is built and added to the site as
  ``figures/NAME.png``, so no generated image is committed and none can go stale. Pages
  show them with ``![what it shows](figures/NAME.png)``.
- ``docs/evidence.md``: the marker line is replaced by the evidence as tables generated from
  ``default_catalog()``: a summary of findings for chronic low back pain (as the
  ``evidence`` command prints it), the findings per pain type, the guideline
  recommendations and the sources, so the page can never drift from the data.
- ``docs/api.md``: the marker line is replaced by every enum of ``painmodalities.vocabulary``
  with its members and their values (the strings used in JSON and on the command line).
- ``docs/teaching.md``: an option grid marker ``<!-- generated: option grid IDS on PAIN -->``
  is replaced by :func:`painmodalities.grid.compare`'s grid as a table.
- ``docs/changelog.md``: the marker line is replaced by the repository's CHANGELOG.md.
- Every page: a ```` ```text ```` block without a title is labelled ``Output`` (the pages use
  text blocks only for what the code above them prints).

Declared in ``mkdocs.yml`` under ``hooks:``; ``tests/test_docs.py`` calls the functions.
"""

import datetime
import enum
import inspect
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from painmodalities import (
    Catalog,
    Comparator,
    Finding,
    PainType,
    Recommendation,
    ScoringPolicy,
    Weights,
    default_catalog,
    rank,
    vocabulary,
)
from painmodalities.grid import compare
from painmodalities.plot import plot_map, plot_ranking, plot_timeline
from painmodalities.summary import summarize

EVIDENCE_MARKER = "<!-- generated: evidence from default_catalog() -->"
CHANGELOG_MARKER = "<!-- generated: CHANGELOG.md -->"
ENUMS_MARKER = "<!-- generated: vocabulary enums -->"
#: ``<!-- generated: option grid ID ID... on CONDITION:PHASE -->``
GRID_MARKER = re.compile(
    r"^<!-- generated: option grid (?P<ids>[\w. ]+?) on (?P<pain>[\w:]+) -->$", re.M
)
ROOT = Path(__file__).resolve().parent.parent
#: Where the figures live in the site, relative to the docs directory.
FIGURE_DIR: Final = "figures"
#: A figure drawn by this hook, shown on its own: ``![what it shows](figures/NAME)``.
_FIGURE: Final = re.compile(r"^!\[(?P<alt>[^\]]+)\]\((?P<src>figures/[\w.-]+)\)$", re.M)
#: A text fence with nothing after its language: what the code above it prints.
_BARE_TEXT_FENCE: Final = re.compile(r"^```text[ \t]*$", re.M)


def _draw_ranking(pain_type: str, weights: Weights | None = None) -> Callable[[str], object]:
    return lambda path: plot_ranking(rank(pain_type, weights=weights), path)


def _draw_population(path: str) -> None:
    """The report of a seeded synthetic export of 1,000 patients (docs/population.md)."""
    from painmodalities.population import (  # noqa: PLC0415 (the population extra)
        plot_report,
        population_report,
        write_synthetic_export,
    )

    with tempfile.TemporaryDirectory() as scratch:
        manifest = write_synthetic_export(scratch, 1000, seed=0, as_of=datetime.date(2025, 1, 1))
        plot_report(population_report(manifest, as_of=datetime.date(2025, 1, 1)), path)


#: Every figure of the site: its file name under ``figures/`` and how it is drawn.
FIGURES: Final[Mapping[str, Callable[[str], object]]] = MappingProxyType(
    {
        "timeline-low_back-chronic.png": lambda path: plot_timeline("low_back:chronic", path),
        "timeline-low_back-acute.png": lambda path: plot_timeline("low_back:acute", path),
        "evidence-map.png": plot_map,
        "ranking-low_back-chronic.png": _draw_ranking("low_back:chronic"),
        "ranking-low_back-chronic-no-activity.png": _draw_ranking(
            "low_back:chronic", Weights(activity=0)
        ),
        "population-report.png": _draw_population,
    }
)


def draw_figures(directory: Path) -> list[Path]:
    """Draw every figure of :data:`FIGURES` into ``directory``; return the files written."""
    written = []
    for name, draw in FIGURES.items():
        path = directory / name
        draw(str(path))
        written.append(path)
    return written


def _words(value: str) -> str:
    return value.replace("_", " ")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _finding_row(finding: Finding, policy: ScoringPolicy) -> tuple[str, ...]:
    size = "no" if finding.effect.value == "none" else finding.effect.value
    why = policy.why_unscored(finding)
    return (
        f"{finding.outcome.value}, {finding.horizon.value} horizon",
        f"{size} effect, {_words(finding.certainty.value)} certainty",
        "yes" if why is None else f"no: {why}",
        finding.source,
    )


def _recommendation_scope(recommendation: Recommendation) -> str:
    phase = "any phase" if recommendation.phase is None else recommendation.phase.value
    condition = (
        "any condition"
        if recommendation.condition is None
        else _words(recommendation.condition.value)
    )
    return f"{phase} {condition}"


def _grouped(claims: Iterable[tuple[tuple[str, ...], str]]) -> dict[tuple[str, ...], list[str]]:
    """Each distinct claim once, with the name of every modality it is cited for.

    A pooled finding (such as one across every massage technique) is one row, not one per
    technique.
    """
    grouped: dict[tuple[str, ...], list[str]] = {}
    for claim, name in claims:
        names = grouped.setdefault(claim, [])
        if name not in names:
            names.append(name)
    return grouped


def _findings_section(catalog: Catalog, policy: ScoringPolicy) -> str:
    """One table per pain type: every finding, whether the default policy scores it."""
    pain_types = sorted(
        {f.pain_type for m in catalog for f in m.findings if f.component is None},
        key=lambda p: (p.condition.rank, p.phase.rank),
    )
    parts = []
    for pain_type in pain_types:
        grouped = _grouped(
            (_finding_row(f, policy), modality.name)
            for modality in catalog
            for f in modality.findings
            if f.component is None and f.pain_type == pain_type
        )
        rows = [(", ".join(names), *claim) for claim, names in grouped.items()]
        header = ("Modality", "Outcome and horizon", "Effect and certainty", "Scored", "Source")
        parts.append(f"### {pain_type.label.capitalize()}\n\n{_table(header, rows)}\n")
    return "\n".join(parts)


def _recommendations_section(catalog: Catalog) -> str:
    grouped = _grouped(
        (
            (
                f"{_words(r.direction.value)} ({r.strength.value}), {_recommendation_scope(r)}",
                r.note or "",
                r.source,
            ),
            modality.name,
        )
        for modality in catalog
        for r in modality.recommendations
    )
    rows = [(", ".join(names), *claim) for claim, names in grouped.items()]
    return _table(("Modality", "Recommends", "Note", "Source"), rows) + "\n"


def _link(url: str) -> str:
    """A source's URL, or its DOI as a doi.org address (a source's ``url`` may be either)."""
    return url if "://" in url else f"https://doi.org/{url}"


def _sources_section(catalog: Catalog) -> str:
    rows = []
    for source in catalog.sources:
        title = f"[{source.title}]({_link(source.url)})" if source.url else source.title
        facts = [source.kind, source.publisher, "" if source.year is None else str(source.year)]
        rows.append(
            (
                f"`{source.key}`",
                title,
                ", ".join(fact for fact in facts if fact),
                source.read_confidence or "",
            )
        )
    return _table(("Key", "Title", "What and when", "How it was read"), rows) + "\n"


#: The pain type whose summary of findings the evidence page shows first.
SUMMARY_PAIN_TYPE: Final = PainType("low_back", "chronic")


def summary_markdown(catalog: Catalog, pain_type: PainType) -> str:
    """The summary of findings for ``pain_type`` as a Markdown table (``summarize``'s rows)."""
    rows = [
        (
            row.names,
            row.finding.outcome.value,
            row.finding.horizon.value,
            row.effect
            + ("" if row.finding.comparator is Comparator.INACTIVE else " (mixed comparator)"),
            _words(row.finding.certainty.value),
            row.finding.source,
        )
        for row in summarize(pain_type, catalog=catalog).rows
    ]
    header = ("Modality", "Outcome", "Horizon", "Effect (figures)", "Certainty", "Source")
    return (
        f"## Summary of findings: {pain_type.label}\n\n"
        "As `painmodalities evidence "
        f"{pain_type.condition.value} {pain_type.phase.value}` prints it: each finding with "
        "the source's figures where the text read gave them (SMD standardised mean "
        "difference, MD mean difference on the scale named, 95% confidence interval, "
        "studies and participants), never a zero for a figure not reported. Figures never "
        "change a score.\n\n"
        f"{_table(header, rows)}\n\n"
    )


def evidence_markdown(catalog: Catalog) -> str:
    """Markdown tables for ``catalog``'s evidence, from a summary of findings to the sources.

    A summary of findings for chronic low back pain, then every finding, the guideline
    recommendations and the sources.
    """
    policy = ScoringPolicy()
    return (
        f"{summary_markdown(catalog, SUMMARY_PAIN_TYPE)}"
        "## Findings by pain type\n\n"
        "Each row is one finding, against an inactive control unless *Scored* says it was "
        "compared with active treatments too; *Scored* says whether the default scoring "
        "policy counts it, and why not. A finding pooled across several "
        "modalities (such as one across every massage technique) is one row naming them all.\n\n"
        f"{_findings_section(catalog, policy)}\n"
        "## Guideline recommendations\n\n"
        f"{_recommendations_section(catalog)}\n"
        "## Sources\n\n"
        f"{_sources_section(catalog)}"
    )


def _vocabulary_enums() -> list[type[enum.Enum]]:
    """Every enum defined in ``painmodalities.vocabulary`` that has members, in source order."""
    found = [
        value
        for value in vars(vocabulary).values()
        if inspect.isclass(value)
        and issubclass(value, enum.Enum)
        and value.__module__ == vocabulary.__name__
        and len(value) > 0
    ]
    return sorted(found, key=lambda cls: inspect.getsourcelines(cls)[1])


def enums_markdown() -> str:
    """A table per vocabulary enum: each member's name and its value."""
    parts = []
    for cls in _vocabulary_enums():
        doc = inspect.getdoc(cls) or ""
        summary = doc.split("\n\n", 1)[0].replace("\n", " ")
        rows = [(f"`{cls.__name__}.{m.name}`", f"`{m.value}`") for m in cls]
        table = _table(("Member", "Value"), rows)
        parts.append(f"**`{cls.__name__}`**: {summary}\n\n{table}\n")
    return "### Members and values\n\n" + "\n".join(parts)


def grid_markdown(ids: list[str], pain_type: str) -> str:
    """The option grid for ``ids`` on ``pain_type`` as a Markdown table."""
    return compare(ids, PainType.parse(pain_type)).to_markdown() + "\n"


def include_changelog(markdown: str, root: Path) -> str:
    """``markdown`` with the changelog marker replaced by ``root``'s CHANGELOG.md."""
    path = root / "CHANGELOG.md"
    if path.exists():
        text = path.read_text(encoding="utf-8")
        # The page has its own title: drop the file's first heading.
        first, _, rest = text.partition("\n")
        body = rest if first.startswith("# ") else text
    else:
        body = "No changes have been recorded yet."
    return markdown.replace(CHANGELOG_MARKER, body.strip() + "\n")


def label_output(markdown: str) -> str:
    """``markdown`` with every untitled text block titled ``Output``."""
    return _BARE_TEXT_FENCE.sub('```text title="Output"', markdown)


def link_figures(markdown: str) -> str:
    """``markdown`` with every figure linked to its full-size file (a click opens it)."""
    return _FIGURE.sub(r"[![\g<alt>](\g<src>)](\g<src>)", markdown)


def on_files(files: Files, config: MkDocsConfig, **_: Any) -> Files:
    """Add the figures, drawn now from the built-in catalog, to the site's files."""
    with tempfile.TemporaryDirectory() as directory:
        for path in draw_figures(Path(directory)):
            uri = f"{FIGURE_DIR}/{path.name}"
            files.append(File.generated(config, uri, content=path.read_bytes()))
    return files


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Fill the generated parts of a page and label its output blocks."""
    if EVIDENCE_MARKER in markdown:
        markdown = markdown.replace(EVIDENCE_MARKER, evidence_markdown(default_catalog()))
    if ENUMS_MARKER in markdown:
        markdown = markdown.replace(ENUMS_MARKER, enums_markdown())
    if CHANGELOG_MARKER in markdown:
        markdown = include_changelog(markdown, ROOT)
    markdown = GRID_MARKER.sub(
        lambda match: grid_markdown(match["ids"].split(), match["pain"]), markdown
    )
    return link_figures(label_output(markdown))
