"""How sure a ranking is: how far its weights may move (stability), and rank acceptability.

- :func:`stability`: how far each weight may move, the others fixed, before the set of
  options ranked first changes. Each total is linear in each weight, so the bounds are
  exact (:class:`fractions.Fraction`), computed without sampling.
- :func:`acceptability`: the SMAA-2 rank acceptability indices (Lahdelma and Salminen
  2001): for each option and rank, the share of weight vectors drawn uniformly from the
  simplex under which the option takes that rank. Draws come from ``random.Random(seed)``
  and integer arithmetic only, so the same seed gives the same result on every machine.

>>> from painmodalities import Criterion, rank
>>> found = stability(rank("neck:chronic"))
>>> found.first
('physical_therapy.programme',)
>>> found.smallest_change.criterion is Criterion.PAIN
True
"""

import math
import random
from collections import Counter
from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Final

import attrs

from painmodalities import _rules as check
from painmodalities import _words
from painmodalities.catalog import Catalog
from painmodalities.errors import invalid
from painmodalities.evidence import PainType
from painmodalities.ranking import Patient, RankedOption, Ranking, rank
from painmodalities.scoring import ScoringPolicy, Weights
from painmodalities.vocabulary import Criterion

__all__ = [
    "Acceptability",
    "OptionAcceptability",
    "RankShare",
    "Stability",
    "WeightChange",
    "WeightInterval",
    "acceptability",
    "stability",
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
