"""Ranking a catalog for one patient's pain type, best option for long-term function first.

:func:`rank` scores every modality, removes what the patient's constraints rule out (with
every reason, not just the first), and orders the rest by a total, deterministic key:

1. options whose evidence gate is open (a scored finding shows benefit) come first;
2. then the higher score;
3. then active before passive;
4. then the id, alphabetically.

Each modality's place depends only on its own evidence, never on the other candidates, so
adding or removing an option never reorders the rest.

>>> from painmodalities import PainType, Precaution
>>> ranking = rank(PainType.parse("low_back:chronic"))
>>> [option.modality.id for option in ranking.top(3)]
['exercise.therapeutic', 'physical_therapy.programme', 'psychological.mindfulness']
>>> patient = Patient(precautions=frozenset({Precaution.BLOOD_CLOT}))
>>> [excluded.modality.id for excluded in rank("low_back:chronic", patient=patient).excluded][:2]
['massage.swedish', 'massage.deep_tissue']
"""

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final, TypeVar, overload

import attrs

from painmodalities import _rank_cache, _words
from painmodalities import _rules as check
from painmodalities._builtin import default_catalog
from painmodalities._record import Record
from painmodalities.catalog import Catalog
from painmodalities.errors import (
    NotRankedError,
    OptionIndexError,
    Problem,
    UnknownModalityError,
    ValidationError,
)
from painmodalities.evidence import Assessment, Finding, PainType, Recommendation
from painmodalities.modalities import Modality, PhysicalTherapy
from painmodalities.scoring import (
    Score,
    ScoringPolicy,
    Weights,
    score,
)
from painmodalities.vocabulary import Direction, Horizon, Outcome, Precaution, RankedEnum

__all__ = [
    "Entry",
    "Exclusion",
    "ExclusionReason",
    "Omission",
    "Patient",
    "RankedOption",
    "Ranking",
    "Reason",
    "UnrankedOption",
    "check_ranking",
    "rank",
    "rank_many",
]

T = TypeVar("T")


def _optional_frozenset(value: object) -> object:
    return None if value is None else check.as_frozenset(value)


@attrs.frozen(repr=False, kw_only=True, cache_hash=True)
class Patient(Record):
    """What rules options out for one patient.

    Attributes:
        precautions: the patient's circumstances; a modality with any of them as a
            precaution is excluded.
        covered: the ids of the modalities the patient's insurance pays for; when given,
            every other modality is excluded. ``None`` means coverage is not a constraint.
        max_session_minutes: the longest session the patient can attend; a modality with
            longer sessions is excluded (one whose length is unknown is kept).
        exclude: ids the patient or clinician rules out explicitly.
    """

    precautions: frozenset[Precaution] = attrs.field(
        default=frozenset(),
        converter=check.to_precautions,
        validator=check.frozenset_of(Precaution),
    )
    covered: frozenset[str] | None = attrs.field(
        default=None, converter=_optional_frozenset, validator=check.optional_frozenset_of_ids
    )
    max_session_minutes: int | None = attrs.field(
        default=None, validator=check.optional_int_in(1, check.MAX_SESSION_MINUTES)
    )
    exclude: frozenset[str] = attrs.field(
        default=frozenset(), converter=check.as_frozenset, validator=check.frozenset_of_ids
    )

    def rules_out(self, modality: Modality) -> bool:
        """Whether this patient's constraints rule ``modality`` out (a cheap test)."""
        return any(rule.applies(self, modality) for rule in _EXCLUSION_RULES)

    def reasons_against(self, modality: Modality) -> tuple["Reason", ...]:
        """Every reason this patient's constraints rule ``modality`` out (empty if none)."""
        return tuple(
            _reason(rule.code, detail)
            for rule in _EXCLUSION_RULES
            if rule.applies(self, modality)
            for detail in rule.details(self, modality)
        )


