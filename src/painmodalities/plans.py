"""Care plans, and how sure a ranking is: an active core with adjuncts, stability, acceptability.

A ranked list answers "which option scores best". Two more answers are built here:

- :func:`plan`: what the patient should do, and what may be added for relief. Activity and
  exercise carry long-term care, and passive treatments may be added for short-term relief,
  never as the whole plan (NICE NG59 1.2.7: manual therapy "only as part of a treatment
  package including exercise"). A :class:`CarePlan` has an active **core** (the best-ranked
  active option, with every active option tied with it as an equal choice) and passive
  **adjuncts**, each labelled with what its evidence shows it for and for how long.
- :func:`stability`: how far each weight may move, the others fixed, before the set of
  options ranked first changes. Each total is linear in each weight, so the bounds are
  exact (:class:`fractions.Fraction`), computed without sampling.
- :func:`acceptability`: the SMAA-2 rank acceptability indices (Lahdelma and Salminen
  2001): for each option and rank, the share of weight vectors drawn uniformly from the
  simplex under which the option takes that rank. Draws come from ``random.Random(seed)``
  and integer arithmetic only, so the same seed gives the same result on every machine.

>>> care = plan("neck:chronic")
>>> care.core.modality.id
'physical_therapy.programme'
>>> [item.modality.id for item in care.adjuncts][:2]
['acupuncture', 'massage.deep_tissue']
>>> care.adjuncts[1].labels
('short-term relief, not a long-term solution',)
"""

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from types import MappingProxyType
from typing import Final

import attrs

from painmodalities import _rules as check
from painmodalities import _words
from painmodalities.catalog import Catalog
from painmodalities.errors import Problem, invalid
from painmodalities.evidence import Finding, PainType, Recommendation
from painmodalities.modalities import Modality
from painmodalities.ranking import Patient, RankedOption, Ranking, rank
from painmodalities.scoring import Score, ScoringPolicy, Weights
from painmodalities.vocabulary import Criterion, Direction, Horizon, Outcome, RankedEnum

__all__ = [
    "Acceptability",
    "CarePlan",
    "OptionAcceptability",
    "PlanItem",
    "PlanRole",
    "RankShare",
    "Stability",
    "TimelineStep",
    "WeightChange",
    "WeightInterval",
    "acceptability",
    "check_plan",
    "plan",
    "stability",
]


# -- care plans ------------------------------------------------------------------------------


class PlanRole(RankedEnum):
    """What a member of a care plan is for."""

    SYMPTOM_RELIEF = "symptom_relief"
    """A passive option offered when no active option has scored evidence: relief only."""
    ADJUNCT = "adjunct"
    """A passive option that may be added beside the active core, for relief."""
    CORE = "core"
    """An active option that carries long-term care: one of the plan's equal core choices."""


@attrs.frozen(kw_only=True)
class PlanItem:
    """An option of the ranking, with what the plan says of it.

    Attributes:
        option: the ranked option (its rank, modality, score, recommendations and the
            programme components it goes without).
        role: core choice, adjunct beside the core, or symptom relief without a core.
        shows: the outcomes a scored finding shows it helping, function first.
        function_lasts: the longest horizon at which a scored finding shows a function
            benefit (``None``: none shown).
        pain_lasts: the same for pain.
        labels: what the plan says of it in words, such as
            ``short-term relief, not a long-term solution``.
    """

    option: RankedOption = attrs.field(validator=check.instance_of(RankedOption, "an option"))
    role: PlanRole = attrs.field(validator=check.member_of(PlanRole))
    shows: tuple[Outcome, ...] = attrs.field(
        converter=check.as_tuple, validator=check.tuple_of(Outcome, "an outcome")
    )
    function_lasts: Horizon | None = attrs.field(validator=check.optional_member_of(Horizon))
    pain_lasts: Horizon | None = attrs.field(validator=check.optional_member_of(Horizon))
    labels: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(str, "a label")
    )

    @property
    def modality(self) -> Modality:
        """The option's modality."""
        return self.option.modality

    @property
    def score(self) -> Score:
        """The option's score."""
        return self.option.score

    @property
    def recommendations(self) -> tuple[Recommendation, ...]:
        """The guideline recommendations in scope for the pain type."""
        return self.option.recommendations

    @property
    def rank(self) -> int:
        """The option's rank in the ranking."""
        return self.option.rank

    @property
    def short_term(self) -> bool:
        """Whether no scored finding shows it helping at the long horizon."""
        return Horizon.LONG not in (self.function_lasts, self.pain_lasts)

    def explain(self) -> str:
        """One line: the option, what it helps and for how long, and the plan's labels."""
        helps = "; ".join(
            f"{outcome.value} benefit shown up to the {lasts.value} horizon"
            for outcome, lasts in (
                (Outcome.FUNCTION, self.function_lasts),
                (Outcome.PAIN, self.pain_lasts),
            )
            if lasts is not None
        )
        labels = "".join(f" ({label})" for label in self.labels)
        without = "".join(f", {omission.explain()}" for omission in self.option.without)
        warnings = "".join(f" Warning: {warning}." for warning in self.option.warnings)
        return f"{self.modality.name} ({self.modality.id}){without}: {helps}{labels}.{warnings}"


