"""Scoring a modality for long-term function in one pain type, with every step explained.

The score is a weighted mean of four criteria, each on a fixed, published scale in [0, 1]
(never normalised against the other candidates, so adding an option never reorders the
rest):

- ``function``: the best effect x certainty among function findings;
- ``durability``: the longest horizon at which a function finding shows benefit;
- ``activity``: 1 if the patient does the work, else 0;
- ``pain``: the best effect x certainty among pain findings (secondary).

Only findings at or above the policy's ``min_certainty`` count. A modality none of whose
counted findings shows benefit scores 0 (the evidence gate). Arithmetic is exact
(:class:`fractions.Fraction`), so equal scores tie exactly.

>>> from painmodalities import default_catalog, PainType
>>> exercise = default_catalog()["exercise.therapeutic"]
>>> result = score(exercise, PainType.parse("low_back:chronic"))
>>> result.value
Fraction(13, 20)
>>> float(result)
0.65
"""

import functools
import math
from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Final

import attrs

from painmodalities import _validate as check
from painmodalities.errors import InvalidWeightsError, Problem
from painmodalities.evidence import Finding, PainType
from painmodalities.modalities import Modality
from painmodalities.vocabulary import Certainty, Comparator, Criterion, Effect, Horizon, Outcome

__all__ = [
    "CERTAINTY_VALUES",
    "EFFECT_VALUES",
    "HORIZON_VALUES",
    "Contribution",
    "Score",
    "ScoringPolicy",
    "Weights",
    "score",
]

#: Effect sizes on the fixed [0, 1] scale (strictly increasing).
EFFECT_VALUES: Final[Mapping[Effect, Fraction]] = MappingProxyType(
    {
        Effect.NONE: Fraction(0),
        Effect.SMALL: Fraction(1, 3),
        Effect.MODERATE: Fraction(2, 3),
        Effect.LARGE: Fraction(1),
    }
)
#: Certainty on the fixed [0, 1] scale (strictly increasing).
CERTAINTY_VALUES: Final[Mapping[Certainty, Fraction]] = MappingProxyType(
    {
        Certainty.INSUFFICIENT: Fraction(0),
        Certainty.VERY_LOW: Fraction(1, 4),
        Certainty.LOW: Fraction(1, 2),
        Certainty.MODERATE: Fraction(3, 4),
        Certainty.HIGH: Fraction(1),
    }
)
#: How long a benefit lasts, on the fixed [0, 1] scale (strictly increasing; none is 0).
HORIZON_VALUES: Final[Mapping[Horizon, Fraction]] = MappingProxyType(
    {
        Horizon.IMMEDIATE: Fraction(1, 4),
        Horizon.SHORT: Fraction(1, 2),
        Horizon.INTERMEDIATE: Fraction(3, 4),
        Horizon.LONG: Fraction(1),
    }
)

_ZERO: Final = Fraction(0)
_ONE: Final = Fraction(1)


