"""A GRADE-style summary of findings: every finding for one pain type, with its figures.

A summary-of-findings table lists, per outcome and horizon, the effect with its estimate,
95% interval and counts, the certainty of the evidence and the source. :func:`summarize`
reads it from the catalog only: each finding once (a finding pooled across massage
techniques is one row naming every technique; a modality of another family with the same
grade from the same source has its own row), in the catalog's order of modalities (a
modality's own findings before those it shares), then by outcome and horizon. A finding
whose figures the text read did not give says so ("figures not reported in the text
read"), never zero. Figures never change a score: the
table shows whether the default policy scores each finding, and why not.

>>> table = summarize("low_back:chronic")
>>> row = next(r for r in table.rows if r.finding.source == "jenkins-2025")
>>> row.effect
'moderate: MD -10.2 (95% CI -17.5 to -2.9) on 0-100'
"""

from typing import Any, Final

import attrs

from painmodalities import _words
from painmodalities._builtin import default_catalog
from painmodalities.catalog import Catalog
from painmodalities.evidence import Finding, PainType
from painmodalities.modalities import Modality
from painmodalities.scoring import ScoringPolicy

__all__ = ["SUMMARY_DOCUMENT", "SummaryOfFindings", "SummaryRow", "summarize"]

#: The ``document`` value of a summary of findings as JSON (:meth:`SummaryOfFindings.to_document`).
SUMMARY_DOCUMENT: Final = "summary-of-findings"


@attrs.frozen(kw_only=True)
class SummaryRow:
    """One finding of the summary and the modalities it is cited for.

    Attributes:
        finding: the finding (a modality's own, never one a programme takes from a component).
        modalities: every modality that carries it, in catalog order (several for a finding
            pooled across massage techniques).
        unscored: why the scoring policy does not score it, or ``None`` if it does.
    """

    finding: Finding
    modalities: tuple[Modality, ...]
    unscored: str | None

    @property
    def names(self) -> str:
        """The modalities' names: ``Swedish massage, Deep tissue massage``."""
        return ", ".join(modality.name for modality in self.modalities)

    @property
    def effect(self) -> str:
        """The effect with its figures: ``moderate: MD -10.2 (95% CI -17.5 to -2.9) on 0-100``."""
        return _words.effect_with_figures(self.finding.effect, self.finding.statistic)

    def to_document(self) -> dict[str, Any]:
        """The row as JSON (see :meth:`SummaryOfFindings.to_document`)."""
        from painmodalities.serialization import converter  # noqa: PLC0415 (on first use)

        finding = self.finding
        return {
            "modalities": [{"id": m.id, "name": m.name} for m in self.modalities],
            "outcome": finding.outcome.value,
            "horizon": finding.horizon.value,
            "effect": finding.effect.value,
            "certainty": finding.certainty.value,
            "comparator": finding.comparator.value,
            "statistic": (
                None if finding.statistic is None else converter().unstructure(finding.statistic)
            ),
            "figures": _words.figures(finding.statistic),
            "source": finding.source,
            "scored": self.unscored is None,
            "not_scored_because": self.unscored,
        }


@attrs.frozen(kw_only=True)
class SummaryOfFindings:
    """Every finding for one pain type, as a GRADE summary of findings lists them.

    Attributes:
        pain_type: the condition and phase summarized.
        rows: one per distinct finding; empty when the dossier holds none for the pain type.
    """

    pain_type: PainType
    rows: tuple[SummaryRow, ...]

    @property
    def note(self) -> str:
        """Why the findings are the chronic phase's, for a condition chronic by definition.

        ``knee osteoarthritis is chronic by definition: the findings of its chronic phase
        are shown``; empty for any other condition.
        """
        if not self.pain_type.chronic_by_definition:
            return ""
        return _words.chronic_by_definition(self.pain_type.condition, _words.CHRONIC_SHOWN)

    def to_document(self) -> dict[str, Any]:
        """The summary as JSON: what ``painmodalities evidence ... --format json`` prints.

        ``{"schema_version", "document": "summary-of-findings", "pain_type": {"condition",
        "phase"}, "label", "note", "rows": [...]}``; ``note`` is :attr:`note` (``null``
        when there is none); each row has ``modalities`` (``id`` and
        ``name`` each), ``outcome``, ``horizon``, ``effect``, ``certainty``, ``comparator``
        (the vocabulary's values), ``statistic`` (a statistic document, or ``null`` when the
        text read gave no figures), ``figures`` (the figures in words), ``source`` (the
        source key), ``scored`` and ``not_scored_because`` (``null`` when scored).
        """
        from painmodalities.serialization import SCHEMA_VERSION  # noqa: PLC0415

        return {
            "schema_version": SCHEMA_VERSION,
            "document": SUMMARY_DOCUMENT,
            "pain_type": {
                "condition": self.pain_type.condition.value,
                "phase": self.pain_type.phase.value,
            },
            "label": self.pain_type.label,
            "note": self.note or None,
            "rows": [row.to_document() for row in self.rows],
        }


def summarize(
    pain_type: PainType | str,
    *,
    catalog: Catalog | None = None,
    policy: ScoringPolicy | None = None,
) -> SummaryOfFindings:
    """The summary of findings for ``pain_type``.

    Args:
        pain_type: the condition and phase, or ``"condition:phase"``.
        catalog: where the findings come from; the built-in catalog if ``None``.
        policy: which findings count as scored; the default policy if ``None``.

    A condition chronic by definition is summarized for its chronic phase whatever phase
    is given, and the summary says why (:attr:`SummaryOfFindings.note`).

    Raises:
        ValidationError: for a malformed pain type.
    """
    wanted = PainType.coerce(pain_type)
    found_catalog = default_catalog() if catalog is None else catalog
    found_policy = ScoringPolicy() if policy is None else policy
    # A finding pooled across a family's techniques is one row; the same grade from the
    # same source for a modality of another family is another finding, another row.
    carried: dict[tuple[Finding, str], list[Modality]] = {}
    for modality in found_catalog:
        for finding in modality.findings:
            if finding.component is None and finding.pain_type == wanted:
                names = carried.setdefault((finding, modality.kind), [])
                if modality not in names:
                    names.append(modality)
    order = {modality.id: index for index, modality in enumerate(found_catalog)}
    rows = sorted(
        (
            SummaryRow(
                finding=finding,
                modalities=tuple(modalities),
                unscored=found_policy.why_unscored(finding),
            )
            for (finding, _), modalities in carried.items()
        ),
        key=lambda row: (
            order[row.modalities[0].id],
            len(row.modalities),
            row.finding.outcome.rank,
            row.finding.horizon.rank,
            row.finding.source,
        ),
    )
    return SummaryOfFindings(pain_type=wanted, rows=tuple(rows))