@attrs.frozen(kw_only=True)
class TimelineStep:
    """Which plan members show scored benefit at one horizon.

    Attributes:
        horizon: the time after the course ends.
        function: ids of the members with a scored finding of function benefit there.
        pain: ids of the members with a scored finding of pain benefit there.
    """

    horizon: Horizon = attrs.field(validator=check.member_of(Horizon))
    function: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(str, "a modality id")
    )
    pain: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(str, "a modality id")
    )


@attrs.frozen(kw_only=True)
class CarePlan:
    """An active core with passive adjuncts, built from a ranking.

    Attributes:
        ranking: the ranking the plan is built from (its pain type, patient, weights and
            policy are the plan's).
        core_choices: the best-ranked active option that no in-scope guideline recommends
            against, and every such active option tied with it: equal choices, best first.
            Empty when no active option has scored evidence for the pain type.
        adjuncts: passive options with a scored finding of benefit that no in-scope
            guideline recommends against, in ranking order: adjuncts beside the core, or
            symptom relief only when there is no core (and then never one a guideline
            allows only with exercise).
        timeline: for each horizon, which members show scored benefit for function and
            for pain.
    """

    ranking: Ranking = attrs.field(validator=check.instance_of(Ranking, "a ranking"))
    core_choices: tuple[PlanItem, ...] = attrs.field(
        converter=check.as_tuple, validator=check.tuple_of(PlanItem, "a plan item")
    )
    adjuncts: tuple[PlanItem, ...] = attrs.field(
        converter=check.as_tuple, validator=check.tuple_of(PlanItem, "a plan item")
    )
    timeline: tuple[TimelineStep, ...] = attrs.field(
        converter=check.as_tuple, validator=check.tuple_of(TimelineStep, "a timeline step")
    )

    @classmethod
    def from_ranking(cls, ranking: Ranking) -> "CarePlan":
        """The plan for ``ranking``: the one rule that picks the core and the adjuncts."""
        if not isinstance(ranking, Ranking):
            raise invalid("$.ranking", "a Ranking", ranking, "type")
        pain_type = ranking.pain_type
        allowed = [option for option in ranking.options if not _says(option, Direction.AGAINST)]
        active = [option for option in allowed if option.modality.is_active]
        best = active[0].score.value if active else None
        core = tuple(
            _item(option, PlanRole.CORE, pain_type)
            for option in active
            if option.score.value == best
        )
        role = PlanRole.ADJUNCT if core else PlanRole.SYMPTOM_RELIEF
        adjuncts = tuple(
            _item(option, role, pain_type)
            for option in allowed
            if not option.modality.is_active
            and (core or not _says(option, Direction.ONLY_WITH_EXERCISE))
        )
        return cls(
            ranking=ranking,
            core_choices=core,
            adjuncts=adjuncts,
            timeline=_timeline((*core, *adjuncts), pain_type),
        )

    @property
    def pain_type(self) -> PainType:
        """The pain type planned for."""
        return self.ranking.pain_type

    @property
    def core(self) -> PlanItem | None:
        """The best-ranked core choice, or ``None`` when no active option has evidence."""
        return self.core_choices[0] if self.core_choices else None

    @property
    def members(self) -> tuple[PlanItem, ...]:
        """The core choices, then the adjuncts."""
        return (*self.core_choices, *self.adjuncts)

    @property
    def notes(self) -> tuple[str, ...]:
        """What the plan says in words where a part of it is empty."""
        label = self.pain_type.label
        found: list[str] = []
        if not self.core_choices:
            found.append(_words.no_active_option(label))
        if not self.adjuncts:
            found.append(_words.no_adjunct(label))
        return tuple(found)

    @property
    def summary(self) -> str:
        """The plan in one sentence; says so when it has no active core."""
        label = self.pain_type.label
        if not self.core_choices:
            relief = _names(self.adjuncts)
            tail = f" For symptom relief only: {relief}." if relief else ""
            return _words.no_active_option(label) + tail
        core = (
            self.core_choices[0].modality.name
            if len(self.core_choices) == 1
            else "one of " + _names(self.core_choices, "or")
        )
        added = f", with {_names(self.adjuncts)} as optional relief" if self.adjuncts else ""
        return f"For {label}: {core} as the active core{added}."

    def explain(self) -> str:
        """The whole plan in plain language: core, adjuncts, timeline and notes."""
        lines = [f"Care plan for {self.pain_type.label}: {self.summary}"]
        if self.core_choices:
            lines.append("Active core (choose one; it carries long-term care):")
            lines += [f"- {item.explain()}" for item in self.core_choices]
        if self.adjuncts:
            lines.append(
                "Adjuncts (may be added for relief):"
                if self.core_choices
                else "Symptom relief only (no active option has scored evidence):"
            )
            lines += [f"- {item.explain()}" for item in self.adjuncts]
        lines.append("Benefit shown over time (scored findings):")
        for step in self.timeline:
            shown = "; ".join(
                f"{outcome}: {', '.join(ids) or 'none'}"
                for outcome, ids in (("function", step.function), ("pain", step.pain))
            )
            lines.append(f"- {_words.HORIZON_SPANS[step.horizon]}: {shown}")
        lines += self.notes
        return "\n".join(lines)