@check.stated({"type": "number", "minimum": 0})
def _weight(_instance: object, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidWeightsError(Problem(f"$.{attribute.name}", "a number", value, "type"))
    if not math.isfinite(value) or value < 0:
        raise InvalidWeightsError(
            Problem(f"$.{attribute.name}", "a finite, non-negative number", value, "weight")
        )


@attrs.frozen(kw_only=True, cache_hash=True)
class Weights:
    """How much each criterion counts. Only their ratios matter.

    Each weight is finite and not negative, and at least one is positive. Weights are read
    exactly from their decimal form (``0.4`` is two fifths).

    Attributes:
        function: weight of the function criterion.
        durability: weight of the durability criterion.
        activity: weight of the activity criterion.
        pain: weight of the pain criterion.
    """

    function: float = attrs.field(default=0.4, validator=_weight)
    durability: float = attrs.field(default=0.25, validator=_weight)
    activity: float = attrs.field(default=0.25, validator=_weight)
    pain: float = attrs.field(default=0.1, validator=_weight)

    def __attrs_post_init__(self) -> None:
        if not any(self.as_mapping().values()):
            raise InvalidWeightsError(
                Problem("$", "at least one positive weight", attrs.asdict(self), "weight")
            )

    def as_mapping(self) -> Mapping[Criterion, float]:
        """The weights by criterion, in criterion order."""
        return MappingProxyType(
            {
                Criterion.FUNCTION: self.function,
                Criterion.DURABILITY: self.durability,
                Criterion.ACTIVITY: self.activity,
                Criterion.PAIN: self.pain,
            }
        )

    def shares(self) -> Mapping[Criterion, Fraction]:
        """Each weight as an exact share of their total; the shares sum to 1."""
        return _shares(_exact_key(self))


_WeightsKey = tuple["Weights", type, type, type, type]


def _exact_key(weights: Weights) -> _WeightsKey:
    """A hashable key that is equal only for weights with equal exact shares.

    ``Weights`` compare equal when their numbers do, but ``2**60 == 2.0**60`` while their
    exact readings differ (an int is read as is, a float from its shortest decimal form),
    so caches key on the weights together with the type of each number.
    """
    return (
        weights,
        type(weights.function),
        type(weights.durability),
        type(weights.activity),
        type(weights.pain),
    )


@functools.lru_cache(maxsize=256)
def _shares(key: _WeightsKey) -> Mapping[Criterion, Fraction]:
    # Computed once per distinct weights: score() asks for every modality it scores. The
    # mapping is read-only, so one instance is shared.
    weights = key[0]
    exact = {criterion: _exact(weight) for criterion, weight in weights.as_mapping().items()}
    total = sum(exact.values(), _ZERO)
    return MappingProxyType({criterion: value / total for criterion, value in exact.items()})


def _exact(number: float) -> Fraction:
    return Fraction(number) if isinstance(number, int) else Fraction(repr(number))


_INACTIVE_ONLY: Final = frozenset({Comparator.INACTIVE})


@check.stated(
    {
        "type": "array",
        "items": check.enum_schema(Comparator),
        "uniqueItems": True,
        "minItems": 1,
    }
)
def _comparators(instance: object, attribute: Any, value: Any) -> None:
    check.frozenset_of(Comparator)(instance, attribute, value)
    if not value:
        raise check.fail(attribute.name, "at least one comparator", [], "range")


@attrs.frozen(kw_only=True, cache_hash=True)
class ScoringPolicy:
    """Which findings count towards a score, and what a guideline's "against" does.

    Attributes:
        min_certainty: findings below this certainty are shown but not scored. The default,
            ``low``, leaves out ``very_low`` (GRADE: very little confidence in the estimate)
            and the dossier's ungraded single trials, which it enters at ``very_low``.
        comparators: the comparators whose findings are scored. The default, ``inactive``
            only, scores just the findings that isolate the modality's own effect; a finding
            compared with active treatments too (``mixed``) is shown but not scored.
        exclude_against: when true, a modality that an in-scope guideline recommendation
            is against is excluded from the ranking (with that reason) instead of being
            shown with a warning. Recommendations never change a score either way.
    """

    min_certainty: Certainty = attrs.field(
        default=Certainty.LOW, validator=check.member_of(Certainty)
    )
    comparators: frozenset[Comparator] = attrs.field(
        default=_INACTIVE_ONLY, converter=check.as_frozenset, validator=_comparators
    )
    exclude_against: bool = attrs.field(default=False, validator=check.boolean)

    def counts(self, finding: Finding) -> bool:
        """Whether ``finding`` is scored under this policy."""
        return finding.certainty >= self.min_certainty and finding.comparator in self.comparators

    def why_unscored(self, finding: Finding) -> str | None:
        """Why ``finding`` is not scored under this policy, in words; ``None`` if it is."""
        reasons = []
        if finding.certainty < self.min_certainty:
            reasons.append(f"below {self.min_certainty.value.replace('_', ' ')} certainty")
        if finding.comparator not in self.comparators:
            reasons.append("compared with active treatments too")
        return " and ".join(reasons) or None


@attrs.frozen(kw_only=True)
class Contribution:
    """One criterion's part of a score.

    Attributes:
        criterion: which criterion.
        raw: the criterion's value on its fixed [0, 1] scale.
        share: the criterion's weight as a share of all weights.
        value: ``share x raw`` (0 when the evidence gate is closed); the values sum to the
            score.
        findings: the findings that set ``raw`` (empty for activity, or when none did).
    """

    criterion: Criterion = attrs.field(validator=check.member_of(Criterion))
    raw: Fraction
    share: Fraction
    value: Fraction
    findings: tuple[Finding, ...] = ()


@attrs.frozen(kw_only=True)
class Score:
    """A modality's score for one pain type, with the reasons for it.

    Attributes:
        modality_id: the modality scored.
        pain_type: the pain type it was scored for.
        value: the score, exact, in [0, 1]; ``float(score)`` gives it as a float.
        contributions: one per criterion, in criterion order, summing to ``value``.
        has_benefit: whether a scored finding shows benefit (the evidence gate is open).
        unscored: findings for the pain type below the policy's certainty: shown, not
            scored.
        policy: the policy the score was computed under.
    """

    modality_id: str
    pain_type: PainType
    value: Fraction
    contributions: tuple[Contribution, ...]
    has_benefit: bool
    unscored: tuple[Finding, ...] = ()
    policy: ScoringPolicy = ScoringPolicy()

    def __float__(self) -> float:
        return float(self.value)

    @property
    def components(self) -> Mapping[Criterion, Fraction]:
        """Each criterion's weighted contribution; they sum to ``value``."""
        return MappingProxyType({part.criterion: part.value for part in self.contributions})

    @property
    def criteria(self) -> Mapping[Criterion, Fraction]:
        """Each criterion's raw value on its [0, 1] scale, before weighting."""
        return MappingProxyType({part.criterion: part.raw for part in self.contributions})

    def contribution(self, criterion: Criterion) -> Contribution:
        """The contribution of ``criterion``."""
        return next(part for part in self.contributions if part.criterion is criterion)

    def explain(self) -> str:
        """One or two plain sentences: what the score is and which findings drove it."""
        from painmodalities._explain import explain_score  # noqa: PLC0415 (text only on demand)

        return explain_score(self)


def strength(finding: Finding) -> Fraction:
    """A finding's effect x certainty on the [0, 1] scale."""
    return EFFECT_VALUES[finding.effect] * CERTAINTY_VALUES[finding.certainty]


def _best(findings: list[Finding]) -> tuple[Fraction, tuple[Finding, ...]]:
    best = max((strength(finding) for finding in findings), default=_ZERO)
    if best == 0:
        return _ZERO, ()
    return best, tuple(finding for finding in findings if strength(finding) == best)


def _durability(findings: list[Finding]) -> tuple[Fraction, tuple[Finding, ...]]:
    lasting = [finding for finding in findings if finding.shows_benefit]
    if not lasting:
        return _ZERO, ()
    longest = max(finding.horizon for finding in lasting)
    return HORIZON_VALUES[longest], tuple(f for f in lasting if f.horizon is longest)


def score(
    modality: Modality,
    pain_type: PainType,
    weights: Weights | None = None,
    policy: ScoringPolicy | None = None,
) -> Score:
    """Score ``modality`` for long-term function in ``pain_type``.

    Args:
        modality: the modality to score.
        pain_type: the condition and phase.
        weights: how much each criterion counts; :class:`Weights` defaults if ``None``.
        policy: which findings count; :class:`ScoringPolicy` defaults if ``None``.

    Returns:
        The :class:`Score`, exact, with each criterion's contribution and findings.
    """
    weights = Weights() if weights is None else weights
    policy = ScoringPolicy() if policy is None else policy
    found = modality.findings_for(pain_type)
    scored = [finding for finding in found if policy.counts(finding)]
    unscored = tuple(finding for finding in found if not policy.counts(finding))
    function_findings = [f for f in scored if f.outcome is Outcome.FUNCTION]
    pain_findings = [f for f in scored if f.outcome is Outcome.PAIN]
    raw: dict[Criterion, tuple[Fraction, tuple[Finding, ...]]] = {
        Criterion.FUNCTION: _best(function_findings),
        Criterion.DURABILITY: _durability(function_findings),
        Criterion.ACTIVITY: (_ONE if modality.is_active else _ZERO, ()),
        Criterion.PAIN: _best(pain_findings),
    }
    has_benefit = any(finding.shows_benefit for finding in scored)
    contributions = tuple(
        Contribution(
            criterion=criterion,
            raw=raw[criterion][0],
            share=share,
            value=share * raw[criterion][0] if has_benefit else _ZERO,
            findings=raw[criterion][1],
        )
        for criterion, share in weights.shares().items()
    )
    return Score(
        modality_id=modality.id,
        pain_type=pain_type,
        value=sum((part.value for part in contributions), _ZERO),
        contributions=contributions,
        has_benefit=has_benefit,
        unscored=unscored,
        policy=policy,
    )
