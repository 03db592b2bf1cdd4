"""A patient's constraints and what they rule out, with every reason.

:class:`Patient` holds the constraints; the exclusion rules (one statement of them) word
each :class:`Reason` a modality is ruled out; a programme goes without the components the
patient may not have (:class:`Omission`), and is ruled out when none of its exercise is
left; with the policy's ``exclude_against``, a guideline against a modality rules it out
too (:func:`exclusion_reasons`). :mod:`painmodalities.ranking` exports these names.
"""

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Final

import attrs

from painmodalities import _rank_cache
from painmodalities import _rules as check
from painmodalities._record import Record
from painmodalities.evidence import PainType
from painmodalities.modalities import Modality, PhysicalTherapy
from painmodalities.scoring import ScoringPolicy
from painmodalities.vocabulary import Direction, Precaution, RankedEnum

__all__ = [
    "ExclusionReason",
    "Omission",
    "Patient",
    "Reason",
    "exclusion_reasons",
    "guideline_reasons",
    "omissions",
    "patient_reasons",
]


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
        precautions_known: whether ``precautions`` are all the patient's: the caller
            checked the patient for every precaution the catalog knows. By default, true
            when precautions are given and false when none are: a patient built without
            precautions is read as "not checked", never as "checked, none". Pass ``True``
            with no precautions for a patient checked and found to have none. A ranking
            or plan for a patient whose precautions are not known says so, and lists what
            to check before each option offered.
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
    precautions_known: bool = attrs.field(
        default=attrs.Factory(lambda self: bool(self.precautions), takes_self=True),
        validator=check.boolean,
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


def _precautions_shared(patient: Patient, modality: Modality) -> Iterable[str]:
    """``precaution: blood clot (nccih-massage)`` for each precaution both have."""
    from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

    source = f" ({modality.precautions_source})" if modality.precautions_source else ""
    return (
        f"precaution: {_words.word(precaution)}{source}"
        for precaution in sorted(patient.precautions & modality.precautions)
    )


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
        _precautions_shared,
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
        from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

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


def patient_reasons(
    patient: Patient,
    modality: Modality,
    omitted: tuple[Omission, ...],
    modalities: Mapping[str, Modality],
) -> tuple[Reason, ...]:
    """The patient's own reasons against ``modality``, and its components' when needed.

    A programme with no active component left is not offered as an exercise-led one.
    """
    from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

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


def guideline_reasons(
    modality: Modality, pain_type: PainType, policy: ScoringPolicy
) -> tuple[Reason, ...]:
    """With ``policy.exclude_against``, one reason per in-scope recommendation against it."""
    if not policy.exclude_against:
        return ()
    from painmodalities import _words  # noqa: PLC0415 (words: not to rank)

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
    return patient_reasons(patient, modality, omitted, modalities) + guideline_reasons(
        modality, pain_type, policy
    )