def _names(items: Sequence[PlanItem], conjunction: str = "and") -> str:
    names = [_words.in_sentence(item.modality.name) for item in items]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def _says(option: RankedOption, direction: Direction) -> bool:
    return any(advice.direction is direction for advice in option.recommendations)


def _benefits(option: RankedOption, pain_type: PainType) -> list[Finding]:
    """The option's scored findings that show benefit (none from a component left out)."""
    left_out = {omission.component for omission in option.without}
    policy = option.score.policy
    return [
        finding
        for finding in option.modality.findings_for(pain_type)
        if finding.shows_benefit
        and policy.counts(finding)
        and (finding.component is None or finding.component not in left_out)
    ]


def _longest(findings: Iterable[Finding], outcome: Outcome) -> Horizon | None:
    return max((f.horizon for f in findings if f.outcome is outcome), default=None)


def _item(option: RankedOption, role: PlanRole, pain_type: PainType) -> PlanItem:
    found = _benefits(option, pain_type)
    function, pain = _longest(found, Outcome.FUNCTION), _longest(found, Outcome.PAIN)
    labels: list[str] = []
    if role is PlanRole.SYMPTOM_RELIEF:
        labels.append(_words.SYMPTOM_RELIEF)
    if role is not PlanRole.CORE and _says(option, Direction.ONLY_WITH_EXERCISE):
        labels.append(_words.WITH_EXERCISE)
    if role is not PlanRole.CORE and Horizon.LONG not in (function, pain):
        labels.append(_words.SHORT_TERM)
    return PlanItem(
        option=option,
        role=role,
        shows=tuple(
            outcome
            for outcome, lasts in ((Outcome.FUNCTION, function), (Outcome.PAIN, pain))
            if lasts is not None
        ),
        function_lasts=function,
        pain_lasts=pain,
        labels=tuple(labels),
    )


def _timeline(members: tuple[PlanItem, ...], pain_type: PainType) -> tuple[TimelineStep, ...]:
    shown = [(item.modality.id, _benefits(item.option, pain_type)) for item in members]
    return tuple(
        TimelineStep(
            horizon=horizon,
            function=tuple(
                modality_id
                for modality_id, found in shown
                if any(f.horizon is horizon and f.outcome is Outcome.FUNCTION for f in found)
            ),
            pain=tuple(
                modality_id
                for modality_id, found in shown
                if any(f.horizon is horizon and f.outcome is Outcome.PAIN for f in found)
            ),
        )
        for horizon in Horizon
    )


