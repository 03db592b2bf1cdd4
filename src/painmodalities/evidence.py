"""Evidence records: sources, pain types, findings, recommendations and assessments.

A :class:`Finding` is one graded result of a modality against a control group, for one
pain type, outcome and time horizon, citing the :class:`Source` it comes from; its
:class:`Statistic` holds the figures behind the grade where the text read gave them. A
:class:`Recommendation` is what a guideline body says, in its own verb; an
:class:`Assessment` is what a guideline asks before treating. Both are shown to users,
never scored.

>>> pain = PainType(Condition.LOW_BACK, Phase.CHRONIC)
>>> finding = Finding(
...     pain_type=pain,
...     outcome=Outcome.FUNCTION,
...     horizon=Horizon.LONG,
...     effect=Effect.MODERATE,
...     certainty=Certainty.LOW,
...     source="jenkins-2025",
... )
>>> finding.shows_benefit
True
"""

import functools
from decimal import Decimal
from typing import Final

import attrs

from painmodalities import _rules as check
from painmodalities._record import Record
from painmodalities.errors import Problem, ValidationError
from painmodalities.vocabulary import (
    CHRONIC_BY_DEFINITION,
    AssessmentKind,
    Certainty,
    Comparator,
    Condition,
    Direction,
    Effect,
    Horizon,
    Measure,
    Outcome,
    Phase,
    Strength,
)

__all__ = ["Assessment", "Finding", "PainType", "Recommendation", "Source", "Statistic"]

#: How many studies or participants a statistic may count at most (a sanity bound).
MAX_COUNT: Final = 10_000_000


@attrs.frozen(repr=False, kw_only=True, order=False, eq=False)
class Source(Record):
    """A guideline, review, trial or article that findings and recommendations cite.

    Attributes:
        key: stable citation key, such as ``cochrane-massage-2015``.
        title: full title with authors where the dossier gives them.
        year: year of publication, if known.
        url: a URL or DOI, if known.
        kind: what sort of source it is (``systematic review``, ``guideline``, ...).
        publisher: the journal or body that published it.
        read_confidence: how confidently the dossier's authors read it.
    """

    key: str = attrs.field(validator=check.source_key)
    title: str = attrs.field(validator=check.text)
    year: int | None = attrs.field(
        default=None, validator=check.optional_int_in(check.MIN_YEAR, check.MAX_YEAR)
    )
    url: str = attrs.field(default="", validator=check.any_text)
    kind: str = attrs.field(default="", validator=check.any_text)
    publisher: str = attrs.field(default="", validator=check.any_text)
    read_confidence: str = attrs.field(default="", validator=check.any_text)


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Statistic(Record):
    """The figures behind a finding's grade, exactly as the source printed them.

    Every figure is optional: ``None`` means "not reported in the text read", never zero.
    Decimals are exact (:class:`decimal.Decimal`, written in JSON as the string the source
    printed, such as ``"-10.2"``), and signs are the source's: a negative mean difference
    usually means less pain or less disability. Figures are shown beside a finding; they
    never change a score.

    Attributes:
        measure: what kind of number the estimate is (standardised or mean difference, or
            another measure), or ``None`` when the text gave only counts.
        scale: the instrument and its range for a mean difference (``"0-100"``), or empty.
        estimate: the point estimate.
        ci_low: the lower end of its 95% confidence interval.
        ci_high: the upper end of its 95% confidence interval.
        studies: how many studies were pooled.
        participants: how many participants they had.
        locator: where in the source the figures were read, when that differs from the
            finding's own note.

    >>> Statistic(
    ...     measure="md",
    ...     scale="0-100",
    ...     estimate=Decimal("-10.2"),
    ...     ci_low=Decimal("-17.5"),
    ...     ci_high=Decimal("-2.9"),
    ... ).interval
    (Decimal('-17.5'), Decimal('-2.9'))
    """

    measure: Measure | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(check.to_measure),
        validator=check.optional_member_of(Measure),
    )
    scale: str = attrs.field(default="", validator=check.any_text)
    estimate: Decimal | None = attrs.field(default=None, validator=check.optional_decimal)
    ci_low: Decimal | None = attrs.field(default=None, validator=check.optional_decimal)
    ci_high: Decimal | None = attrs.field(default=None, validator=check.optional_decimal)
    studies: int | None = attrs.field(default=None, validator=check.optional_int_in(1, MAX_COUNT))
    participants: int | None = attrs.field(
        default=None, validator=check.optional_int_in(1, MAX_COUNT)
    )
    locator: str = attrs.field(default="", validator=check.any_text)

    def __attrs_post_init__(self) -> None:
        problem = self._problem()
        if problem is not None:
            raise ValidationError(problem)

    def _problem(self) -> Problem | None:
        """What makes the figures inconsistent with each other, if anything."""
        if self.estimate is not None and self.measure is None:
            return Problem("$.measure", "a measure for the estimate", None, "required")
        if (self.ci_low is None) != (self.ci_high is None):
            missing = "$.ci_high" if self.ci_high is None else "$.ci_low"
            return Problem(missing, "both ends of the interval, or neither", None, "interval")
        if self.ci_low is not None and self.ci_high is not None:
            if self.estimate is None:
                return Problem("$.estimate", "an estimate for the interval", None, "required")
            if not self.ci_low <= self.estimate <= self.ci_high:
                return Problem(
                    "$.estimate",
                    f"an estimate inside its interval {self.ci_low} to {self.ci_high}",
                    str(self.estimate),
                    "interval",
                )
        if all(figure is None for figure in (self.estimate, self.studies, self.participants)):
            return Problem("$", "at least one figure (an estimate or a count)", None, "empty")
        return None

    @property
    def interval(self) -> tuple[Decimal, Decimal] | None:
        """The 95% confidence interval, or ``None`` when the text read gave none."""
        if self.ci_low is None or self.ci_high is None:
            return None
        return (self.ci_low, self.ci_high)


