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

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final, TypeVar, overload

import attrs

from painmodalities import _rank_cache
from painmodalities import _rules as check
from painmodalities._builtin import default_catalog
from painmodalities._constraints import (
    ExclusionReason,
    Omission,
    Patient,
    Reason,
    exclusion_reasons,
    guideline_reasons,
    omissions,
    patient_reasons,
)
from painmodalities._entries import (
    Entry,
    Exclusion,
    RankedOption,
    UnrankedOption,
    check_exclusion,
    check_option,
    check_unranked,
    longest,
    scored_benefits,
)
from painmodalities._record import Record
from painmodalities.catalog import Catalog
from painmodalities.errors import (
    NotRankedError,
    OptionIndexError,
    Problem,
    UnknownModalityError,
    ValidationError,
)
from painmodalities.evidence import Assessment, PainType
from painmodalities.modalities import Modality, PhysicalTherapy
from painmodalities.scoring import (
    Score,
    ScoringPolicy,
    Weights,
    score,
)
from painmodalities.vocabulary import Horizon, Outcome

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
        """The ranking in one sentence; when nothing is ranked, it says so.

        :attr:`lead`, then how many options are ranked, without scored evidence and ruled
        out.
        """
        if not self.options:
            return f"{self.lead}."
        return (
            f"{self.lead}; {len(self.options)} ranked, {len(self.unranked)} without scored "
            f"evidence of benefit, {len(self.excluded)} ruled out."
        )

    @property
    def lead(self) -> str:
        """What the first option's evidence shows, as a sentence without its full stop.

        "For long-term function" only where the first option's function benefit is scored
        at the intermediate or long horizon; otherwise what it shows and for how long
        (``Superficial heat is the only option with scored evidence for acute low back
        pain: function benefit for under a month and pain relief for under a month``).
        The one rule that the ranking's and the care plan's summaries share.
        """
        from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

        label = self.pain_type.label
        if not self.options:
            return f"No option has scored evidence of benefit for {label}"
        leaders = [option for option in self.options if option.rank == 1]
        first = [option.modality.name for option in leaders]
        shown = scored_benefits(leaders[0], self.pain_type)
        function = longest(shown, Outcome.FUNCTION)
        only = len(self.options) == 1
        if only:
            lead = f"{first[0]} is the only option with scored evidence for {label}"
        elif len(first) == 1:
            lead = f"{first[0]} ranks first"
        else:
            lead = f"{', '.join(first[:-1])} and {first[-1]} share first place"
        if function is not None and function >= Horizon.INTERMEDIATE:
            return lead if only else f"{lead} for long-term function in {label}"
        what = _words.benefit_shown(function, longest(shown, Outcome.PAIN))
        return f"{lead}{'' if only else f' for {label}'}: {what}"

    @property
    def precautions_to_check(self) -> tuple[str, ...]:
        """What to check before each ranked option with precautions, with their source.

        A programme's precautions are its components' (those it is ranked with).
        ``Before deep tissue massage, check for: blood clot, ... (nccih-massage)``.
        """
        return precaution_checks(self.options, self.catalog or default_catalog())

    @property
    def unchecked(self) -> tuple[str, ...]:
        """What a ranking made without the patient's precautions says, one line each.

        Empty when the patient's precautions are known
        (:attr:`Patient.precautions_known`) or no option offered has any; otherwise
        that they were not checked, then :attr:`precautions_to_check`.
        """
        from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

        return _words.unchecked(self.patient.precautions_known, self.precautions_to_check)

    @property
    def before(self) -> tuple[str, ...]:
        """What to say before the options, one sentence each.

        Why the phase is chronic when the condition is chronic by definition, then each
        assessment (``Before treating: ...``).
        """
        from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

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
        lines += self.unchecked
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


def precaution_checks(
    options: Iterable[RankedOption | UnrankedOption], catalog: Catalog
) -> tuple[str, ...]:
    """What to check before each of ``options`` with precautions, with their source.

    A programme's precautions are its components' (those it is not without), each said
    with the component's name. Options with the same precautions from the same source
    share a line: ``Before physical therapy programme (its structural massage) and deep
    tissue massage, check for: blood clot, ... (nccih-massage)``. The one rule of
    :attr:`Ranking.precautions_to_check` and the care plan's.
    """
    from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

    grouped: dict[str, list[str]] = {}  # what to check, and before which options
    for option in options:
        modality = option.modality
        if modality.precautions:
            named = _words.in_sentence(modality.name)
            grouped.setdefault(_words.precautions_text(modality), []).append(named)
        if isinstance(modality, PhysicalTherapy):
            left_out = {omission.component for omission in option.without}
            for component in modality.components:
                part = catalog.get(component)
                if part is not None and part.precautions and component not in left_out:
                    named = (
                        f"{_words.in_sentence(modality.name)} (its "
                        f"{_words.in_sentence(part.name)})"
                    )
                    grouped.setdefault(_words.precautions_text(part), []).append(named)
    return tuple(_words.check_before(names, listed) for listed, names in grouped.items())


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
    rankings = _memo(catalog).rankings
    return _ranking(found_pain_type, patient, catalog, weights, policy, rankings=rankings)


def _ranking(
    pain_type: PainType,
    patient: Patient,
    catalog: Catalog,
    weights: Weights,
    policy: ScoringPolicy,
    *,
    rankings: Callable[[PainType, Weights, ScoringPolicy, Patient], Any],
) -> Ranking:
    """The ranking of checked arguments, its entries from the catalog's ``rankings`` cache."""
    options, unranked, excluded, assessments = rankings(pain_type, weights, policy, patient)
    return Ranking(
        pain_type=pain_type,
        options=options,
        unranked=unranked,
        excluded=excluded,
        patient=patient,
        weights=weights,
        policy=policy,
        assessments=assessments,
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
        yield _ranking(found_pain_type, found_patient, catalog, weights, policy, rankings=rankings)


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
    patient_reasons = staticmethod(patient_reasons)
    guideline_reasons = staticmethod(guideline_reasons)


def _memo(catalog: Catalog) -> _Memo:
    return catalog._kept(_Memo, _Memo)  # the catalog keeps our caches in its one slot


# -- what every ranking satisfies: checked by tests, and by loading -------------------------


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
