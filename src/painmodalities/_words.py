"""Plain-language words for the vocabulary and for findings, written once.

Explanations, the command line and the FHIR texts all word an enum member or a finding
through this module, so that "very low certainty" or "chronic low back pain" is spelled in
one place. It imports only the vocabulary.

>>> word(Certainty.VERY_LOW), pain_type(Condition.LOW_BACK, Phase.CHRONIC)
('very low', 'chronic low back pain')
"""

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Protocol, SupportsFloat

from painmodalities.vocabulary import (
    Certainty,
    Condition,
    Direction,
    Effect,
    Horizon,
    Outcome,
    Phase,
    Precaution,
)

__all__ = [
    "CONDITION_WORDS",
    "HORIZON_SPANS",
    "SHORT_TERM",
    "SYMPTOM_RELIEF",
    "WITH_EXERCISE",
    "FindingParts",
    "GuidanceParts",
    "describe",
    "effect_size",
    "first_under",
    "guidance",
    "guideline",
    "in_sentence",
    "no_active_option",
    "no_adjunct",
    "pain_type",
    "percent",
    "plain",
    "precautions_text",
    "word",
]

#: Each condition as a clinician says it.
CONDITION_WORDS: Final[Mapping[Condition, str]] = MappingProxyType(
    {
        Condition.LOW_BACK: "low back pain",
        Condition.NECK: "neck pain",
        Condition.KNEE_OSTEOARTHRITIS: "knee osteoarthritis",
        Condition.HIP_OSTEOARTHRITIS: "hip osteoarthritis",
        Condition.FIBROMYALGIA: "fibromyalgia",
        Condition.TENSION_HEADACHE: "tension-type headache",
    }
)

#: Each horizon with the span of time it stands for (AHRQ bands, after the course ends).
HORIZON_SPANS: Final[Mapping[Horizon, str]] = MappingProxyType(
    {
        Horizon.IMMEDIATE: "immediate (up to 1 month after the course)",
        Horizon.SHORT: "short term (1 to under 6 months)",
        Horizon.INTERMEDIATE: "intermediate term (6 to under 12 months)",
        Horizon.LONG: "long term (12 months or more)",
    }
)


def plain(text: str) -> str:
    """A snake_case name in words: ``session_minutes`` -> ``session minutes``."""
    return text.replace("_", " ")


def word(member: enum.Enum) -> str:
    """An enum member's value in words: ``Certainty.VERY_LOW`` -> ``very low``."""
    return plain(str(member.value))


def pain_type(condition: Condition, phase: Phase) -> str:
    """A condition in a phase in words, such as ``chronic low back pain``."""
    return f"{phase.value} {CONDITION_WORDS[condition]}"


def effect_size(effect: Effect) -> str:
    """An effect's size as it reads before "effect": ``no``, ``small``, ``moderate``..."""
    return "no" if effect is Effect.NONE else effect.value


class FindingParts(Protocol):
    """What :func:`describe` reads of a finding (an :class:`~painmodalities.Finding`)."""

    @property
    def outcome(self) -> Outcome:
        """What was measured."""

    @property
    def horizon(self) -> Horizon:
        """When it was measured."""

    @property
    def effect(self) -> Effect:
        """How large the effect was."""

    @property
    def certainty(self) -> Certainty:
        """How sure the evidence is."""

    @property
    def source(self) -> str:
        """The key of the source cited."""

    @property
    def component(self) -> str | None:
        """The programme component the finding came from, if any."""


def describe(finding: FindingParts) -> str:
    """``moderate effect on function at long horizon, low certainty (jenkins-2025)``."""
    via = f", via {finding.component}" if finding.component else ""
    return (
        f"{effect_size(finding.effect)} effect on {finding.outcome.value} "
        f"at {finding.horizon.value} horizon, {word(finding.certainty)} "
        f"certainty ({finding.source}{via})"
    )


#: Names whose first word keeps its capital inside a sentence (a proper adjective).
_PROPER_WORDS: Final = frozenset({"Swedish"})


