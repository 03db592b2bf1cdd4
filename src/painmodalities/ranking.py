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
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final, TypeVar, overload

import attrs

from painmodalities import _rules as check
from painmodalities import _words
from painmodalities._builtin import default_catalog
from painmodalities.catalog import Catalog
from painmodalities.errors import Problem, UnknownModalityError, ValidationError
from painmodalities.evidence import PainType
from painmodalities.modalities import Modality
from painmodalities.scoring import (
    Assessment,
    Score,
    ScoringPolicy,
    Weighing,
    Weights,
    assess,
    score,
)
from painmodalities.vocabulary import Precaution, RankedEnum

__all__ = [
    "Exclusion",
    "ExclusionReason",
    "Patient",
    "RankedOption",
    "Ranking",
    "Reason",
    "check_ranking",
    "rank",
    "rank_many",
]

T = TypeVar("T")


def _optional_frozenset(value: object) -> object:
    return None if value is None else check.as_frozenset(value)


@attrs.frozen(kw_only=True, cache_hash=True)
class Patient:
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
        converter=check.as_frozenset,
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
    """Why a patient's constraints rule a modality out."""

    EXCLUDED = "excluded"
    PRECAUTION = "precaution"
    NOT_COVERED = "not_covered"
    SESSION_TOO_LONG = "session_too_long"


@attrs.frozen(kw_only=True)
class Reason:
    """One reason a modality was ruled out.

    Attributes:
        code: the kind of reason.
        detail: the reason in plain words.
    """

    code: ExclusionReason = attrs.field(validator=check.member_of(ExclusionReason))
    detail: str = attrs.field(validator=check.text)


@functools.lru_cache(maxsize=4096)
def _reason(code: ExclusionReason, detail: str) -> Reason:
    """A :class:`Reason`, built once per distinct reason: they are immutable, so shared."""
    return Reason(code=code, detail=detail)


@attrs.frozen
class _ExclusionRule:
    """One way a patient's constraints rule a modality out.

    ``applies`` is the cheap test; ``details`` words the reasons when it applies.
    """

    code: ExclusionReason
    applies: Callable[[Patient, Modality], bool]
    details: Callable[[Patient, Modality], Iterable[str]]


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


@attrs.frozen(kw_only=True)
class Exclusion:
    """A modality the patient's constraints ruled out, with every reason.

    Attributes:
        modality: the modality ruled out.
        reasons: every reason, in a stable order.
    """

    modality: Modality
    reasons: tuple[Reason, ...]

    def explain(self) -> str:
        """One line: what was ruled out and why."""
        why = "; ".join(reason.detail for reason in self.reasons)
        return f"{self.modality.name} ({self.modality.id}): excluded: {why}"


@attrs.frozen(kw_only=True)
class RankedOption:
    """One option in a ranking.

    Attributes:
        rank: 1 for the best option.
        modality: the modality.
        score: its score, with the findings behind it.
    """

    rank: int
    modality: Modality
    score: Score

    def explain(self) -> str:
        """A short plain-language explanation naming the findings that drove the score."""
        return f"{self.rank}. {self.modality.name} ({self.modality.activity.value}): " + (
            self.score.explain()
        )


