"""MkDocs hooks: pages built from the library and the repository at build time.

- ``docs/evidence.md``: the marker line is replaced by every source of the built-in
  catalog and what the catalog cites it for, generated from ``default_catalog()``, so the
  page can never drift from the data.
- ``docs/changelog.md``: the marker line is replaced by the repository's CHANGELOG.md.

Declared in ``mkdocs.yml`` under ``hooks:``; ``tests/test_docs.py`` calls the functions.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from painmodalities import Catalog, Finding, Recommendation, default_catalog

EVIDENCE_MARKER = "<!-- generated: evidence from default_catalog() -->"
CHANGELOG_MARKER = "<!-- generated: CHANGELOG.md -->"
ROOT = Path(__file__).resolve().parent.parent


def _words(value: str) -> str:
    return value.replace("_", " ")


def _finding(finding: Finding) -> str:
    size = "no" if finding.effect.value == "none" else finding.effect.value
    return (
        f"{finding.pain_type.label}: {size} effect on {finding.outcome.value} at "
        f"{finding.horizon.value} horizon, {_words(finding.certainty.value)} certainty"
    )


def _recommendation(recommendation: Recommendation) -> str:
    phase = "any phase" if recommendation.phase is None else recommendation.phase.value
    condition = (
        "any condition"
        if recommendation.condition is None
        else _words(recommendation.condition.value)
    )
    note = f" ({recommendation.note})" if recommendation.note else ""
    return (
        f"recommendation {_words(recommendation.direction.value)}, "
        f"{recommendation.strength.value}, for {phase} {condition}{note}"
    )


def _cited_for(catalog: Catalog, key: str) -> list[str]:
    """One line per distinct claim, naming every modality it is cited for.

    A pooled finding (such as one across every massage technique) is one line, not one per
    technique. A programme's findings are its components': they are listed under those.
    """
    claims: dict[str, list[str]] = {}
    for modality in catalog:
        own: Iterable[Finding] = (
            f for f in modality.findings if f.source == key and f.component is None
        )
        items = [_finding(f) for f in own]
        items += [_recommendation(r) for r in modality.recommendations if r.source == key]
        for item in items:
            claims.setdefault(item, []).append(f"`{modality.id}`")
    return [f"- {claim}: {', '.join(ids)}" for claim, ids in claims.items()]


def evidence_markdown(catalog: Catalog) -> str:
    """Markdown for every source of ``catalog`` and what the catalog cites it for."""
    parts = []
    for source in catalog.sources:
        facts = [
            source.kind,
            source.publisher,
            "" if source.year is None else str(source.year),
        ]
        heading = f"### `{source.key}`\n\n**{source.title}**"
        details = ", ".join(fact for fact in facts if fact)
        link = f" <{source.url}>" if source.url else ""
        read = f"\n\nHow it was read: {source.read_confidence}." if source.read_confidence else ""
        cited = _cited_for(catalog, source.key)
        body = "\n".join(cited) if cited else "Not cited by any finding or recommendation."
        parts.append(f"{heading}\n\n{details}.{link}{read}\n\n{body}\n")
    return "\n".join(parts)


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


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Fill the generated pages; leave every other page as it is."""
    if EVIDENCE_MARKER in markdown:
        markdown = markdown.replace(EVIDENCE_MARKER, evidence_markdown(default_catalog()))
    if CHANGELOG_MARKER in markdown:
        markdown = include_changelog(markdown, ROOT)
    return markdown
