"""The ranking caches: :func:`painmodalities.ranking.rank`'s work for one catalog, kept.

rank() is pure, and every input is immutable and hashable, so its work is cached on the
catalog (each catalog keeps its own caches in one slot: nothing is shared between
catalogs) in bounded LRU caches (functools.lru_cache: thread-safe, never a torn entry):

- assessments: (pain type, policy) -> each modality's Appraisal: everything in its
  score that does not depend on the weights;
- advice: (pain type, policy) -> each modality's recommendations in scope, and the
  guideline reasons that exclude it under the policy;
- boards: (pain type, weights, policy) -> the catalog in ranking order, sorted on exact
  integer totals (scoring.Weighing), and each modality's Score and its ranked or unranked
  option at each place, made when first needed (the options of patients who keep the
  modality whole are the same objects);
- constraints: patient -> what the patient's constraints rule out (with reasons) and
  the programme components they leave out (this also checks that the patient names only
  known ids, so an error is never cached);
- options: (pain type, weights, policy, ids ruled out, components left out) -> the ranked
  and unranked options: patients who rule out the same modalities share them;
- rankings: (pain type, weights, policy, patient) -> options, unranked and exclusions, the
  one lookup a repeated call makes.

So a call with weights not seen before weighs the assessments already made, sorts
integers and builds scores only for the options it returns. Weights compare by their
exact reading (2**60 and 2.0**60 are different weights). Cached values hold only results
(scores, options, exclusions), never the caller's weights or patient objects: equal keys
give results that are equal and print the same, and rank() puts the caller's own
objects in the Ranking it returns. Cache sizes are budgets of modalities held, divided
by the catalog's size, so memory stays bounded for a catalog of any size (a few
megabytes for the built-in one).

This module sits below :mod:`painmodalities.ranking` (the layers run one way), so it names
none of the ranking's records: :class:`RankCache` leaves what it builds its values with to the
ranking model, whose subclass gives them as class attributes.
"""

import functools
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from painmodalities.catalog import Catalog
from painmodalities.errors import UnknownModalityError
from painmodalities.evidence import PainType, Recommendation
from painmodalities.modalities import Modality
from painmodalities.scoring import Appraisal, Score, ScoringPolicy, Weighing, Weights, assess

#: How many assessed and scored modalities the assessment and board caches may hold.
_ASSESSMENT_BUDGET = 1 << 13
_BOARD_BUDGET = 1 << 15
#: How many excluded or ranked modalities the constraint and option caches may hold.
_PATIENT_BUDGET = 1 << 16
_OPTIONS_BUDGET = 1 << 16
#: How many (key, shared result) pairs the ranking cache may hold, times the catalog size.
_RANKING_BUDGET = 1 << 16

# The ranking's records (options, exclusions, reasons, omissions) are Any here: they are
# defined above this module.
#: Programme indexes with the components a patient's constraints leave out.
_Omitted = tuple[tuple[int, tuple[Any, ...]], ...]
_Options = tuple[tuple[Any, ...], tuple[Any, ...]]
_Result = tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]