@attrs.frozen(kw_only=True)
class Ranking:
    """The ranked options for one pain type, and what the patient's constraints removed.

    Iterating gives the :class:`RankedOption` objects, best first.

    Attributes:
        pain_type: the pain type ranked for.
        options: the options, best first.
        excluded: the modalities ruled out, in catalog order, each with every reason.
        patient: the patient's constraints.
        weights: the weights used.
        policy: the scoring policy used.
    """

    pain_type: PainType
    options: tuple[RankedOption, ...]
    excluded: tuple[Exclusion, ...] = ()
    patient: Patient = Patient()
    weights: Weights = Weights()
    policy: ScoringPolicy = ScoringPolicy()

    def __iter__(self) -> Iterator[RankedOption]:
        return iter(self.options)

    def __len__(self) -> int:
        return len(self.options)

    @overload
    def __getitem__(self, index: int) -> RankedOption: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[RankedOption, ...]: ...
    def __getitem__(self, index: int | slice) -> RankedOption | tuple[RankedOption, ...]:
        return self.options[index]

    def top(self, n: int) -> tuple[RankedOption, ...]:
        """The ``n`` best options (fewer if there are fewer)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValidationError(Problem("$.n", "a whole number, 0 or more", n, "range"))
        return self.options[:n]

    @property
    def ids(self) -> tuple[str, ...]:
        """The option ids, best first."""
        return tuple(option.modality.id for option in self.options)

    def option(self, modality_id: str) -> RankedOption:
        """The option for ``modality_id``.

        Raises:
            UnknownModalityError: if it is not among the options (absent or excluded).
        """
        for option in self.options:
            if option.modality.id == modality_id:
                return option
        raise UnknownModalityError.for_id(modality_id, self.ids)

    def explain(self) -> str:
        """The whole ranking in plain language: each option, then each exclusion."""
        lines = [f"Ranking for {self.pain_type.label}, best for long-term function first:"]
        lines += [option.explain() for option in self.options]
        if self.excluded:
            lines.append("Ruled out by the patient's constraints:")
            lines += [f"- {exclusion.explain()}" for exclusion in self.excluded]
        return "\n".join(lines)


def order_key(modality: Modality, result: Score) -> tuple[bool, Any, bool, str]:
    """The sort key of the ranking order: evidence gate, score, activity, id."""
    return _order(modality, result.has_benefit, result.value)


def _order(modality: Modality, has_benefit: bool, value: Any) -> tuple[bool, Any, bool, str]:
    # The ranking order, for any value that compares as the score does.
    return (not has_benefit, -value, not modality.is_active, modality.id)


#: Pain types parsed from text; only valid text gets in, so it holds at most one entry per
#: condition and phase.
_PARSED: dict[str, PainType] = {}


def _pain_type(value: object) -> PainType:
    if isinstance(value, PainType):
        return value
    if isinstance(value, str):
        found = _PARSED.get(value)
        if found is None:
            found = _PARSED[value] = PainType.parse(value)
        return found
    raise ValidationError(Problem("$.pain_type", 'a PainType or "condition:phase"', value))


# Shared default arguments: immutable, so one instance of each serves every call (building
# Weights() anew costs more than a cached ranking).
_NO_CONSTRAINTS: Final = Patient()
_DEFAULT_WEIGHTS: Final = Weights()
_DEFAULT_POLICY: Final = ScoringPolicy()


def _checked(value: object, kind: type[T], name: str) -> T:
    if not isinstance(value, kind):
        raise ValidationError(Problem(f"$.{name}", f"a {kind.__name__}", value, "type"))
    return value


def _arguments(
    pain_type: object,
    catalog: object,
    patient: object,
    weights: object,
    policy: object,
) -> tuple[PainType, Catalog, Patient, Weights, ScoringPolicy]:
    """Resolve the defaults of :func:`rank` and check every argument's type, in order."""
    return (
        _pain_type(pain_type),
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
    options, excluded = _memo(catalog).rankings(found_pain_type, weights, policy, patient)
    return Ranking(
        pain_type=found_pain_type,
        options=options,
        excluded=excluded,
        patient=patient,
        weights=weights,
        policy=policy,
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
    ['exercise.therapeutic', 'physical_therapy.programme']

    Raises:
        ValidationError: for a malformed pain type or argument (when its pair is read).
        UnknownModalityError: when a patient names an id the catalog does not hold.
    """
    rankings = _memo(
        _checked(default_catalog() if catalog is None else catalog, Catalog, "catalog")
    ).rankings
    weights = _checked(_DEFAULT_WEIGHTS if weights is None else weights, Weights, "weights")
    policy = _checked(_DEFAULT_POLICY if policy is None else policy, ScoringPolicy, "policy")
    for pain_type, patient in requests:
        # The common case checked inline: this loop runs once per patient of a cohort.
        found_pain_type = pain_type if type(pain_type) is PainType else _pain_type(pain_type)
        if patient is None:
            found_patient = _NO_CONSTRAINTS
        elif type(patient) is Patient:
            found_patient = patient
        else:
            found_patient = _checked(patient, Patient, "patient")
        options, excluded = rankings(found_pain_type, weights, policy, found_patient)
        yield Ranking(
            pain_type=found_pain_type,
            options=options,
            excluded=excluded,
            patient=found_patient,
            weights=weights,
            policy=policy,
        )


# -- caches ------------------------------------------------------------------------------
#
# rank() is pure, and every input is immutable and hashable, so its work is cached on the
# catalog (each catalog keeps its own caches in one slot: nothing is shared between
# catalogs) in bounded LRU caches (functools.lru_cache: thread-safe, never a torn entry):
#
# - assessments: (pain type, policy) -> each modality's Assessment: everything in its
#   score that does not depend on the weights;
# - boards: (pain type, weights, policy) -> the catalog in ranking order, sorted on exact
#   integer totals (scoring.Weighing), and each modality's Score, made when first needed;
# - exclusions: patient -> the ids ruled out and the exclusions with reasons (this also
#   checks that the patient names only known ids, so an error is never cached);
# - options: (pain type, weights, policy, ids ruled out) -> the options, ranked: patients
#   who rule out the same modalities share them;
# - rankings: (pain type, weights, policy, patient) -> options and exclusions, the one
#   lookup a repeated call makes.
#
# So a call with weights not seen before weighs the assessments already made, sorts
# integers and builds scores only for the options it returns. Weights compare by their
# exact reading (2**60 and 2.0**60 are different weights). Cached values hold only results
# (scores, options, exclusions), never the caller's weights or patient objects: equal keys
# give results that are equal and print the same, and rank() puts the caller's own
# objects in the Ranking it returns. Cache sizes are budgets of modalities held, divided
# by the catalog's size, so memory stays bounded for a catalog of any size (a few
# megabytes for the built-in one).

#: How many assessed and scored modalities the assessment and board caches may hold.
_ASSESSMENT_BUDGET = 1 << 13
_BOARD_BUDGET = 1 << 15
#: How many excluded or ranked modalities the exclusion and option caches may hold.
_PATIENT_BUDGET = 1 << 16
_OPTIONS_BUDGET = 1 << 16
#: How many (key, shared result) pairs the ranking cache may hold, times the catalog size.
_RANKING_BUDGET = 1 << 16

_Excluded = tuple[frozenset[str], tuple[Exclusion, ...]]
_Options = tuple[tuple[RankedOption, ...], tuple[Exclusion, ...]]


def _bounded(budget: int, size: int) -> int:
    return max(8, budget // size)


class _Board:
    """One (pain type, weights, policy): the catalog in ranking order, scored on demand."""

    __slots__ = ("assessed", "order", "scores", "weighing")

    def __init__(
        self, modalities: tuple[Modality, ...], assessed: tuple[Assessment, ...], weights: Weights
    ) -> None:
        weighing = Weighing(weights)
        totals = [weighing.total(assessment) for assessment in assessed]
        self.order = sorted(
            range(len(modalities)),
            key=lambda index: _order(
                modalities[index], assessed[index].has_benefit, totals[index]
            ),
        )
        self.assessed = assessed
        self.weighing = weighing
        # Filled as options need them; a race makes equal scores twice, never a wrong one.
        self.scores: list[Score | None] = [None] * len(modalities)

    def ranked(
        self, modalities: tuple[Modality, ...], gone: frozenset[str]
    ) -> tuple[RankedOption, ...]:
        """The options in order, leaving out the ids in ``gone``."""
        options: list[RankedOption] = []
        scores = self.scores
        for index in self.order:
            modality = modalities[index]
            if modality.id in gone:
                continue
            result = scores[index]
            if result is None:
                result = scores[index] = self.weighing.score(self.assessed[index])
            options.append(RankedOption(rank=len(options) + 1, modality=modality, score=result))
        return tuple(options)


class _Memo:
    """The ranking caches of one catalog (see the comment above)."""

    __slots__ = ("assessments", "boards", "exclusions", "options", "rankings")

    def __init__(self, catalog: Catalog) -> None:
        # The closures hold the catalog's parts, not the catalog: no reference cycle.
        modalities, ids = catalog.modalities, catalog.ids
        known = frozenset(ids)
        size = max(1, len(modalities))

        def assessments(pain_type: PainType, policy: ScoringPolicy) -> tuple[Assessment, ...]:
            return tuple(assess(modality, pain_type, policy) for modality in modalities)

        def board(pain_type: PainType, weights: Weights, policy: ScoringPolicy) -> _Board:
            return _Board(modalities, self.assessments(pain_type, policy), weights)

        def exclusions(patient: Patient) -> _Excluded:
            if patient == _NO_CONSTRAINTS:
                return frozenset(), ()
            named = sorted(patient.exclude | (patient.covered or frozenset()))
            unknown = [modality_id for modality_id in named if modality_id not in known]
            if unknown:
                raise UnknownModalityError.for_id(unknown[0], ids)
            excluded = [
                Exclusion(modality=modality, reasons=patient.reasons_against(modality))
                for modality in modalities
                if patient.rules_out(modality)
            ]
            return frozenset(item.modality.id for item in excluded), tuple(excluded)

        def options(
            pain_type: PainType, weights: Weights, policy: ScoringPolicy, gone: frozenset[str]
        ) -> tuple[RankedOption, ...]:
            return self.boards(pain_type, weights, policy).ranked(modalities, gone)

        def rankings(
            pain_type: PainType, weights: Weights, policy: ScoringPolicy, patient: Patient
        ) -> _Options:
            gone, excluded = self.exclusions(patient)
            return self.options(pain_type, weights, policy, gone), excluded

        self.assessments = functools.lru_cache(_bounded(_ASSESSMENT_BUDGET, size))(assessments)
        self.boards = functools.lru_cache(_bounded(_BOARD_BUDGET, size))(board)
        self.exclusions = functools.lru_cache(_bounded(_PATIENT_BUDGET, size))(exclusions)
        self.options = functools.lru_cache(_bounded(_OPTIONS_BUDGET, size))(options)
        self.rankings = functools.lru_cache(_bounded(_RANKING_BUDGET, size))(rankings)


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
    if option.score.modality_id != option.modality.id:
        problems.append(
            Problem(
                "$.score.modality_id",
                f'the option\'s modality id "{option.modality.id}"',
                option.score.modality_id,
                "score",
            )
        )
    return problems


def check_exclusion(exclusion: Exclusion) -> list[Problem]:
    """The problems of one exclusion on its own: it gives at least one reason."""
    if exclusion.reasons:
        return []
    return [Problem("$.reasons", "at least one reason", [], "reasons")]


def _ranking_order(ranking: Ranking) -> list[Problem]:
    """Each option's rank, score and place against what :func:`rank` computes."""
    problems: list[Problem] = []
    keys: list[tuple[bool, Any, bool, str] | None] = []
    for index, option in enumerate(ranking.options):
        at = f"$.options[{index}]"
        if option.rank != index + 1:
            problems.append(
                Problem(f"{at}.rank", f"{index + 1} (ranks are 1, 2, 3... in order)", option.rank)
            )
        expected = score(option.modality, ranking.pain_type, ranking.weights, ranking.policy)
        if option.score != expected:
            problems.append(
                Problem(
                    f"{at}.score",
                    f"the score the library computes for this modality ({expected.value})",
                    str(option.score.value),
                    "score",
                )
            )
            keys.append(None)
        else:
            keys.append(order_key(option.modality, expected))
    for index in range(1, len(keys)):
        before, current = keys[index - 1], keys[index]
        if before is not None and current is not None and current < before:
            problems.append(
                Problem(
                    f"$.options[{index}]",
                    "options in ranking order (evidence of benefit, score, active, id)",
                    ranking.options[index].modality.id,
                    "order",
                )
            )
    return problems


def check_ranking(ranking: Ranking) -> list[Problem]:
    """Every way ``ranking`` breaks what :func:`rank` guarantees, each at its JSON path.

    Each option is allowed by the patient's constraints, ranked 1, 2, 3... in ranking order,
    with the score the library computes; each exclusion gives exactly the patient's reasons;
    no modality appears twice; the patient names only modalities the ranking holds.
    Empty for every result of :func:`rank`; loading a ranking document reports these.
    """
    problems = [
        problem.at(f"$.options[{index}]")
        for index, option in enumerate(ranking.options)
        for problem in check_option(option)
    ]
    problems += [
        problem.at(f"$.excluded[{index}]")
        for index, exclusion in enumerate(ranking.excluded)
        for problem in check_exclusion(exclusion)
    ]
    seen: set[str] = set()
    for index, option in enumerate(ranking.options):
        at = f"$.options[{index}].modality.id"
        if option.modality.id in seen:
            problems.append(Problem(at, "a unique id", option.modality.id, "duplicate_id"))
        seen.add(option.modality.id)
        if ranking.patient.reasons_against(option.modality):
            problems.append(
                Problem(
                    at,
                    "an option the patient's constraints allow (it belongs in excluded)",
                    option.modality.id,
                    "excluded_option",
                )
            )
    problems += _ranking_order(ranking)
    for index, exclusion in enumerate(ranking.excluded):
        at = f"$.excluded[{index}]"
        if exclusion.modality.id in seen:
            problems.append(
                Problem(f"{at}.modality.id", "a unique id", exclusion.modality.id, "duplicate_id")
            )
        seen.add(exclusion.modality.id)
        reasons = ranking.patient.reasons_against(exclusion.modality)
        if exclusion.reasons != reasons:
            problems.append(
                Problem(
                    f"{at}.reasons",
                    "the patient's reasons against this modality: "
                    + ("; ".join(reason.detail for reason in reasons) or "none"),
                    [reason.detail for reason in exclusion.reasons],
                    "reasons",
                )
            )
    named = ranking.patient.exclude | (ranking.patient.covered or frozenset())
    problems += [
        Problem(
            "$.patient",
            "ids of modalities in the ranking's options or exclusions",
            unknown,
            "unknown_modality",
        )
        for unknown in sorted(named - seen)
    ]
    return problems
