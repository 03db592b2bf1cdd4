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
Fraction(41, 60)
>>> round(float(result), 3)
0.683
"""

import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Final, cast

import attrs

from painmodalities import _rules as check
from painmodalities._record import Record
from painmodalities.errors import InvalidWeightsError, Problem, invalid
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
    "check_score",
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


#: A weight: a finite number from 0 up (not a bool), an ``InvalidWeightsError`` otherwise.
_weight: Final = check.non_negative_number("weight", error=InvalidWeightsError)


def _reading(number: float) -> tuple[int, int]:
    """A weight read exactly, as a reduced fraction: an int as is, a float as its decimal."""
    if isinstance(number, int):
        return int(number), 1
    return Decimal(float.__repr__(number)).as_integer_ratio()


class _ExactReading:
    """The slots where :class:`Weights` keeps its exact reading, apart from its fields.

    Made when the weights are, and read by equality, hashing, :meth:`Weights.shares`
    and :class:`Weighing`; not fields, so ``attrs.fields``, ``attrs.asdict`` and the JSON
    form of weights show only the four weights.
    """

    __slots__ = ("_exact", "_hash", "_scaled", "_shares")

    _exact: tuple[tuple[int, int], ...]
    _hash: int
    _scaled: tuple[int, ...]
    _shares: tuple[Fraction, ...]


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Weights(_ExactReading, Record):
    """How much each criterion counts. Only their ratios matter.

    Each weight is finite and not negative, and at least one is positive. Weights are read
    exactly from their decimal form (``0.4`` is two fifths), once, when they are made; two
    weights are equal when their exact readings are (``2**60`` and ``2.0**60`` are not:
    the float reads as ``1152921504606847000``).

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
        numbers = self.as_mapping().values()
        if not any(numbers):
            raise InvalidWeightsError(
                Problem("$", "at least one positive weight", attrs.asdict(self), "weight")
            )
        exact = tuple(_reading(number) for number in numbers)
        common = math.lcm(*(denominator for _, denominator in exact))
        scaled = tuple(numerator * (common // denominator) for numerator, denominator in exact)
        total = sum(scaled)
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_hash", hash(exact))
        object.__setattr__(self, "_scaled", scaled)
        object.__setattr__(self, "_shares", tuple(Fraction(part, total) for part in scaled))

    def __eq__(self, other: object) -> bool:
        if type(other) is not Weights:
            return NotImplemented
        return self._exact == other._exact

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        # The exact reading is not pickled: the copy reads its weights afresh.
        return _weights, (self.function, self.durability, self.activity, self.pain)

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
        return MappingProxyType(dict(zip(Criterion, self._shares, strict=True)))


def _weights(function: float, durability: float, activity: float, pain: float) -> Weights:
    return Weights(function=function, durability=durability, activity=activity, pain=pain)


_INACTIVE_ONLY: Final = frozenset({Comparator.INACTIVE})


@attrs.frozen(repr=False, kw_only=True, cache_hash=True)
class ScoringPolicy(Record):
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
        default=Certainty.LOW, converter=check.to_certainty, validator=check.member_of(Certainty)
    )
    comparators: frozenset[Comparator] = attrs.field(
        default=_INACTIVE_ONLY,
        converter=check.to_comparators,
        validator=check.frozenset_of(Comparator, min_size=1),
    )
    exclude_against: bool = attrs.field(default=False, validator=check.boolean)

    def counts(self, finding: Finding) -> bool:
        """Whether ``finding`` is scored under this policy."""
        return finding.certainty >= self.min_certainty and finding.comparator in self.comparators

    def why_unscored(self, finding: Finding) -> str | None:
        """Why ``finding`` is not scored under this policy, in words; ``None`` if it is."""
        from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

        reasons = []
        if finding.certainty < self.min_certainty:
            reasons.append(f"below {_words.word(self.min_certainty)} certainty")
        if finding.comparator not in self.comparators:
            reasons.append("compared with active treatments too")
        return " and ".join(reasons) or None


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Contribution(Record):
    """One criterion's part of a score.

    Attributes:
        criterion: which criterion.
        raw: the criterion's value on its fixed [0, 1] scale.
        share: the criterion's weight as a share of all weights.
        value: ``share x raw`` (0 when the evidence gate is closed); the values sum to the
            score.
        findings: the findings that set ``raw`` (empty for activity, or when none did).
    """

    criterion: Criterion = attrs.field(
        converter=check.to_criterion, validator=check.member_of(Criterion)
    )
    raw: Fraction
    share: Fraction
    value: Fraction
    findings: tuple[Finding, ...] = ()


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Score(Record):
    """A modality's score for one pain type, with the reasons for it.

    Attributes:
        modality_id: the modality scored.
        pain_type: the pain type it was scored for.
        value: the score, exact, in [0, 1]; ``float(score)`` gives it as a float.
        contributions: one per criterion, in criterion order, summing to ``value``.
        has_benefit: whether a scored finding shows benefit (the evidence gate is open).
        unscored: findings for the pain type the policy does not score (below its certainty
            floor, or compared with active treatments too): shown, not scored;
            ``policy.why_unscored(finding)`` says why.
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

    @property
    def lasts(self) -> Horizon | None:
        """How long the scored evidence shows a function benefit lasting, or ``None``.

        The horizon of the findings behind the durability criterion: only findings this
        score used (its policy's certainty and comparators, without any component left out).
        """
        findings = self.contribution(Criterion.DURABILITY).findings
        return findings[0].horizon if findings else None

    def explain(self) -> str:
        """One or two plain sentences: what the score is and which findings drove it."""
        from painmodalities._explain import explain_score  # noqa: PLC0415 (words: not to rank)

        return explain_score(self)


#: Each effect x certainty on the [0, 1] scale, from the two tables above.
_STRENGTHS: Final[Mapping[tuple[Effect, Certainty], Fraction]] = MappingProxyType(
    {
        (effect, certainty): effect_value * certainty_value
        for effect, effect_value in EFFECT_VALUES.items()
        for certainty, certainty_value in CERTAINTY_VALUES.items()
    }
)
#: The least common denominator of every raw criterion value the tables can give: raw
#: values times this are small integers, so weighted sums compare as integers.
_SCALE: Final = math.lcm(
    *(value.denominator for value in (*_STRENGTHS.values(), *HORIZON_VALUES.values(), _ONE))
)


def strength(finding: Finding) -> Fraction:
    """A finding's effect x certainty on the [0, 1] scale."""
    return _STRENGTHS[finding.effect, finding.certainty]


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


def _scaled(raw: tuple[Fraction, ...]) -> tuple[int, ...]:
    return tuple(value.numerator * (_SCALE // value.denominator) for value in raw)


class Appraisal:
    """Everything in a modality's score for one pain type and policy except the weights.

    Ranking assesses each modality once per pain type and policy, and weighs the same
    assessment for every set of weights (:class:`Weighing`).

    A plain slotted class, as :class:`Weighing` is: ranking makes them and reads them,
    never compares, hashes or writes one, and an attrs class would compile its
    ``__init__`` on every import (nothing assigns to one after it is made).

    Attributes:
        modality_id: the modality assessed.
        pain_type: the pain type it was assessed for.
        policy: the policy it was assessed under.
        raw: each criterion's raw value on its [0, 1] scale, in criterion order.
        findings: for each criterion, in criterion order, the findings that set it.
        has_benefit: whether a scored finding shows benefit (the evidence gate is open).
        unscored: findings for the pain type below the policy's certainty.
    """

    __slots__ = (
        "_scaled",
        "findings",
        "has_benefit",
        "modality_id",
        "pain_type",
        "policy",
        "raw",
        "unscored",
    )

    def __init__(
        self,
        *,
        modality_id: str,
        pain_type: PainType,
        policy: ScoringPolicy,
        raw: tuple[Fraction, ...],
        findings: tuple[tuple[Finding, ...], ...],
        has_benefit: bool,
        unscored: tuple[Finding, ...] = (),
    ) -> None:
        self.modality_id = modality_id
        self.pain_type = pain_type
        self.policy = policy
        self.raw = raw
        self.findings = findings
        self.has_benefit = has_benefit
        self.unscored = unscored
        # The raw values times _SCALE: small integers, for exact weighted sums.
        self._scaled = _scaled(raw)


def assess(
    modality: Modality,
    pain_type: PainType,
    policy: ScoringPolicy | None = None,
    *,
    without: frozenset[str] = frozenset(),
) -> Appraisal:
    """Each criterion of ``modality`` for ``pain_type`` under ``policy``, before weighting.

    ``without`` names programme components the patient may not have: their findings are
    left out entirely, neither scored nor shown.
    """
    policy = ScoringPolicy() if policy is None else policy
    found = modality.findings_for(pain_type)
    if without:
        found = tuple(finding for finding in found if finding.component not in without)
    scored = [finding for finding in found if policy.counts(finding)]
    function_findings = [f for f in scored if f.outcome is Outcome.FUNCTION]
    parts = (
        _best(function_findings),
        _durability(function_findings),
        (_ONE if modality.is_active else _ZERO, ()),
        _best([f for f in scored if f.outcome is Outcome.PAIN]),
    )
    return Appraisal(
        modality_id=modality.id,
        pain_type=pain_type,
        policy=policy,
        raw=tuple(raw for raw, _ in parts),
        findings=tuple(findings for _, findings in parts),
        has_benefit=any(finding.shows_benefit for finding in scored),
        unscored=tuple(finding for finding in found if not policy.counts(finding)),
    )


class Weighing:
    """Scores assessments under one set of weights, with exact integer arithmetic.

    Every value it gives is an integer over one denominator (the weights' common
    denominator times the raw scale), so :meth:`total` compares scores exactly without
    building a fraction, and equal fractions and contributions are built once and shared
    between the scores it makes (they are immutable).
    """

    __slots__ = ("_contributions", "_denominator", "_scaled", "_shares", "_values")

    def __init__(self, weights: Weights) -> None:
        self._scaled = weights._scaled
        self._shares = weights._shares
        self._denominator = _SCALE * sum(weights._scaled)
        self._values: dict[int, Fraction] = {}
        self._contributions: dict[tuple[int, int, bool], Contribution] = {}

    def total(self, assessment: Appraisal) -> int:
        """The score's value times a positive factor that depends only on the weights."""
        if not assessment.has_benefit:
            return 0
        return sum(
            weight * raw for weight, raw in zip(self._scaled, assessment._scaled, strict=True)
        )

    def _value(self, numerator: int) -> Fraction:
        found = self._values.get(numerator)
        if found is None:
            found = self._values[numerator] = Fraction(numerator, self._denominator)
        return found

    def score(self, assessment: Appraisal) -> Score:
        """The :class:`Score` of ``assessment`` under these weights.

        Each criterion contributes its share times its raw value, or 0 when the evidence
        gate is closed; the value is the sum of the contributions.
        """
        gate = assessment.has_benefit
        shared = self._contributions
        parts: list[Contribution] = []
        total = 0
        for index, (weight, raw, scaled, findings) in enumerate(
            zip(self._scaled, assessment.raw, assessment._scaled, assessment.findings, strict=True)
        ):
            numerator = weight * scaled if gate else 0
            total += numerator
            # Contributions without findings (activity, criteria nothing set) recur: shared.
            key = (index, scaled, gate)
            part = None if findings else shared.get(key)
            if part is None:
                part = Contribution(
                    criterion=_CRITERIA[index],
                    raw=raw,
                    share=self._shares[index],
                    value=self._value(numerator),
                    findings=findings,
                )
                if not findings:
                    shared[key] = part
            parts.append(part)
        return Score(
            modality_id=assessment.modality_id,
            pain_type=assessment.pain_type,
            value=self._value(total),
            contributions=tuple(parts),
            has_benefit=gate,
            unscored=assessment.unscored,
            policy=assessment.policy,
        )


_CRITERIA: Final = tuple(Criterion)


def score(
    modality: Modality,
    pain_type: PainType | str,
    weights: Weights | None = None,
    policy: ScoringPolicy | None = None,
    *,
    without: frozenset[str] = frozenset(),
) -> Score:
    """Score ``modality`` for long-term function in ``pain_type``.

    Args:
        modality: the modality to score.
        pain_type: the condition and phase: a :class:`PainType` or ``"condition:phase"``.
        weights: how much each criterion counts; :class:`Weights` defaults if ``None``.
        policy: which findings count; :class:`ScoringPolicy` defaults if ``None``.
        without: ids of programme components whose findings are left out (a component the
            patient's constraints rule out: its evidence must not carry the programme).

    Returns:
        The :class:`Score`, exact, with each criterion's contribution and findings.

    Raises:
        ValidationError: for a ``pain_type`` that is neither (never a zero score), an
            argument of the wrong type, or an id in ``without`` that is not one of the
            modality's components (rule ``unknown_component``), at the argument's path.
    """
    check.argument_of("modality", modality, Modality)
    found = PainType.coerce(pain_type)
    weights = Weights() if weights is None else check.argument_of("weights", weights, Weights)
    if policy is not None:
        check.argument_of("policy", policy, ScoringPolicy)
    left_out = cast(
        "frozenset[str]",
        check.argument("without", check.as_frozenset(without), check.frozenset_of_ids),
    )
    allowed, _ = modality._allowed_components()
    for unknown in sorted(left_out - allowed):
        components = ", ".join(sorted(str(item) for item in allowed - {None})) or "none"
        raise invalid(
            "$.without",
            f"ids of {modality.id}'s components ({components})",
            unknown,
            "unknown_component",
        )
    return Weighing(weights).score(assess(modality, found, policy, without=left_out))


# -- what every score satisfies: checked by tests, and by loading ---------------------------


def _in_unit(path: str, value: Fraction) -> list[Problem]:
    if 0 <= value <= 1:
        return []
    return [Problem(path, "an exact number from 0 to 1", str(value), "range")]


def check_contribution(part: Contribution) -> list[Problem]:
    """The problems of one contribution: its numbers against each other.

    ``raw`` and ``share`` are in [0, 1] and ``value`` is their product (or 0 when the
    evidence gate is closed). Empty for every contribution :func:`score` makes.
    """
    problems = _in_unit("$.raw", part.raw) + _in_unit("$.share", part.share)
    if part.value not in (part.share * part.raw, 0):
        problems.append(
            Problem(
                "$.value",
                f"share x raw ({part.share * part.raw}), or 0 when the evidence gate is closed",
                str(part.value),
                "contribution",
            )
        )
    return problems


def check_score(result: Score) -> list[Problem]:
    """Every way ``result`` breaks what :func:`score` guarantees, each at its JSON path.

    The value is in [0, 1] and is the sum of one contribution per criterion (in criterion
    order), each consistent; a score whose evidence gate is closed has nothing to sum.
    Empty for every result of :func:`score`; loading a score document reports these.

    Raises:
        ValidationError: at ``$.result``, for an argument that is not a :class:`Score`.
    """
    check.argument_of("result", result, Score)
    problems = [
        problem.at(f"$.contributions[{index}]")
        for index, part in enumerate(result.contributions)
        for problem in check_contribution(part)
    ]
    problems += _in_unit("$.value", result.value)
    criteria = tuple(part.criterion for part in result.contributions)
    if criteria != tuple(Criterion):
        problems.append(
            Problem(
                "$.contributions",
                "one contribution per criterion, in the order "
                + ", ".join(criterion.value for criterion in Criterion),
                [criterion.value for criterion in criteria],
                "contributions",
            )
        )
    total = sum((part.value for part in result.contributions), _ZERO)
    if total != result.value:
        problems.append(
            Problem("$.value", f"the sum of the contributions ({total})", str(result.value), "sum")
        )
    if not result.has_benefit and total != 0:
        problems.append(
            Problem(
                "$.has_benefit",
                "true, since the contributions are not all 0",
                result.has_benefit,
                "evidence_gate",
            )
        )
    return problems