class ExclusionReason(RankedEnum):
    """Why a modality is ruled out for a patient."""

    EXCLUDED = "excluded"
    PRECAUTION = "precaution"
    NOT_COVERED = "not_covered"
    SESSION_TOO_LONG = "session_too_long"
    COMPONENT_RULED_OUT = "component_ruled_out"
    """Every component of a programme, or every active one, is ruled out (one reason per
    component, and when only passive ones are left, that it is not an exercise-led
    programme)."""
    GUIDELINE_AGAINST = "guideline_against"
    """An in-scope guideline recommends against it (only with ``exclude_against``)."""


def _to_reason_code(value: ExclusionReason | str) -> ExclusionReason:
    """:attr:`Reason.code`'s converter: the member, or its value (``"precaution"``)."""
    return check.member_of(ExclusionReason).convert(value)


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Reason(Record):
    """One reason a modality was ruled out.

    Attributes:
        code: the kind of reason.
        detail: the reason in plain words.
    """

    code: ExclusionReason = attrs.field(
        converter=_to_reason_code, validator=check.member_of(ExclusionReason)
    )
    detail: str = attrs.field(validator=check.text)


@functools.lru_cache(maxsize=4096)
def _reason(code: ExclusionReason, detail: str) -> Reason:
    """A :class:`Reason`, built once per distinct reason: they are immutable, so shared."""
    return Reason(code=code, detail=detail)


class _ExclusionRule:
    """One way a patient's constraints rule a modality out.

    ``applies`` is the cheap test; ``details`` words the reasons when it applies. (The
    private values of this module are plain slotted classes: a ``NamedTuple`` compiles
    code of its own on every import.)
    """

    __slots__ = ("applies", "code", "details")

    def __init__(
        self,
        code: ExclusionReason,
        applies: Callable[[Patient, Modality], bool],
        details: Callable[[Patient, Modality], Iterable[str]],
    ) -> None:
        self.code = code
        self.applies = applies
        self.details = details


def _too_long(patient: Patient, modality: Modality) -> bool:
    limit, minutes = patient.max_session_minutes, modality.session_minutes
    return limit is not None and minutes is not None and minutes > limit


#: The exclusion rules, in the order their reasons are given: the one statement of them,
#: read by Patient.rules_out and Patient.reasons_against.
_EXCLUSION_RULES: Final = (
    _ExclusionRule(
        ExclusionReason.EXCLUDED,
        lambda patient, modality: modality.id in patient.exclude,
        lambda _patient, _modality: ("excluded on request",),
    ),
    _ExclusionRule(
        ExclusionReason.PRECAUTION,
        lambda patient, modality: not patient.precautions.isdisjoint(modality.precautions),
        lambda patient, modality: (
            f"precaution: {_words.word(precaution)}"
            + (f" ({modality.precautions_source})" if modality.precautions_source else "")
            for precaution in sorted(patient.precautions & modality.precautions)
        ),
    ),
    _ExclusionRule(
        ExclusionReason.NOT_COVERED,
        lambda patient, modality: (
            patient.covered is not None and modality.id not in patient.covered
        ),
        lambda _patient, _modality: ("not covered by insurance",),
    ),
    _ExclusionRule(
        ExclusionReason.SESSION_TOO_LONG,
        _too_long,
        lambda patient, modality: (
            f"sessions of {modality.session_minutes} minutes exceed the "
            f"patient's {patient.max_session_minutes}",
        ),
    ),
)


# -- what a patient's constraints and the policy do to programmes and guidelines ---------

#: The exclusion rules that follow a component into its programme: the patient's own
#: precautions and explicit exclusions (coverage and session length are the programme's own).
_COMPONENT_CODES: Final = frozenset({ExclusionReason.EXCLUDED, ExclusionReason.PRECAUTION})


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Omission(Record):
    """A programme component the patient's constraints rule out: the programme goes without it.

    None of the component's findings is scored or shown for the programme, so the patient is
    never steered to a programme by evidence from a part of it they must not have.

    Attributes:
        component: the id of the component left out.
        name: the component's display name.
        reasons: why the patient's constraints rule it out.
    """

    component: str = attrs.field(validator=check.modality_id)
    name: str = attrs.field(validator=check.text)
    reasons: tuple[Reason, ...] = attrs.field(
        converter=check.as_tuple, validator=check.tuple_of(Reason, "a reason")
    )

    def explain(self) -> str:
        """``without structural massage (precaution: blood clot)``."""
        why = "; ".join(reason.detail for reason in self.reasons)
        return f"without {_words.in_sentence(self.name)} ({why})"