def plan(
    pain_type: PainType | str,
    *,
    catalog: Catalog | None = None,
    patient: Patient | None = None,
    weights: Weights | None = None,
    policy: ScoringPolicy | None = None,
) -> CarePlan:
    """A care plan for ``pain_type``: an active core, and passive adjuncts for relief.

    The arguments are those of :func:`~painmodalities.rank`; the plan is
    :meth:`CarePlan.from_ranking` of that ranking.

    Raises:
        ValidationError: for a malformed pain type or argument.
        UnknownModalityError: when the patient names an id the catalog does not hold.
    """
    return CarePlan.from_ranking(
        rank(pain_type, catalog=catalog, patient=patient, weights=weights, policy=policy)
    )


def check_plan(care: CarePlan) -> list[Problem]:
    """Every way ``care`` differs from the plan the library builds from its ranking.

    Empty for every result of :func:`plan`; loading a care plan document reports these
    (its ranking is checked as every loaded ranking is).
    """
    expected = CarePlan.from_ranking(care.ranking)
    return [
        Problem(
            f"$.{name}",
            f"the {name.replace('_', ' ')} the library builds from the plan's ranking: "
            + (", ".join(_ids(getattr(expected, name))) or "none"),
            _ids(getattr(care, name)),
            "plan",
        )
        for name in ("core_choices", "adjuncts", "timeline")
        if getattr(care, name) != getattr(expected, name)
    ]


def _ids(parts: tuple[PlanItem | TimelineStep, ...]) -> list[str]:
    return [
        part.modality.id if isinstance(part, PlanItem) else part.horizon.value for part in parts
    ]


# -- stability -------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class WeightInterval:
    """How far one weight may move, the others fixed, with the first place unchanged.

    Attributes:
        criterion: the weight's criterion.
        weight: the weight now, read exactly.
        low: the lower bound (0 when the weight may fall to zero); exclusive unless 0.
        high: the upper bound (exclusive), or ``None`` when the weight may grow without
            bound. ``low == high == weight`` when a shared first place breaks at any change.
    """

    criterion: Criterion = attrs.field(validator=check.member_of(Criterion))
    weight: Fraction
    low: Fraction
    high: Fraction | None = None

    @property
    def zero_width(self) -> bool:
        """Whether any change of this weight changes the first place (a shared first place)."""
        return self.high == self.low

    def explain(self) -> str:
        """``durability weight 0.25: first place holds from 0.1 to 0.5``."""
        now = f"{self.criterion.value} weight {_number(self.weight)}"
        if self.zero_width:
            return f"{now}: any change breaks the shared first place"
        upper = "without bound" if self.high is None else f"up to {_number(self.high)}"
        return f"{now}: first place holds from {_number(self.low)} {upper}"


@attrs.frozen(kw_only=True)
class WeightChange:
    """The smallest change of a single weight that changes the set ranked first.

    Attributes:
        criterion: the weight to change.
        relative: the change as a share of the weight now (0 for a shared first place
            that any change breaks).
        to: the value at which the set ranked first changes.
    """

    criterion: Criterion = attrs.field(validator=check.member_of(Criterion))
    relative: Fraction
    to: Fraction


@attrs.frozen(kw_only=True)
class Stability:
    """How sure the first place of a ranking is, as the weights move one at a time.

    Attributes:
        pain_type: the ranking's pain type.
        weights: the ranking's weights.
        first: the ids ranked first (more than one for a shared first place).
        bounds: one interval per criterion, in criterion order.
        smallest_change: the smallest relative change of a single weight that changes the
            set ranked first, or ``None`` when no change of a single positive weight does.
    """

    pain_type: PainType
    weights: Weights
    first: tuple[str, ...] = attrs.field(
        converter=check.as_tuple, validator=check.tuple_of(str, "a modality id")
    )
    bounds: tuple[WeightInterval, ...] = attrs.field(
        converter=check.as_tuple, validator=check.tuple_of(WeightInterval, "an interval")
    )
    smallest_change: WeightChange | None = None

    @property
    def intervals(self) -> Mapping[Criterion, tuple[Fraction, Fraction | None]]:
        """Each criterion's ``(low, high)`` bounds; ``high`` is ``None`` when unbounded."""
        return MappingProxyType(
            {bound.criterion: (bound.low, bound.high) for bound in self.bounds}
        )

    def explain(self) -> str:
        """The stability in plain language, one line per weight."""
        if not self.first:
            return f"No option has scored evidence of benefit for {self.pain_type.label}."
        lead = (
            f"{self.first[0]} ranks first"
            if len(self.first) == 1
            else f"{', '.join(self.first)} share first place"
        )
        lines = [f"{lead} for {self.pain_type.label}."]
        lines += [f"- {bound.explain()}" for bound in self.bounds]
        change = self.smallest_change
        if change is None:
            lines.append("No change of a single positive weight changes the first place.")
        elif change.relative == 0:
            lines.append(
                f"Any change of the {change.criterion.value} weight breaks the shared first place."
            )
        else:
            lines.append(
                f"The smallest change: the {change.criterion.value} weight to "
                f"{_number(change.to)} ({_words.percent(change.relative)} of it)."
            )
        return "\n".join(lines)