def in_sentence(name: str) -> str:
    """A display name as it reads inside a sentence: ``Acupuncture`` -> ``acupuncture``.

    Acronyms (``TENS``) and proper adjectives (``Swedish``) keep their capitals.
    """
    first = name.split(" ", 1)[0]
    if first in _PROPER_WORDS or first[1:2].isupper():
        return name
    return name[:1].lower() + name[1:]


def guideline(source_key: str) -> str:
    """A guideline's short name from its citation key: ``nice-ng59`` -> ``NICE NG59``."""
    return source_key.upper().replace("-", " ")


class GuidanceParts(Protocol):
    """What :func:`guidance` reads of a :class:`~painmodalities.Recommendation`."""

    @property
    def condition(self) -> Condition | None:
        """The condition covered, or any."""

    @property
    def phase(self) -> Phase | None:
        """The phase covered, or any."""

    @property
    def direction(self) -> Direction:
        """For, against, or only with exercise."""

    @property
    def source(self) -> str:
        """The guideline's source key."""


def _scope(recommendation: GuidanceParts) -> str:
    condition, phase = recommendation.condition, recommendation.phase
    if condition is None:
        return "any pain" if phase is None else f"{phase.value} pain"
    words = CONDITION_WORDS[condition]
    return words if phase is None else f"{phase.value} {words}"


def guidance(recommendation: GuidanceParts, name: str) -> str:
    """What a guideline says of the modality called ``name``, as one sentence.

    ``NICE NG59 recommends against acupuncture for low back pain``; a recommendation
    restricted to a package with exercise says so.
    """
    who, what, scope = (
        guideline(recommendation.source),
        in_sentence(name),
        _scope(recommendation),
    )
    if recommendation.direction is Direction.AGAINST:
        return f"{who} recommends against {what} for {scope}"
    if recommendation.direction is Direction.ONLY_WITH_EXERCISE:
        return f"{who} recommends {what} for {scope} only as part of a package with exercise"
    return f"{who} recommends {what} for {scope}"


#: How an empty list of precautions reads: the dossier records none, which is not "safe".
NO_PRECAUTIONS: Final = "no precautions recorded in the evidence dossier"


class _PrecautionParts(Protocol):
    @property
    def precautions(self) -> frozenset[Precaution]:
        """The precautions."""

    @property
    def precautions_source(self) -> str | None:
        """The key of their source."""


def precautions_text(modality: _PrecautionParts) -> str:
    """A modality's precautions in words with their source, or that none is recorded.

    ``bleeding risk, fracture, weakened bones (natural-standard-smt)``.
    """
    if not modality.precautions:
        return NO_PRECAUTIONS
    listed = ", ".join(word(precaution) for precaution in sorted(modality.precautions))
    source = modality.precautions_source
    return f"{listed} ({source})" if source else listed


# -- care plans (painmodalities.plans) -------------------------------------------------------

#: The label of a plan member no scored finding shows helping at the long horizon.
SHORT_TERM: Final = "short-term relief, not a long-term solution"
#: The label of an adjunct a guideline allows only beside exercise.
WITH_EXERCISE: Final = "only as part of a package with exercise"
#: The label of a passive option offered when the plan has no active core.
SYMPTOM_RELIEF: Final = "symptom relief only"


def no_active_option(pain_label: str) -> str:
    """``No active option has scored evidence for acute low back pain.``."""
    return f"No active option has scored evidence for {pain_label}."


def no_adjunct(pain_label: str) -> str:
    """What a plan says when no passive option may be added."""
    return (
        f"No passive option the patient may have has scored evidence of benefit for "
        f"{pain_label} without a guideline against it."
    )


def percent(share: SupportsFloat) -> str:
    """A share in [0, 1] as a whole percentage: ``71%`` (``<1%`` above 0, ``>99%`` below 1)."""
    value = float(share)
    shown = round(value * 100)
    if value > 0 and shown == 0:
        return "<1%"
    if value < 1 and shown == 100:
        return ">99%"
    return f"{shown}%"


def first_under(name: str, share: SupportsFloat) -> str:
    """``Exercise therapy ranks first under 71% of weightings``."""
    return f"{name} ranks first under {percent(share)} of weightings"