def omissions(
    patient: Patient, modality: Modality, modalities: Mapping[str, Modality]
) -> tuple[Omission, ...]:
    """The components of programme ``modality`` that ``patient`` may not have.

    ``modalities`` maps ids to the catalog's modalities. Empty for anything but a programme.
    """
    if not isinstance(modality, PhysicalTherapy):
        return ()
    found: list[Omission] = []
    for component in modality.components:
        part = modalities.get(component)
        if part is None or not patient.rules_out(part):
            continue
        reasons = tuple(
            reason for reason in patient.reasons_against(part) if reason.code in _COMPONENT_CODES
        )
        if reasons:
            found.append(Omission(component=component, name=part.name, reasons=reasons))
    return tuple(found)


def _active_components_gone(
    modality: Modality, omitted: tuple[Omission, ...], modalities: Mapping[str, Modality]
) -> bool:
    """Whether programme ``modality`` is left without every component, or every active one.

    A programme is active because of its exercise: once its active components are ruled out,
    what is left is not an exercise-led programme (evidence README, "Known gaps").
    """
    if not isinstance(modality, PhysicalTherapy) or not omitted:
        return False
    gone = _rank_cache.left_out(omitted)
    kept = [component for component in modality.components if component not in gone]
    return not kept or (
        modality.is_active
        and not any(
            (part := modalities.get(component)) is not None and part.is_active
            for component in kept
        )
    )


def _patient_reasons(
    patient: Patient,
    modality: Modality,
    omitted: tuple[Omission, ...],
    modalities: Mapping[str, Modality],
) -> tuple[Reason, ...]:
    """The patient's own reasons against ``modality``, and its components' when needed.

    A programme with no active component left is not offered as an exercise-led one.
    """
    reasons = patient.reasons_against(modality) if patient.rules_out(modality) else ()
    if _active_components_gone(modality, omitted, modalities):
        reasons += tuple(
            _reason(
                ExclusionReason.COMPONENT_RULED_OUT,
                f"{_words.in_sentence(omission.name)}: {reason.detail}",
            )
            for omission in omitted
            for reason in omission.reasons
        )
        if isinstance(modality, PhysicalTherapy) and len(omitted) < len(modality.components):
            reasons += (_reason(ExclusionReason.COMPONENT_RULED_OUT, _words.NOT_EXERCISE_LED),)
    return reasons


def _guideline_reasons(
    modality: Modality, pain_type: PainType, policy: ScoringPolicy
) -> tuple[Reason, ...]:
    """With ``policy.exclude_against``, one reason per in-scope recommendation against it."""
    if not policy.exclude_against:
        return ()
    return tuple(
        _reason(ExclusionReason.GUIDELINE_AGAINST, _words.guidance(advice, modality.name))
        for advice in modality.recommendations_for(pain_type)
        if advice.direction is Direction.AGAINST
    )


def exclusion_reasons(
    patient: Patient,
    modality: Modality,
    modalities: Mapping[str, Modality],
    pain_type: PainType,
    policy: ScoringPolicy,
) -> tuple[Reason, ...]:
    """Every reason ``modality`` is ruled out for ``patient`` (empty if it is not).

    The patient's constraints first (a programme all of whose components are ruled out
    gives each component's reasons), then, with ``policy.exclude_against``, each in-scope
    guideline recommendation against it.
    """
    omitted = omissions(patient, modality, modalities)
    return _patient_reasons(patient, modality, omitted, modalities) + _guideline_reasons(
        modality, pain_type, policy
    )


# -- the entries of a ranking ------------------------------------------------------------


