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

from collections.abc import Iterator
from typing import Any, overload

import attrs

from painmodalities import _validate as check
from painmodalities.catalog import Catalog, default_catalog
from painmodalities.errors import Problem, UnknownModalityError, ValidationError
from painmodalities.evidence import PainType
from painmodalities.modalities import Modality
from painmodalities.scoring import Score, ScoringPolicy, Weights, score
from painmodalities.vocabulary import Precaution, RankedEnum

__all__ = [
    "Exclusion",
    "ExclusionReason",
    "Patient",
    "RankedOption",
    "Ranking",
    "Reason",
    "rank",
]


@check.stated(
    {
        "anyOf": [
            {"type": "array", "items": dict(check.MODALITY_ID_SCHEMA), "uniqueItems": True},
            {"type": "null"},
        ]
    }
)
def _optional_ids(_instance: object, attribute: Any, value: Any) -> None:
    if value is not None:
        check.frozenset_of_ids(_instance, attribute, value)


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
        default=None, converter=_optional_frozenset, validator=_optional_ids
    )
    max_session_minutes: int | None = attrs.field(
        default=None, validator=check.optional_int_in(1, check.MAX_SESSION_MINUTES)
    )
    exclude: frozenset[str] = attrs.field(
        default=frozenset(), converter=check.as_frozenset, validator=check.frozenset_of_ids
    )

    def reasons_against(self, modality: Modality) -> tuple["Reason", ...]:
        """Every reason this patient's constraints rule ``modality`` out (empty if none)."""
        reasons: list[Reason] = []
        if modality.id in self.exclude:
            reasons.append(Reason(code=ExclusionReason.EXCLUDED, detail="excluded on request"))
        reasons.extend(
            Reason(
                code=ExclusionReason.PRECAUTION,
                detail=f"precaution: {precaution.value.replace('_', ' ')}",
            )
            for precaution in sorted(self.precautions & modality.precautions)
        )
        if self.covered is not None and modality.id not in self.covered:
            reasons.append(
                Reason(code=ExclusionReason.NOT_COVERED, detail="not covered by insurance")
            )
        if (
            self.max_session_minutes is not None
            and modality.session_minutes is not None
            and modality.session_minutes > self.max_session_minutes
        ):
            reasons.append(
                Reason(
                    code=ExclusionReason.SESSION_TOO_LONG,
                    detail=f"sessions of {modality.session_minutes} minutes exceed the "
                    f"patient's {self.max_session_minutes}",
                )
            )
        return tuple(reasons)


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
        raise UnknownModalityError(modality_id, self.ids)

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
    return (not result.has_benefit, -result.value, not modality.is_active, modality.id)


def _pain_type(value: object) -> PainType:
    if isinstance(value, PainType):
        return value
    if isinstance(value, str):
        return PainType.parse(value)
    raise ValidationError(Problem("$.pain_type", 'a PainType or "condition:phase"', value))


def _check_known(patient: Patient, catalog: Catalog) -> None:
    named = sorted(patient.exclude | (patient.covered or frozenset()))
    unknown = [modality_id for modality_id in named if modality_id not in catalog]
    if unknown:
        raise UnknownModalityError(unknown[0], catalog.ids)


def _require(value: object, kind: type, name: str) -> None:
    if not isinstance(value, kind):
        raise ValidationError(Problem(f"$.{name}", f"a {kind.__name__}", value, "type"))


def rank(
    pain_type: PainType | str,
    *,
    catalog: Catalog | None = None,
    patient: Patient | None = None,
    weights: Weights | None = None,
    policy: ScoringPolicy | None = None,
) -> Ranking:
    """Rank the catalog's modalities for long-term function in ``pain_type``.

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
    found_pain_type = _pain_type(pain_type)
    catalog = default_catalog() if catalog is None else catalog
    patient = Patient() if patient is None else patient
    weights = Weights() if weights is None else weights
    policy = ScoringPolicy() if policy is None else policy
    for value, kind, name in (
        (catalog, Catalog, "catalog"),
        (patient, Patient, "patient"),
        (weights, Weights, "weights"),
        (policy, ScoringPolicy, "policy"),
    ):
        _require(value, kind, name)
    _check_known(patient, catalog)
    kept: list[tuple[tuple[bool, Any, bool, str], Modality, Score]] = []
    excluded: list[Exclusion] = []
    for modality in catalog:
        reasons = patient.reasons_against(modality)
        if reasons:
            excluded.append(Exclusion(modality=modality, reasons=reasons))
            continue
        result = score(modality, found_pain_type, weights, policy)
        kept.append((order_key(modality, result), modality, result))
    kept.sort(key=lambda entry: entry[0])
    return Ranking(
        pain_type=found_pain_type,
        options=tuple(
            RankedOption(rank=position, modality=modality, score=result)
            for position, (_, modality, result) in enumerate(kept, start=1)
        ),
        excluded=tuple(excluded),
        patient=patient,
        weights=weights,
        policy=policy,
    )
