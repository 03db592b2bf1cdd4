"""Plain-language explanations of scores: which findings drove them, with their sources.

It sits below :mod:`painmodalities.scoring` and reads a score through the small protocols
here, so that scoring can import it and nothing imports back. Scoring imports it when a
score is first explained: ranking never needs it.
"""

from collections.abc import Sequence
from fractions import Fraction
from typing import Protocol

from painmodalities import _words
from painmodalities.evidence import Finding, PainType
from painmodalities.vocabulary import Certainty, Criterion

__all__ = ["ContributionParts", "ScoreParts", "explain_score"]

_MAX_LISTED = 3


class ContributionParts(Protocol):
    """What an explanation reads of a contribution (a :class:`~painmodalities.Contribution`)."""

    @property
    def criterion(self) -> Criterion:
        """Which criterion."""

    @property
    def raw(self) -> Fraction:
        """The criterion's value on its [0, 1] scale."""

    @property
    def value(self) -> Fraction:
        """The weighted part of the score."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The findings that set ``raw``."""


class _PolicyParts(Protocol):
    @property
    def min_certainty(self) -> Certainty:
        """The certainty floor."""

    def why_unscored(self, finding: Finding, /) -> str | None:
        """Why ``finding`` is not scored, in words."""


class ScoreParts(Protocol):
    """What an explanation reads of a score (a :class:`~painmodalities.Score`)."""

    @property
    def pain_type(self) -> PainType:
        """The pain type scored for."""

    @property
    def value(self) -> Fraction:
        """The score."""

    @property
    def contributions(self) -> Sequence[ContributionParts]:
        """One per criterion, in criterion order."""

    @property
    def has_benefit(self) -> bool:
        """Whether the evidence gate is open."""

    @property
    def unscored(self) -> tuple[Finding, ...]:
        """Findings the policy does not score."""

    @property
    def policy(self) -> _PolicyParts:
        """The policy scored under."""


def _listed(findings: tuple[Finding, ...]) -> str:
    shown = "; ".join(_words.describe(finding) for finding in findings[:_MAX_LISTED])
    more = len(findings) - _MAX_LISTED
    return shown + (f"; and {more} more" if more > 0 else "")


def _part(part: ContributionParts) -> str:
    number = f"{part.criterion.value} {float(part.value):.3f}"
    if part.criterion is Criterion.ACTIVITY:
        return number + (" (active)" if part.raw else " (passive)")
    if not part.findings:
        return number + " (no finding shows benefit)"
    return f"{number} from {_listed(part.findings)}"


def _not_scored(score: ScoreParts) -> str:
    """The findings shown but not scored, grouped by why, or nothing."""
    why: dict[str, list[Finding]] = {}
    for finding in score.unscored:
        why.setdefault(score.policy.why_unscored(finding) or "not scored", []).append(finding)
    return "".join(
        f" Not scored, {reason}: {_listed(tuple(findings))}." for reason, findings in why.items()
    )


def explain_score(score: ScoreParts) -> str:
    """Explain ``score`` in a sentence or two, naming its findings and their sources."""
    unscored = _not_scored(score)
    if not score.has_benefit:
        return (
            f"score 0: no scored finding shows benefit for {score.pain_type.label} "
            f"(evidence gate).{unscored}"
        )
    parts = ", ".join(_part(part) for part in score.contributions)
    return f"score {float(score.value):.3f} = {parts}.{unscored}"