def _number(value: Fraction) -> str:
    """An exact number as a short decimal when it is one, else the fraction and a decimal."""
    shown = f"{float(value):.4g}"
    return shown if Fraction(shown) == value else f"{value} (about {shown})"


def _exact_weights(weights: Weights) -> list[Fraction]:
    # Weights read each number exactly once, when made: that reading is the weight.
    return [Fraction(numerator, denominator) for numerator, denominator in weights._exact]


def _integer_rows(options: tuple[RankedOption, ...]) -> list[list[int]]:
    """Each option's raw criteria times one common denominator: exact integer rows."""
    raws = [[part.raw for part in option.score.contributions] for option in options]
    scale = math.lcm(*(raw.denominator for row in raws for raw in row))
    return [[raw.numerator * (scale // raw.denominator) for raw in row] for row in raws]


def stability(ranking: Ranking) -> Stability:
    """How far each weight of ``ranking`` may move before the set ranked first changes.

    For each criterion, the other weights fixed, each option's weighted total is a line in
    that weight; the set ranked first stays the same until the line of an option outside
    it meets theirs, and a shared first place whose members differ in that criterion
    breaks at any change. The bounds are exact (see ``docs/scoring.md``).

    Raises:
        ValidationError: if ``ranking`` is not a Ranking.
    """
    if not isinstance(ranking, Ranking):
        raise invalid("$.ranking", "a Ranking", ranking, "type")
    exact = _exact_weights(ranking.weights)
    options = ranking.options
    first = [index for index, option in enumerate(options) if option.rank == 1]
    if not options:
        bounds = tuple(
            WeightInterval(criterion=criterion, weight=weight, low=Fraction(0))
            for criterion, weight in zip(Criterion, exact, strict=True)
        )
        return Stability(
            pain_type=ranking.pain_type, weights=ranking.weights, first=(), bounds=bounds
        )
    rows = _integer_rows(options)
    denominator = math.lcm(*(weight.denominator for weight in exact))
    scaled = [weight.numerator * (denominator // weight.denominator) for weight in exact]
    bounds_found: list[WeightInterval] = []
    changes: list[WeightChange] = []
    for index, criterion in enumerate(Criterion):
        now = exact[index]
        crossing = _crossings(rows, scaled, index, first)
        if crossing is None:  # a shared first place that any change breaks
            bounds_found.append(WeightInterval(criterion=criterion, weight=now, low=now, high=now))
            changes.append(WeightChange(criterion=criterion, relative=Fraction(0), to=now))
            continue
        below, above = (None if bound is None else bound / denominator for bound in crossing)
        bounds_found.append(
            WeightInterval(
                criterion=criterion,
                weight=now,
                low=Fraction(0) if below is None else below,
                high=above,
            )
        )
        if now == 0:  # a relative change of a zero weight is not defined
            continue
        candidates = [(abs(to - now) / now, to) for to in (below, above) if to is not None]
        if candidates:
            relative, to = min(candidates)
            changes.append(WeightChange(criterion=criterion, relative=relative, to=to))
    return Stability(
        pain_type=ranking.pain_type,
        weights=ranking.weights,
        first=tuple(options[index].modality.id for index in first),
        bounds=tuple(bounds_found),
        smallest_change=min(changes, key=lambda c: (c.relative, c.criterion.rank), default=None),
    )


def _crossings(
    rows: list[list[int]], weights: list[int], index: int, first: list[int]
) -> tuple[Fraction | None, Fraction | None] | None:
    """Where the set ``first`` stops being first as integer weight ``index`` moves.

    The nearest crossing at or above 0 below the weight (``None``: none, the weight may
    fall to 0) and the nearest above it (``None``: none); ``None`` for a shared first
    place whose members differ in this criterion, which any change breaks.
    """
    now = weights[index]
    slopes = {rows[member][index] for member in first}
    if len(slopes) > 1:
        return None
    leader = first[0]
    slope = rows[leader][index]
    total = sum(weight * raw for weight, raw in zip(weights, rows[leader], strict=True))
    below: Fraction | None = None
    above: Fraction | None = None
    members = set(first)
    for other, row in enumerate(rows):
        step = slope - row[index]
        if other in members or step == 0:
            continue
        gap = total - sum(weight * raw for weight, raw in zip(weights, row, strict=True))
        crossing = now - Fraction(gap, step)  # where the two lines meet
        if step > 0 and crossing >= 0 and (below is None or crossing > below):
            below = crossing
        elif step < 0 and (above is None or crossing < above):
            above = crossing
    return below, above


# -- acceptability ---------------------------------------------------------------------------

#: Weights are drawn on the grid of non-negative integers summing to this: fine enough
#: that a grid point's chance of an exact tie is negligible, small enough for fast sums.
SIMPLEX_GRID: Final = 1 << 30
#: The most samples one call may draw.
MAX_SAMPLES: Final = 10_000_000
#: The two-sided 95% normal quantile of the Wilson score interval.
_Z95: Final = 1.959963984540054


@attrs.frozen(kw_only=True)
class RankShare:
    """The share of weightings under which an option takes one rank, with a 95% interval.

    Attributes:
        rank: the rank (1 is first).
        share: the share, exact; an exact tie shares its ranks equally.
        low: the lower end of the 95% Wilson score interval.
        high: the upper end of the 95% Wilson score interval.
    """

    rank: int
    share: Fraction
    low: float
    high: float


@attrs.frozen(kw_only=True)
class OptionAcceptability:
    """One option's rank acceptability indices, one per rank.

    Attributes:
        modality_id: the option's modality id.
        name: its display name.
        shares: the share of each rank, rank 1 first; they sum to 1.
    """

    modality_id: str = attrs.field(validator=check.modality_id)
    name: str = attrs.field(validator=check.text)
    shares: tuple[RankShare, ...] = attrs.field(
        converter=check.as_tuple, validator=check.tuple_of(RankShare, "a rank share")
    )

    @property
    def first(self) -> Fraction:
        """The first-rank acceptability index."""
        return self.shares[0].share if self.shares else Fraction(0)


@attrs.frozen(kw_only=True)
class Acceptability:
    """Rank acceptability indices (SMAA-2) of a pain type's ranked options.

    Attributes:
        pain_type: the pain type.
        samples: how many weight vectors were drawn.
        seed: the seed of the draws.
        patient: the patient's constraints.
        policy: the scoring policy.
        options: each ranked option's indices, most often first first (then id).
    """

    pain_type: PainType
    samples: int
    seed: int
    patient: Patient = Patient()
    policy: ScoringPolicy = ScoringPolicy()
    options: tuple[OptionAcceptability, ...] = attrs.field(
        default=(),
        converter=check.as_tuple,
        validator=check.tuple_of(OptionAcceptability, "an option's acceptability"),
    )

    @property
    def first_rank(self) -> Mapping[str, Fraction]:
        """Each modality id's first-rank share."""
        return MappingProxyType({option.modality_id: option.first for option in self.options})

    def explain(self) -> str:
        """``Exercise therapy ranks first under 71% of weightings``, one line per option."""
        if not self.options:
            return f"No option has scored evidence of benefit for {self.pain_type.label}."
        lines = [
            f"Rank acceptability for {self.pain_type.label} "
            f"({self.samples} weightings drawn uniformly, seed {self.seed}):"
        ]
        lines += [f"- {_words.first_under(option.name, option.first)}" for option in self.options]
        return "\n".join(lines)


def _wilson(share: Fraction, samples: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a share observed in ``samples`` draws."""
    p, z2 = float(share), _Z95 * _Z95
    scale = 1 + z2 / samples
    center = (p + z2 / (2 * samples)) / scale
    half = _Z95 * math.sqrt(p * (1 - p) / samples + z2 / (4 * samples * samples)) / scale
    # The interval always holds the share itself (rounding may not, at 0 and 1).
    return max(0.0, min(p, center - half)), min(1.0, max(p, center + half))


def _draw(rng: random.Random) -> tuple[int, int, int, int]:
    """Weights drawn uniformly from the integer grid of the simplex (stars and bars).

    Three distinct bars among ``SIMPLEX_GRID + 3`` places, chosen uniformly, split the
    grid into four non-negative parts; every split is equally likely.
    """
    places = SIMPLEX_GRID + 3
    while True:
        a, b, c = rng.randrange(places), rng.randrange(places), rng.randrange(places)
        if len({a, b, c}) == 3:
            break
    a, b, c = sorted((a, b, c))
    return a, b - a - 1, c - b - 1, places - 1 - c


def _patterns(
    rows: list[tuple[int, ...]], samples: int, seed: int
) -> Counter[tuple[tuple[int, ...], ...]]:
    """How often each order of the distinct ``rows`` (ties grouped) comes out of the draws."""
    rng = random.Random(seed)  # noqa: S311 (reproducible draws, not secrets)
    count: Counter[tuple[tuple[int, ...], ...]] = Counter()
    size = len(rows)
    singles = tuple((index,) for index in range(size))
    for _ in range(samples):
        w0, w1, w2, w3 = _draw(rng)
        totals = [w0 * r0 + w1 * r1 + w2 * r2 + w3 * r3 for r0, r1, r2, r3 in rows]
        order = sorted(range(size), key=totals.__getitem__, reverse=True)
        if len(set(totals)) == size:
            count[tuple(singles[index] for index in order)] += 1
            continue
        groups: list[list[int]] = []
        for position, index in enumerate(order):
            if position and totals[index] == totals[order[position - 1]]:
                groups[-1].append(index)
            else:
                groups.append([index])
        count[tuple(tuple(sorted(group)) for group in groups)] += 1
    return count


def acceptability(
    pain_type: PainType | str,
    *,
    samples: int = 10_000,
    seed: int = 0,
    catalog: Catalog | None = None,
    patient: Patient | None = None,
    policy: ScoringPolicy | None = None,
) -> Acceptability:
    """Rank acceptability indices of the options ranked for ``pain_type`` (SMAA-2).

    Draws ``samples`` weight vectors uniformly from the simplex (on an integer grid, from
    ``random.Random(seed)``), ranks the options under each with exact integer totals,
    and counts each option's ranks; an exact tie shares its ranks equally. The options
    are those :func:`~painmodalities.rank` ranks (their evidence gate does not depend on
    the weights).

    Raises:
        ValidationError: for a malformed argument, ``samples`` outside 1 to
            ``MAX_SAMPLES`` or a ``seed`` that is not a whole number.
    """
    if type(samples) is not int or not 1 <= samples <= MAX_SAMPLES:
        raise invalid("$.samples", f"a whole number from 1 to {MAX_SAMPLES}", samples, "range")
    if type(seed) is not int:
        raise invalid("$.seed", "a whole number", seed, "type")
    ranking = rank(pain_type, catalog=catalog, patient=patient, policy=policy)
    options = ranking.options
    rows = [tuple(row) for row in _integer_rows(options)] if options else []
    distinct = sorted(set(rows))
    members: dict[int, list[int]] = {}
    for option_index, row in enumerate(rows):
        members.setdefault(distinct.index(row), []).append(option_index)
    size = len(options)
    unit = math.lcm(*range(1, size + 1)) if size else 1
    counts = [[0] * size for _ in range(size)]
    for pattern, times in _patterns(distinct, samples, seed).items() if size else ():
        position = 0
        for group in pattern:
            tied = [member for row in group for member in members[row]]
            part = times * (unit // len(tied))
            for member in tied:
                for place in range(position, position + len(tied)):
                    counts[member][place] += part
            position += len(tied)
    whole = unit * samples
    found = []
    for entry, row_counts in zip(options, counts, strict=True):
        shares = []
        for place, amount in enumerate(row_counts):
            share = Fraction(amount, whole)
            low, high = _wilson(share, samples)
            shares.append(RankShare(rank=place + 1, share=share, low=low, high=high))
        found.append(
            OptionAcceptability(
                modality_id=entry.modality.id, name=entry.modality.name, shares=tuple(shares)
            )
        )
    found.sort(key=lambda item: ([-share.share for share in item.shares], item.modality_id))
    return Acceptability(
        pain_type=ranking.pain_type,
        samples=samples,
        seed=seed,
        patient=ranking.patient,
        policy=ranking.policy,
        options=tuple(found),
    )