#: What a pain type argument may be, as error messages say it.
PAIN_TYPE_EXPECTED: Final = 'a PainType or "condition:phase" such as "low_back:chronic"'


@attrs.frozen(repr=False, order=True, cache_hash=True)
class PainType(Record):
    """A pain condition in a phase: the unit evidence and ranking are about.

    Each field takes the member or its exact value (``PainType("low_back", "chronic")``),
    and everywhere the library takes a pain type it also takes its text
    ``"condition:phase"`` (:meth:`coerce`).

    >>> PainType.parse("low_back:chronic")
    PainType(condition=<Condition.LOW_BACK: 'low_back'>, phase=<Phase.CHRONIC: 'chronic'>)
    >>> PainType.coerce("low_back:chronic") == PainType("low_back", "chronic")
    True

    A condition chronic by definition (:data:`~painmodalities.vocabulary.CHRONIC_BY_DEFINITION`)
    is read as chronic by :meth:`coerce`, the one way every entry point reads a pain type:

    >>> str(PainType.coerce("knee_osteoarthritis:acute"))
    'knee_osteoarthritis:chronic'
    """

    condition: Condition = attrs.field(
        converter=check.to_condition, validator=check.member_of(Condition)
    )
    phase: Phase = attrs.field(converter=check.to_phase, validator=check.member_of(Phase))

    @classmethod
    def parse(cls, text: str) -> "PainType":
        """Read ``"condition:phase"`` (as printed by :meth:`__str__`).

        Problems are at paths inside the text: ``$`` for the whole, ``$.condition`` and
        ``$.phase`` for its parts.

        Raises:
            ValidationError: for an unknown condition or phase, or a malformed string.
        """
        condition, sep, phase = text.partition(":") if type(text) is str else ("", "", "")
        if not sep:
            raise ValidationError(check.ArgumentProblem("$", PAIN_TYPE_EXPECTED, text, "pattern"))
        conditions, phases = check.member_of(Condition), check.member_of(Phase)
        found_condition, found_phase = conditions.parse(condition), phases.parse(phase)
        if found_condition is None:
            raise ValidationError(
                check.ArgumentProblem("$.condition", conditions.expected, condition, "enum")
            )
        if found_phase is None:
            raise ValidationError(check.ArgumentProblem("$.phase", phases.expected, phase, "enum"))
        return cls(found_condition, found_phase)

    @classmethod
    def coerce(
        cls, value: "PainType | str", path: str = "$.pain_type", *, treated: bool = True
    ) -> "PainType":
        """``value`` as a pain type: a :class:`PainType` as it is, or its text parsed.

        The one way every function of the library that takes a pain type reads it, so
        ``"low_back:chronic"`` gives exactly what ``PainType.parse("low_back:chronic")``
        gives, wherever it is passed; and the one place the dossier's rule is applied: a
        condition chronic by definition is read as chronic whatever the phase given
        (:attr:`as_treated`).

        Args:
            value: a :class:`PainType`, or its text ``"condition:phase"``.
            path: where the argument is, for the error of a value that is neither.
            treated: ``False`` reads the pain type as written, without the rule: how a
                lookup of the data itself (:meth:`Modality.findings_for`) reads it.

        Raises:
            ValidationError: for anything else (at ``path``), or a text that does not
                parse (at the paths of :meth:`parse`); never an empty answer.
        """
        if isinstance(value, PainType):
            return value.as_treated if treated else value
        if type(value) is str:
            found = _parsed(value)
            return found.as_treated if treated else found
        raise ValidationError(check.ArgumentProblem(path, PAIN_TYPE_EXPECTED, value, "type"))

    def __str__(self) -> str:
        return f"{self.condition.value}:{self.phase.value}"

    @property
    def chronic_by_definition(self) -> bool:
        """Whether the condition is chronic by definition (knee or hip OA, fibromyalgia).

        The evidence covers only the chronic phase of these conditions.
        """
        return self.condition in CHRONIC_BY_DEFINITION

    @property
    def as_treated(self) -> "PainType":
        """The pain type the evidence is read for (what :meth:`coerce` returns).

        Chronic for a condition chronic by definition, whatever the phase given; any other
        pain type as it is.
        """
        if self.phase is Phase.CHRONIC or self.condition not in CHRONIC_BY_DEFINITION:
            return self
        return shared_pain_type(self.condition, Phase.CHRONIC)

    @property
    def definition_note(self) -> str:
        """Why the phase is chronic when the condition says so; empty for other conditions.

        ``knee osteoarthritis is chronic by definition: ranked as chronic``.
        """
        from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

        return _words.chronic_by_definition(self.condition) if self.chronic_by_definition else ""

    @property
    def label(self) -> str:
        """Plain words, such as ``chronic low back pain``."""
        from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

        return _words.pain_type(self.condition, self.phase)