class _Guided(Record):
    """What every entry of a ranking shares: its modality and the guidelines in scope."""

    __slots__ = ()
    modality: Modality
    recommendations: tuple[Recommendation, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        """Each in-scope recommendation against the modality, as a sentence."""
        return tuple(
            _words.guidance(advice, self.modality.name)
            for advice in self.recommendations
            if advice.direction is Direction.AGAINST
        )

    @property
    def guidance(self) -> tuple[str, ...]:
        """Every in-scope recommendation as a sentence, those against it first."""
        return tuple(
            _words.guidance(advice, self.modality.name)
            for advice in sorted(self.recommendations, key=_direction)
        )

    def _guidance_text(self) -> str:
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


def _excluded_error(exclusion: Exclusion) -> NotRankedError:
    why = "; ".join(reason.detail for reason in exclusion.reasons)
    modality_id = exclusion.modality.id
    return NotRankedError.for_id(modality_id, f"{modality_id!r} is excluded: {why}")


@attrs.frozen(repr=False, kw_only=True, eq=False)
class Ranking(Record):
    """The options for one pain type, best first, and what has no evidence or is ruled out.

    Every modality of the catalog is in exactly one of ``options``, ``unranked`` and
    ``excluded``. Iterating, ``len()``, indexing and :meth:`top` use ``options``.

    Attributes:
        pain_type: the pain type ranked for: the phase used, chronic for a condition
            chronic by definition whatever phase was asked for
            (:attr:`PainType.as_treated <painmodalities.PainType.as_treated>`).
        options: the options the patient may have whose evidence gate is open, best first.
        unranked: the options the patient may have with no scored finding of benefit, in
            a stable order (active first, then id); they have no rank.
        excluded: the modalities ruled out, in catalog order, each with every reason.
        patient: the patient's constraints.
        weights: the weights used.
        policy: the scoring policy used.
        assessments: what a guideline in scope asks a clinician to do before choosing a
            treatment (:meth:`Catalog.assessments_for
            <painmodalities.Catalog.assessments_for>`), shown before the options; they
            never change a score.
        catalog: the catalog ranked on (:func:`rank` sets it; ``None``, for a ranking built
            by hand, stands for the built-in catalog). Not compared: two rankings with the
            same entries are equal. A ranking document names its modalities by id in it.
    """

    pain_type: PainType
    options: tuple[RankedOption, ...]
    unranked: tuple[UnrankedOption, ...] = ()
    excluded: tuple[Exclusion, ...] = ()
    patient: Patient = Patient()
    weights: Weights = Weights()
    policy: ScoringPolicy = ScoringPolicy()
    assessments: tuple[Assessment, ...] = attrs.field(
        default=(),
        converter=check.as_tuple,
        validator=check.tuple_of(Assessment, "an assessment"),
    )
    catalog: Catalog | None = attrs.field(default=None, eq=False, repr=False)

    def __iter__(self) -> Iterator[RankedOption]:
        return iter(self.options)

    def __len__(self) -> int:
        return len(self.options)

    @overload
    def __getitem__(self, index: int) -> RankedOption: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[RankedOption, ...]: ...
    def __getitem__(self, index: int | slice) -> RankedOption | tuple[RankedOption, ...]:
        if type(index) is bool or not isinstance(index, int | slice):
            raise ValidationError(
                check.ArgumentProblem(
                    "$.index", "an int or a slice (a position among the options)", index, "type"
                )
            )
        try:
            return self.options[index]
        except IndexError:
            raise OptionIndexError.for_index(index, len(self.options)) from None

    def top(self, n: int) -> tuple[RankedOption, ...]:
        """The ``n`` best options (fewer if there are fewer)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValidationError(Problem("$.n", "a whole number, 0 or more", n, "range"))
        return self.options[:n]

    @property
    def ids(self) -> tuple[str, ...]:
        """The ranked option ids, best first."""
        return tuple(option.modality.id for option in self.options)

    @property
    def available(self) -> tuple[RankedOption | UnrankedOption, ...]:
        """Every option the patient may have: the ranked ones, then the unranked."""
        return (*self.options, *self.unranked)

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every entry: the options, then the unranked, then the exclusions."""
        return (*self.options, *self.unranked, *self.excluded)

    def entry(self, modality_id: str) -> Entry:
        """The ranked option, unranked option or exclusion of ``modality_id``.

        Raises:
            UnknownModalityError: if the ranking does not hold ``modality_id`` at all.
        """
        for found in self.entries:
            if found.modality.id == modality_id:
                return found
        raise UnknownModalityError.for_id(
            modality_id, [found.modality.id for found in self.entries]
        )

    def option(self, modality_id: str) -> RankedOption:
        """The ranked option for ``modality_id``.

        Raises:
            NotRankedError: if the modality is unranked or excluded (the message says which,
                and why).
            UnknownModalityError: if the ranking does not hold ``modality_id`` at all.
        """
        found = self.entry(modality_id)
        if isinstance(found, RankedOption):
            return found
        if isinstance(found, UnrankedOption):
            raise NotRankedError.for_id(
                modality_id,
                f"{modality_id!r} is not ranked: no scored finding shows benefit for "
                f"{self.pain_type.label}",
            )
        raise _excluded_error(found)

    def score_of(self, modality_id: str) -> Score:
        """The score of ``modality_id``, ranked or unranked (an unranked score is 0).

        Raises:
            NotRankedError: if the modality is excluded (it was not scored).
            UnknownModalityError: if the ranking does not hold ``modality_id`` at all.
        """
        found = self.entry(modality_id)
        if isinstance(found, Exclusion):
            raise _excluded_error(found)
        return found.score

    @property
    def summary(self) -> str:
        """The ranking in one sentence; when nothing is ranked, it says so."""
        if not self.options:
            return f"No option has scored evidence of benefit for {self.pain_type.label}."
        leaders = [option for option in self.options if option.rank == 1]
        first = [option.modality.name for option in leaders]
        shown = scored_benefits(leaders[0], self.pain_type)
        function = longest(shown, Outcome.FUNCTION)
        counts = (
            f"{len(self.options)} ranked, {len(self.unranked)} without scored evidence of "
            f"benefit, {len(self.excluded)} ruled out."
        )
        if len(self.options) == 1:
            lead = f"{first[0]} is the only option with scored evidence for {self.pain_type.label}"
        elif len(first) == 1:
            lead = f"{first[0]} ranks first"
        else:
            lead = f"{', '.join(first[:-1])} and {first[-1]} share first place"
        if function is not None and function >= Horizon.INTERMEDIATE:
            scope = (
                ""
                if len(self.options) == 1
                else f" for long-term function in {self.pain_type.label}"
            )
            return f"{lead}{scope}; {counts}"
        what = _words.benefit_shown(function, longest(shown, Outcome.PAIN))
        scope = "" if len(self.options) == 1 else f" for {self.pain_type.label}"
        return f"{lead}{scope}: {what}; {counts}"

    @property
    def before(self) -> tuple[str, ...]:
        """What to say before the options, one sentence each.

        Why the phase is chronic when the condition is chronic by definition, then each
        assessment (``Before treating: ...``).
        """
        note = self.pain_type.definition_note
        return (
            *([f"{note[0].upper()}{note[1:]}."] if note else []),
            *(f"{_words.assessment(found)}." for found in self.assessments),
        )

    def explain(self) -> str:
        """The whole ranking in plain language.

        What comes before treating (:attr:`before`), the options, then the unranked and
        the exclusions.
        """
        lines = [f"Ranking for {self.pain_type.label}, best scored first:"]
        lines += self.before
        if not self.options:
            lines.append(self.summary)
        lines += [option.explain() for option in self.options]
        if self.unranked:
            lines.append("Not ranked (no scored finding of benefit):")
            lines += [f"- {unranked.explain()}" for unranked in self.unranked]
        if self.excluded:
            lines.append("Ruled out:")
            lines += [f"- {exclusion.explain()}" for exclusion in self.excluded]
        return "\n".join(lines)


def order_key(modality: Modality, result: Score) -> tuple[bool, Any, bool, str]:
    """The sort key of the ranking order: evidence gate, score, activity, id.

    Ranked options (gate open) come before unranked ones; among them the higher score
    first, then active before passive, then the id.
    """
    return _rank_cache.sort_key(modality, result.has_benefit, result.value)


# Shared default arguments: immutable, so one instance of each serves every call (building
# Weights() anew costs more than a cached ranking).
_NO_CONSTRAINTS: Final = Patient()
_DEFAULT_WEIGHTS: Final = Weights()
_DEFAULT_POLICY: Final = ScoringPolicy()


def _checked(value: object, kind: type[T], name: str) -> T:
    return check.argument_of(name, value, kind)


def _arguments(
    pain_type: PainType | str,
    catalog: object,
    patient: object,
    weights: object,
    policy: object,
) -> tuple[PainType, Catalog, Patient, Weights, ScoringPolicy]:
    """Resolve the defaults of :func:`rank` and check every argument's type, in order."""
    return (
        PainType.coerce(pain_type),
        _checked(default_catalog() if catalog is None else catalog, Catalog, "catalog"),
        _checked(_NO_CONSTRAINTS if patient is None else patient, Patient, "patient"),
        _checked(_DEFAULT_WEIGHTS if weights is None else weights, Weights, "weights"),
        _checked(_DEFAULT_POLICY if policy is None else policy, ScoringPolicy, "policy"),
    )


def rank(
    pain_type: PainType | str,
    *,
    catalog: Catalog | None = None,
    patient: Patient | None = None,
    weights: Weights | None = None,
    policy: ScoringPolicy | None = None,
) -> Ranking:
    """Rank the catalog's modalities for long-term function in ``pain_type``.

    The work is cached on the catalog, keyed on the immutable inputs (see
    :func:`rank_many`), so repeated calls cost microseconds; results are the same as
    computing afresh.

    Args:
        pain_type: the condition and phase, or ``"condition:phase"``.
        catalog: the modalities to rank; the built-in catalog if ``None``.
        patient: constraints that rule options out; none if ``None``.
        weights: how much each criterion counts; the defaults if ``None``.
        policy: which findings count; the default policy if ``None``.

    Raises:
        ValidationError: for a malformed pain type or argument.
        UnknownModalityError: when the patient names an id the catalog does not hold.
    """
    found_pain_type, catalog, patient, weights, policy = _arguments(
        pain_type, catalog, patient, weights, policy
    )
    options, unranked, excluded = _memo(catalog).rankings(
        found_pain_type, weights, policy, patient
    )
    return Ranking(
        pain_type=found_pain_type,
        options=options,
        unranked=unranked,
        excluded=excluded,
        patient=patient,
        weights=weights,
        policy=policy,
        assessments=catalog.assessments_for(found_pain_type),
        catalog=catalog,
    )


def rank_many(
    requests: Iterable[tuple[PainType | str, Patient | None]],
    *,
    catalog: Catalog | None = None,
    weights: Weights | None = None,
    policy: ScoringPolicy | None = None,
) -> Iterator[Ranking]:
    """Rank for a stream of ``(pain_type, patient)`` pairs, yielding one ranking per pair.

    The same as calling :func:`rank` for each pair with the shared ``catalog``,
    ``weights`` and ``policy``, but lazy: it reads one pair, yields its ranking, and keeps
    nothing else, so a cohort of any size ranks in bounded memory. Per-pain-type scores
    and per-patient exclusions are cached on the catalog in bounded caches.

    >>> cohort = [
    ...     ("low_back:chronic", None),
    ...     ("low_back:chronic", Patient(exclude={"exercise.therapeutic"})),
    ... ]
    >>> [ranking.ids[0] for ranking in rank_many(cohort)]
    ['exercise.therapeutic', 'psychological.mindfulness']

    Raises:
        ValidationError: for a malformed pain type or argument (when its pair is read).
        UnknownModalityError: when a patient names an id the catalog does not hold.
    """
    catalog = _checked(default_catalog() if catalog is None else catalog, Catalog, "catalog")
    rankings = _memo(catalog).rankings
    weights = _checked(_DEFAULT_WEIGHTS if weights is None else weights, Weights, "weights")
    policy = _checked(_DEFAULT_POLICY if policy is None else policy, ScoringPolicy, "policy")
    for index, request in enumerate(_requests(requests)):
        # The common case checked inline: this loop runs once per patient of a cohort.
        if type(request) is tuple and len(request) == 2:
            pain_type, patient = request
        else:
            pain_type, patient = _pair(index, request)
        found_pain_type = (
            pain_type.as_treated if type(pain_type) is PainType else PainType.coerce(pain_type)
        )
        if patient is None:
            found_patient = _NO_CONSTRAINTS
        elif type(patient) is Patient:
            found_patient = patient
        else:
            found_patient = _checked(patient, Patient, "patient")
        options, unranked, excluded = rankings(found_pain_type, weights, policy, found_patient)
        yield Ranking(
            pain_type=found_pain_type,
            options=options,
            unranked=unranked,
            excluded=excluded,
            patient=found_patient,
            weights=weights,
            policy=policy,
            assessments=catalog.assessments_for(found_pain_type),
            catalog=catalog,
        )


def _requests(requests: object) -> Iterator[Any]:
    """The items of ``requests``, or the error naming the argument (not a raw TypeError)."""
    if isinstance(requests, str | bytes) or not isinstance(requests, Iterable):
        raise ValidationError(
            check.ArgumentProblem(
                "$.requests", "an iterable of (pain type, patient) pairs", requests, "type"
            )
        )
    return iter(requests)


def _pair(index: int, request: object) -> tuple[Any, Any]:
    """``request`` as a (pain type, patient) pair: a list or tuple of two, else the error."""
    if isinstance(request, list | tuple) and len(request) == 2:
        return request[0], request[1]
    raise ValidationError(
        check.ArgumentProblem(
            f"$.requests[{index}]", "a (pain type, patient) pair", request, "type"
        )
    )


class _Memo(_rank_cache.RankCache):
    """The ranking caches of one catalog, building this module's records."""

    __slots__ = ()
    ranked_option = RankedOption
    unranked_option = UnrankedOption
    exclusion = Exclusion
    unconstrained = _NO_CONSTRAINTS
    omissions = staticmethod(omissions)
    patient_reasons = staticmethod(_patient_reasons)
    guideline_reasons = staticmethod(_guideline_reasons)


def _memo(catalog: Catalog) -> _Memo:
    return catalog._kept(_Memo, _Memo)  # the catalog keeps our caches in its one slot


# -- what every ranking satisfies: checked by tests, and by loading -------------------------


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


def _entry_problems(
    ranking: Ranking, at: str, entry: Entry, modalities: Mapping[str, Modality]
) -> list[Problem]:
    """One entry against what :func:`rank` computes for it: reasons, guidelines, score."""
    problems: list[Problem] = []
    modality = entry.modality
    reasons = exclusion_reasons(
        ranking.patient, modality, modalities, ranking.pain_type, ranking.policy
    )
    if isinstance(entry, Exclusion):
        if entry.reasons != reasons:
            problems.append(
                Problem(
                    f"{at}.reasons",
                    "the reasons against this modality: "
                    + ("; ".join(reason.detail for reason in reasons) or "none"),
                    [reason.detail for reason in entry.reasons],
                    "reasons",
                )
            )
    elif reasons:
        problems.append(
            Problem(
                f"{at}.modality.id",
                "an option the patient's constraints and the policy allow "
                "(it belongs in excluded)",
                modality.id,
                "excluded_option",
            )
        )
    in_scope = modality.recommendations_for(ranking.pain_type)
    if entry.recommendations != in_scope:
        problems.append(
            Problem(
                f"{at}.recommendations",
                f"the {len(in_scope)} recommendation(s) of this modality whose scope covers "
                f"{ranking.pain_type.label}",
                len(entry.recommendations),
                "recommendations",
            )
        )
    if isinstance(entry, Exclusion):
        return problems
    omitted = omissions(ranking.patient, modality, modalities)
    if entry.without != omitted:
        problems.append(
            Problem(
                f"{at}.without",
                "the components the patient's constraints rule out: "
                + (", ".join(omission.component for omission in omitted) or "none"),
                [omission.component for omission in entry.without],
                "without",
            )
        )
    expected = score(
        modality,
        ranking.pain_type,
        ranking.weights,
        ranking.policy,
        without=_rank_cache.left_out(omitted),
    )
    if entry.score != expected:
        problems.append(
            Problem(
                f"{at}.score",
                f"the score the library computes for this modality ({expected.value})",
                str(entry.score.value),
                "score",
            )
        )
    return problems


def _ranking_order(ranking: Ranking) -> list[Problem]:
    """Each option's place and rank: in ranking order, with competition ranks."""
    problems: list[Problem] = []
    for name, entries in (("options", ranking.options), ("unranked", ranking.unranked)):
        keys = [order_key(entry.modality, entry.score) for entry in entries]
        problems += [
            Problem(
                f"$.{name}[{index}]",
                f"{name} in ranking order (score, active, id)",
                entries[index].modality.id,
                "order",
            )
            for index in range(1, len(keys))
            if keys[index] < keys[index - 1]
        ]
    values = [option.score.value for option in ranking.options]
    for index, option in enumerate(ranking.options):
        expected = 1 + sum(1 for value in values if value > option.score.value)
        if option.rank != expected:
            problems.append(
                Problem(
                    f"$.options[{index}].rank",
                    f"{expected} (1 + the number of options with a higher score)",
                    option.rank,
                )
            )
        if not option.score.has_benefit:
            problems.append(
                Problem(
                    f"$.options[{index}].score.has_benefit",
                    "true: an option with no scored finding of benefit is unranked",
                    value=False,
                    rule="evidence_gate",
                )
            )
    return problems


def check_ranking(ranking: Ranking) -> list[Problem]:
    """Every way ``ranking`` breaks what :func:`rank` guarantees, each at its JSON path.

    Each entry is where the patient's constraints and the policy put it, with the reasons,
    recommendations, omitted components and score the library computes; options have open
    evidence gates and competition ranks, in ranking order; unranked options have closed
    gates; no modality appears twice; the patient names only modalities the ranking holds.
    Empty for every result of :func:`rank`; loading a ranking document reports these.

    Raises:
        ValidationError: at ``$.ranking``, for an argument that is not a :class:`Ranking`.
    """
    check.argument_of("ranking", ranking, Ranking)
    lists: tuple[tuple[str, tuple[Entry, ...], Callable[[Any], list[Problem]]], ...] = (
        ("options", ranking.options, check_option),
        ("unranked", ranking.unranked, check_unranked),
        ("excluded", ranking.excluded, check_exclusion),
    )
    problems = [
        problem.at(f"$.{name}[{index}]")
        for name, entries, check_one in lists
        for index, entry in enumerate(entries)
        for problem in check_one(entry)
    ]
    modalities: dict[str, Modality] = {}
    for name, entries, _ in lists:
        for index, entry in enumerate(entries):
            if entry.modality.id in modalities:
                problems.append(
                    Problem(
                        f"$.{name}[{index}].modality.id",
                        "a unique id",
                        entry.modality.id,
                        "duplicate_id",
                    )
                )
            modalities.setdefault(entry.modality.id, entry.modality)
    problems += [
        problem
        for name, entries, _ in lists
        for index, entry in enumerate(entries)
        for problem in _entry_problems(ranking, f"$.{name}[{index}]", entry, modalities)
    ]
    problems += _ranking_order(ranking)
    named = ranking.patient.exclude | (ranking.patient.covered or frozenset())
    problems += [
        Problem(
            "$.patient",
            "ids of modalities in the ranking's options, unranked options or exclusions",
            unknown,
            "unknown_modality",
        )
        for unknown in sorted(named - modalities.keys())
    ]
    return problems
