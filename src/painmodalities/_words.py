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
from typing import Final, Protocol

from painmodalities.vocabulary import (
    Certainty,
    Condition,
    Effect,
    Horizon,
    Outcome,
    Phase,
)

__all__ = [
    "CONDITION_WORDS",
    "HORIZON_SPANS",
    "FindingParts",
    "describe",
    "effect_size",
    "pain_type",
    "plain",
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
