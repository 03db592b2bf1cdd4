"""The entries of a ranking: ranked options, unranked options and exclusions.

Each entry holds its modality and the guideline recommendations in scope, and explains
itself in plain words; :func:`check_option`, :func:`check_unranked` and
:func:`check_exclusion` say what each satisfies on its own, and :func:`scored_benefits`
what the evidence of an option shows. :mod:`painmodalities.ranking` exports these names.
"""

from collections.abc import Iterable
from types import MappingProxyType
from typing import Any, Final

import attrs

from painmodalities import _rank_cache
from painmodalities import _rules as check
from painmodalities._constraints import Omission, Reason
from painmodalities._record import Record
from painmodalities.errors import Problem
from painmodalities.evidence import Finding, PainType, Recommendation
from painmodalities.modalities import Modality
from painmodalities.scoring import Score
from painmodalities.vocabulary import Direction, Horizon, Outcome

__all__ = [
    "Entry",
    "Exclusion",
    "RankedOption",
    "UnrankedOption",
    "check_exclusion",
    "check_option",
    "check_unranked",
    "longest",
    "scored_benefits",
]


class _Guided(Record):
    """What every entry of a ranking shares: its modality and the guidelines in scope."""

    __slots__ = ()
    modality: Modality
    recommendations: tuple[Recommendation, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        """Each in-scope recommendation against the modality, as a sentence."""
        from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

        return tuple(
            _words.guidance(advice, self.modality.name)
            for advice in self.recommendations
            if advice.direction is Direction.AGAINST
        )

    @property
    def guidance(self) -> tuple[str, ...]:
        """Every in-scope recommendation as a sentence, those against it first."""
        from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

        return tuple(
            _words.guidance(advice, self.modality.name)
            for advice in sorted(self.recommendations, key=_direction)
        )

    def _guidance_text(self) -> str:
        from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

        return "".join(
            f" {_GUIDANCE_LABELS[advice.direction]}: "
            f"{_words.guidance(advice, self.modality.name)}."
            for advice in sorted(self.recommendations, key=_direction)
        )


def _direction(advice: Recommendation) -> Direction:
    return advice.direction


_GUIDANCE_LABELS: Final = MappingProxyType(
    {
        Direction.AGAINST: "Warning",
        Direction.ONLY_WITH_EXERCISE: "Condition",
        Direction.FOR: "Guideline",
    }
)


def _recommendations() -> Any:
    return attrs.field(
        default=(),
        converter=check.as_tuple,
        validator=check.tuple_of(Recommendation, "a recommendation"),
    )


def _omitted() -> Any:
    return attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(Omission, "an omission")
    )


def _omitted_text(without: tuple[Omission, ...]) -> str:
    return "".join(f", {omission.explain()}" for omission in without)


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Exclusion(_Guided):
    """A modality ruled out for the patient, with every reason.

    Attributes:
        modality: the modality ruled out.
        reasons: every reason, in a stable order.
        recommendations: the guideline recommendations whose scope covers the pain type.
    """

    modality: Modality
    reasons: tuple[Reason, ...]
    recommendations: tuple[Recommendation, ...] = _recommendations()

    def explain(self) -> str:
        """One line: what was ruled out, why, and what guidelines say."""
        why = "; ".join(reason.detail for reason in self.reasons)
        return (
            f"{self.modality.name} ({self.modality.id}): excluded: {why}." + self._guidance_text()
        )


@attrs.frozen(repr=False, kw_only=True, eq=False)
class RankedOption(_Guided):
    """One ranked option: the patient may have it and a scored finding shows benefit.

    Attributes:
        rank: 1 + the number of options with a higher score (ties share a rank).
        modality: the modality.
        score: its score, with the findings behind it.
        recommendations: the guideline recommendations whose scope covers the pain type.
        without: programme components the patient's constraints rule out (their findings
            are left out of the score).
    """

    rank: int
    modality: Modality
    score: Score
    recommendations: tuple[Recommendation, ...] = _recommendations()
    without: tuple[Omission, ...] = _omitted()

    def explain(self) -> str:
        """A short plain-language explanation naming the findings that drove the score."""
        return (
            f"{self.rank}. {self.modality.name} ({self.modality.activity.value})"
            f"{_omitted_text(self.without)}: {self.score.explain()}" + self._guidance_text()
        )


@attrs.frozen(repr=False, kw_only=True, eq=False)
class UnrankedOption(_Guided):
    """An option the patient may have with no scored finding of benefit: it gets no rank.

    Attributes:
        modality: the modality.
        score: its score (0), with its findings shown but not scored.
        recommendations: the guideline recommendations whose scope covers the pain type.
        without: programme components the patient's constraints rule out.
    """

    modality: Modality
    score: Score
    recommendations: tuple[Recommendation, ...] = _recommendations()
    without: tuple[Omission, ...] = _omitted()

    def explain(self) -> str:
        """Why it is not ranked, naming the findings shown but not scored."""
        return (
            f"{self.modality.name} ({self.modality.activity.value})"
            f"{_omitted_text(self.without)}: not ranked: {self.score.explain()}"
            + self._guidance_text()
        )


Entry = RankedOption | UnrankedOption | Exclusion


def scored_benefits(
    option: RankedOption | UnrankedOption, pain_type: PainType
) -> tuple[Finding, ...]:
    """The option's scored findings that show benefit (none from a component left out).

    The one reading of "what the evidence shows" that summaries, plans and their labels
    share, so that no sentence says more than the scored findings do.
    """
    left_out = _rank_cache.left_out(option.without)
    policy = option.score.policy
    return tuple(
        finding
        for finding in option.modality.findings_for(pain_type)
        if finding.shows_benefit
        and policy.counts(finding)
        and (finding.component is None or finding.component not in left_out)
    )


def longest(findings: Iterable[Finding], outcome: Outcome) -> Horizon | None:
    """The longest horizon at which ``findings`` show a benefit for ``outcome`` (or None)."""
    return max((f.horizon for f in findings if f.outcome is outcome), default=None)


# -- what each entry satisfies on its own: checked by tests, and by loading ----------------


def check_option(option: RankedOption) -> list[Problem]:
    """The problems of one option on its own: its rank, and whose score it holds.

    The rank is 1 or more and the score is the modality's. Empty for every option of
    :func:`rank`.
    """
    problems: list[Problem] = []
    if option.rank < 1:
        problems.append(Problem("$.rank", "a rank of 1 or more", option.rank, "range"))
    return problems + _own_score(option)


def _own_score(entry: RankedOption | UnrankedOption) -> list[Problem]:
    if entry.score.modality_id == entry.modality.id:
        return []
    return [
        Problem(
            "$.score.modality_id",
            f'the option\'s modality id "{entry.modality.id}"',
            entry.score.modality_id,
            "score",
        )
    ]


def check_unranked(unranked: UnrankedOption) -> list[Problem]:
    """The problems of one unranked option on its own: its score is its modality's, and 0."""
    problems = _own_score(unranked)
    if unranked.score.has_benefit:
        problems.append(
            Problem(
                "$.score.has_benefit",
                "false: an option with a scored finding of benefit is ranked",
                value=True,
                rule="evidence_gate",
            )
        )
    return problems


def check_exclusion(exclusion: Exclusion) -> list[Problem]:
    """The problems of one exclusion on its own: it gives at least one reason."""
    if exclusion.reasons:
        return []
    return [Problem("$.reasons", "at least one reason", [], "reasons")]