@functools.lru_cache(maxsize=64)
def shared_pain_type(condition: Condition, phase: Phase) -> PainType:
    """``PainType(condition, phase)``, one instance per pain type (a catalog repeats them)."""
    return PainType(condition, phase)


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> PainType:
    """``PainType.parse(text)``, kept: only valid texts are kept, at most one per pain type."""
    return PainType.parse(text)


def _to_pain_type(value: PainType | str) -> PainType:
    """A pain type field's converter: :meth:`PainType.coerce`, its problems at the field.

    A text that does not parse has its problems under ``$.pain_type`` (``$.pain_type.phase``).
    """
    if type(value) is PainType:
        return value
    if type(value) is not str:
        return PainType.coerce(value)
    try:
        return _parsed(value)  # a record's data as written: never read as chronic here
    except ValidationError as error:
        raise error.at("$.pain_type") from None


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Finding(Record):
    """One graded result of a modality against a control group.

    Attributes:
        pain_type: the condition and phase the study population had.
        outcome: what was measured (function or pain).
        horizon: when, after the course ended.
        effect: how large the effect was (``none`` = not statistically significant).
        certainty: how much confidence the evidence allows (GRADE).
        comparator: what the modality was compared with: ``inactive`` (the default: usual
            care, placebo, sham, waitlist or no treatment) or ``mixed`` (the comparison groups
            include active treatments too, so the finding does not isolate the modality's own
            effect and is not scored under the default policy).
        source: the key of the :class:`Source` it comes from.
        note: where in the source, and how the row was graded.
        component: for a composite modality (a physical therapy programme), the id of the
            component the finding came from; ``None`` for a modality's own findings.
        statistic: the source's figures behind the grade, or ``None`` when the text read
            reported none (never a zero effect).
    """

    pain_type: PainType = attrs.field(
        converter=_to_pain_type, validator=check.instance_of(PainType, "a pain type")
    )
    outcome: Outcome = attrs.field(converter=check.to_outcome, validator=check.member_of(Outcome))
    horizon: Horizon = attrs.field(converter=check.to_horizon, validator=check.member_of(Horizon))
    effect: Effect = attrs.field(converter=check.to_effect, validator=check.member_of(Effect))
    certainty: Certainty = attrs.field(
        converter=check.to_certainty, validator=check.member_of(Certainty)
    )
    comparator: Comparator = attrs.field(
        default=Comparator.INACTIVE,
        converter=check.to_comparator,
        validator=check.member_of(Comparator),
    )
    source: str = attrs.field(validator=check.source_key)
    note: str = attrs.field(default="", validator=check.any_text)
    component: str | None = attrs.field(default=None, validator=check.optional_modality_id)
    statistic: Statistic | None = attrs.field(
        default=None, validator=check.optional(check.instance_of(Statistic, "a statistic"))
    )

    @property
    def shows_benefit(self) -> bool:
        """Whether the finding shows benefit: an effect above none, certainty above insufficient.

        An insufficient finding allows no conclusion, whatever its effect.
        """
        return self.effect > Effect.NONE and self.certainty > Certainty.INSUFFICIENT

    @property
    def key(self) -> tuple[PainType, Outcome, Horizon, str, str | None]:
        """What makes a finding unique within a modality."""
        return (self.pain_type, self.outcome, self.horizon, self.source, self.component)


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Recommendation(Record):
    """What a guideline body recommends about a modality, for a scope of pain types.

    ``condition`` or ``phase`` of ``None`` means "any" (the dossier's ``*``).
    Recommendations are shown to users and carried in the catalog, said with the
    guideline's own ``verb`` ("consider", "may be offered", "do not offer"); they do not
    feed the score.

    Attributes:
        condition: the condition it covers, or ``None`` for any.
        phase: the phase it covers, or ``None`` for any.
        direction: for, against, or only as part of a package with exercise.
        strength: strong or weak (conditional).
        certainty: the certainty the body gives, if it gives one.
        source: the key of the guideline's :class:`Source`.
        note: the recommendation's number or wording.
        verb: the guideline's own verb phrase, such as ``consider`` or ``do not offer``;
            empty when the data gives none (then it is said by direction and strength).
        read_from: ``primary`` when the guideline's own text was read, else the secondary
            copy it was read through; empty when not recorded.
        topic: what the guideline spoke of when it is broader than the modality carrying
            the recommendation (``massage``: a recommendation about massage in general,
            carried by every technique); empty when it spoke of the modality itself.
    """

    condition: Condition | None = attrs.field(
        converter=attrs.converters.optional(check.to_condition),
        validator=check.optional_member_of(Condition),
    )
    phase: Phase | None = attrs.field(
        converter=attrs.converters.optional(check.to_phase),
        validator=check.optional_member_of(Phase),
    )
    direction: Direction = attrs.field(
        converter=check.to_direction, validator=check.member_of(Direction)
    )
    strength: Strength = attrs.field(
        converter=check.to_strength, validator=check.member_of(Strength)
    )
    certainty: Certainty | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(check.to_certainty),
        validator=check.optional_member_of(Certainty),
    )
    source: str = attrs.field(validator=check.source_key)
    note: str = attrs.field(default="", validator=check.any_text)
    verb: str = attrs.field(default="", validator=check.any_text)
    read_from: str = attrs.field(default="", validator=check.any_text)
    topic: str = attrs.field(default="", validator=check.any_text)

    def applies_to(self, pain_type: PainType | str) -> bool:
        """Whether this recommendation covers ``pain_type`` (a pain type or its text)."""
        if type(pain_type) is not PainType:
            pain_type = PainType.coerce(pain_type)
        return (self.condition is None or self.condition is pain_type.condition) and (
            self.phase is None or self.phase is pain_type.phase
        )


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Assessment(Record):
    """What a guideline asks a clinician to do before choosing a treatment.

    Thinking about alternative diagnoses, stratifying risk, not imaging routinely, telling
    the patient the natural course: shown before the options of a ranking or a plan for
    the condition, never scored.

    Attributes:
        condition: the condition it concerns.
        phase: the phase it concerns, or ``None`` for any.
        kind: what sort of assessment it is.
        direction: ``for`` (do it) or ``against`` (do not, such as routine imaging).
        verb: the guideline's own verb phrase, such as ``think about``.
        source: the key of the guideline's :class:`Source`.
        locator: the recommendation's number or where it was read.
        note: what to do, in the guideline's words.
        read_from: ``primary`` when the guideline's own text was read, else the copy.

    >>> Assessment(
    ...     condition="low_back",
    ...     kind="imaging",
    ...     direction="against",
    ...     verb="do not routinely offer",
    ...     source="nice-ng59",
    ...     note="do not routinely offer imaging",
    ... ).applies_to("low_back:acute")
    True
    """

    condition: Condition = attrs.field(
        converter=check.to_condition, validator=check.member_of(Condition)
    )
    phase: Phase | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(check.to_phase),
        validator=check.optional_member_of(Phase),
    )
    kind: AssessmentKind = attrs.field(
        converter=check.to_assessment_kind, validator=check.member_of(AssessmentKind)
    )
    direction: Direction = attrs.field(
        converter=check.to_direction, validator=check.member_of(Direction)
    )
    verb: str = attrs.field(validator=check.text)
    source: str = attrs.field(validator=check.source_key)
    locator: str = attrs.field(default="", validator=check.any_text)
    note: str = attrs.field(validator=check.text)
    read_from: str = attrs.field(default="", validator=check.any_text)

    def applies_to(self, pain_type: PainType | str) -> bool:
        """Whether this assessment concerns ``pain_type`` (a pain type or its text)."""
        if type(pain_type) is not PainType:
            pain_type = PainType.coerce(pain_type)
        return self.condition is pain_type.condition and (
            self.phase is None or self.phase is pain_type.phase
        )