def _bounded(budget: int, size: int) -> int:
    return max(8, budget // size)


def sort_key(modality: Modality, has_benefit: bool, value: Any) -> tuple[bool, Any, bool, str]:
    """The ranking order's key, for any value that compares as the score does."""
    return (not has_benefit, -value, not modality.is_active, modality.id)


def left_out(omitted: Iterable[Any]) -> frozenset[str]:
    """The ids of the components in ``omitted`` (omissions)."""
    return frozenset(omission.component for omission in omitted)


class _Constraints:
    """What one patient's constraints do to a catalog, whatever the pain type.

    ``gone`` holds the ids ruled out, ``reasons`` their indexes with the patient's reasons
    (in catalog order), ``omitted`` the programmes left without some of their components.
    """

    __slots__ = ("gone", "omitted", "reasons")

    def __init__(
        self,
        gone: frozenset[str],
        reasons: tuple[tuple[int, tuple[Any, ...]], ...],
        omitted: _Omitted,
    ) -> None:
        self.gone = gone
        self.reasons = reasons
        self.omitted = omitted


_NO_CONSTRAINT_EFFECT = _Constraints(frozenset(), (), ())


class _Advice:
    """One pain type and policy: what guidelines say of each modality.

    ``recommendations`` holds each modality's recommendations in scope; ``against`` the
    indexes the policy excludes for a guideline's "against", with their reasons;
    ``before`` what a guideline asks a clinician to do before treating the pain type.
    """

    __slots__ = ("against", "before", "recommendations")

    def __init__(
        self,
        recommendations: tuple[tuple[Recommendation, ...], ...],
        against: tuple[tuple[int, tuple[Any, ...]], ...],
        before: tuple[Any, ...],
    ) -> None:
        self.recommendations = recommendations
        self.against = against
        self.before = before


class _Board:
    """One (pain type, weights, policy): the catalog in ranking order, scored on demand."""

    __slots__ = ("assessed", "entries", "order", "scores", "totals", "weighing")

    def __init__(
        self, modalities: tuple[Modality, ...], assessed: tuple[Appraisal, ...], weights: Weights
    ) -> None:
        weighing = Weighing(weights)
        totals = [weighing.total(assessment) for assessment in assessed]
        self.order = sorted(
            range(len(modalities)),
            key=lambda index: sort_key(
                modalities[index], assessed[index].has_benefit, totals[index]
            ),
        )
        self.assessed = assessed
        self.totals = totals
        self.weighing = weighing
        # Filled as options need them; a race makes equal values twice, never a wrong one.
        self.scores: list[Score | None] = [None] * len(modalities)
        # (index, place) -> the entry of a modality the patient's constraints leave whole:
        # its ranked option at that place, or its unranked option at place 0. Every
        # patient who keeps the modality shares it (at most n * (n + 1) per board).
        self.entries: dict[tuple[int, int], Any] = {}

    def _score(self, index: int) -> Score:
        found = self.scores[index]
        if found is None:
            found = self.scores[index] = self.weighing.score(self.assessed[index])
        return found

    def ranked(
        self,
        modalities: tuple[Modality, ...],
        gone: frozenset[str],
        advice: _Advice,
        altered: Mapping[int, tuple[Appraisal, tuple[Any, ...]]],
        *,
        ranked_option: Callable[..., Any],
        unranked_option: Callable[..., Any],
    ) -> _Options:
        """The ranked and unranked options, leaving out the ids in ``gone``.

        ``altered`` maps the index of a programme that goes without some components to its
        assessment without them; it takes its own place in the order.
        """
        order: Iterable[int] = self.order
        totals = self.totals
        if altered:
            totals = list(totals)
            for index, (assessment, _) in altered.items():
                totals[index] = self.weighing.total(assessment)
            order = sorted(
                self.order,
                key=lambda index: sort_key(
                    modalities[index],
                    (altered[index][0] if index in altered else self.assessed[index]).has_benefit,
                    totals[index],
                ),
            )
        options: list[Any] = []
        unranked: list[Any] = []
        rank_of_total: dict[int, int] = {}
        kept = self.entries
        for index in order:
            modality = modalities[index]
            if modality.id in gone:
                continue
            change = altered.get(index)
            without: tuple[Any, ...] = ()
            if change is None:
                result = self._score(index)
            else:
                result, without = self.weighing.score(change[0]), change[1]
            # Sorted by score, so the first option with a total gives its rank to ties;
            # an unranked option has place 0.
            place = (
                rank_of_total.setdefault(totals[index], len(options) + 1)
                if result.has_benefit
                else 0
            )
            entry = kept.get((index, place)) if change is None else None
            if entry is None:
                entry = self._entry(
                    modality,
                    place,
                    result,
                    advice.recommendations[index],
                    without,
                    ranked_option=ranked_option,
                    unranked_option=unranked_option,
                )
                if change is None:
                    kept[index, place] = entry
            (options if place else unranked).append(entry)
        return tuple(options), tuple(unranked)

    @staticmethod
    def _entry(
        modality: Modality,
        place: int,
        result: Score,
        recommendations: tuple[Recommendation, ...],
        without: tuple[Any, ...],
        *,
        ranked_option: Callable[..., Any],
        unranked_option: Callable[..., Any],
    ) -> Any:
        """The ranked option at ``place``, or the unranked option when ``place`` is 0."""
        if place:
            return ranked_option(
                rank=place,
                modality=modality,
                score=result,
                recommendations=recommendations,
                without=without,
            )
        return unranked_option(
            modality=modality, score=result, recommendations=recommendations, without=without
        )


class RankCache:
    """The ranking caches of one catalog (see the module's docstring).

    A subclass gives what the caches build their values with, as class attributes.
    """

    __slots__ = ("advice", "assessments", "boards", "constraints", "options", "rankings")

    #: The ranking's records: ``RankedOption``, ``UnrankedOption`` and ``Exclusion``.
    ranked_option: ClassVar[Callable[..., Any]]
    unranked_option: ClassVar[Callable[..., Any]]
    exclusion: ClassVar[Callable[..., Any]]
    #: The patient with no constraints (whose constraints rule nothing out).
    unconstrained: ClassVar[Any]
    #: ``(patient, modality, modalities by id)``: the components the patient may not have.
    omissions: ClassVar[Callable[..., tuple[Any, ...]]]
    #: ``(patient, modality, omissions)``: the patient's own reasons against the modality.
    patient_reasons: ClassVar[Callable[..., tuple[Any, ...]]]
    #: ``(modality, pain type, policy)``: the guideline reasons the policy excludes it for.
    guideline_reasons: ClassVar[Callable[..., tuple[Any, ...]]]

    def __init__(self, catalog: Catalog) -> None:
        # The closures hold the catalog's parts, not the catalog: no reference cycle.
        modalities, ids, guidance = catalog.modalities, catalog.ids, catalog.assessments
        by_id = MappingProxyType(dict(zip(ids, modalities, strict=True)))
        size = max(1, len(modalities))
        kind = type(self)
        omissions, patient_reasons = kind.omissions, kind.patient_reasons
        guideline_reasons, unconstrained = kind.guideline_reasons, kind.unconstrained

        def assessments(pain_type: PainType, policy: ScoringPolicy) -> tuple[Appraisal, ...]:
            return tuple(assess(modality, pain_type, policy) for modality in modalities)

        def advice(pain_type: PainType, policy: ScoringPolicy) -> _Advice:
            against = (
                (index, guideline_reasons(modality, pain_type, policy))
                for index, modality in enumerate(modalities)
            )
            return _Advice(
                recommendations=tuple(m.recommendations_for(pain_type) for m in modalities),
                against=tuple((index, reasons) for index, reasons in against if reasons),
                before=tuple(each for each in guidance if each.applies_to(pain_type)),
            )

        def board(pain_type: PainType, weights: Weights, policy: ScoringPolicy) -> _Board:
            return _Board(modalities, self.assessments(pain_type, policy), weights)

        def constraints(patient: Any) -> _Constraints:
            if patient == unconstrained:
                return _NO_CONSTRAINT_EFFECT
            named = sorted(patient.exclude | (patient.covered or frozenset()))
            unknown = [modality_id for modality_id in named if modality_id not in by_id]
            if unknown:
                raise UnknownModalityError.for_id(unknown[0], ids)
            reasons: list[tuple[int, tuple[Any, ...]]] = []
            omitted: list[tuple[int, tuple[Any, ...]]] = []
            for index, modality in enumerate(modalities):
                parts = omissions(patient, modality, by_id)
                found = patient_reasons(patient, modality, parts, by_id)
                if found:
                    reasons.append((index, found))
                elif parts:
                    omitted.append((index, parts))
            return _Constraints(
                gone=frozenset(modalities[index].id for index, _ in reasons),
                reasons=tuple(reasons),
                omitted=tuple(omitted),
            )

        def options(
            pain_type: PainType,
            weights: Weights,
            policy: ScoringPolicy,
            gone: frozenset[str],
            omitted: _Omitted,
        ) -> _Options:
            altered = {
                index: (
                    assess(modalities[index], pain_type, policy, without=left_out(parts)),
                    parts,
                )
                for index, parts in omitted
            }
            return self.boards(pain_type, weights, policy).ranked(
                modalities,
                gone,
                self.advice(pain_type, policy),
                altered,
                ranked_option=kind.ranked_option,
                unranked_option=kind.unranked_option,
            )

        def rankings(
            pain_type: PainType, weights: Weights, policy: ScoringPolicy, patient: Any
        ) -> _Result:
            ruled = self.constraints(patient)
            found = self.advice(pain_type, policy)
            reasons = dict(ruled.reasons)
            for index, against in found.against:
                reasons[index] = reasons.get(index, ()) + against
            gone = ruled.gone | {modalities[index].id for index, _ in found.against}
            ranked, unranked = self.options(pain_type, weights, policy, gone, ruled.omitted)
            excluded = tuple(
                kind.exclusion(
                    modality=modalities[index],
                    reasons=reasons[index],
                    recommendations=found.recommendations[index],
                )
                for index in sorted(reasons)
            )
            return ranked, unranked, excluded, found.before

        self.assessments = functools.lru_cache(_bounded(_ASSESSMENT_BUDGET, size))(assessments)
        self.advice = functools.lru_cache(_bounded(_ASSESSMENT_BUDGET, size))(advice)
        self.boards = functools.lru_cache(_bounded(_BOARD_BUDGET, size))(board)
        self.constraints = functools.lru_cache(_bounded(_PATIENT_BUDGET, size))(constraints)
        self.options = functools.lru_cache(_bounded(_OPTIONS_BUDGET, size))(options)
        self.rankings = functools.lru_cache(_bounded(_RANKING_BUDGET, size))(rankings)
