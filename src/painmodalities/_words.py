"""Plain-language words for the vocabulary and for findings, written once.

Explanations, the command line and the FHIR texts all word an enum member or a finding
through this module, so that "very low certainty" or "chronic low back pain" is spelled in
one place. It imports only the vocabulary.

>>> word(Certainty.VERY_LOW), pain_type(Condition.LOW_BACK, Phase.CHRONIC)
('very low', 'chronic low back pain')
"""

import enum
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Final, Protocol, SupportsFloat

from painmodalities.vocabulary import (
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
    Precaution,
    Strength,
)

__all__ = [
    "ADVICE_FIRST",
    "CHRONIC_SHOWN",
    "COMPARATOR_WORDS",
    "CONDITION_WORDS",
    "CONFLICTS_TITLE",
    "HORIZON_SPANS",
    "LASTS",
    "LEFT_OUT_TITLE",
    "MEASURE_NAMES",
    "NOT_BEST_SCORED",
    "NOT_EXERCISE_LED",
    "NOT_OFFERED",
    "NOT_REPORTED",
    "NOT_SCORED_ACTIVE",
    "NOT_SCORED_PASSIVE",
    "ONLY_BESIDE_A_CORE",
    "ONLY_BESIDE_EXERCISE",
    "OVERWEIGHT",
    "PRECAUTIONS_UNCHECKED",
    "SHORT_TERM",
    "SYMPTOM_RELIEF",
    "WITH_EXERCISE",
    "AssessmentParts",
    "FindingParts",
    "GuidanceParts",
    "StatisticParts",
    "assessment",
    "benefit_shown",
    "check_before",
    "chronic_by_definition",
    "describe",
    "effect_size",
    "effect_with_figures",
    "figures",
    "first_under",
    "guidance",
    "guideline",
    "in_sentence",
    "no_active_option",
    "no_adjunct",
    "no_snomed_code",
    "pain_type",
    "percent",
    "plain",
    "precautions_text",
    "ruled_out_for_patient",
    "states_strength",
    "strength_words",
    "unchecked",
    "verb_phrase",
    "verbs",
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


#: What each comparator stands for, as the dossier's README defines it.
COMPARATOR_WORDS: Final[Mapping[Comparator, str]] = MappingProxyType(
    {
        Comparator.INACTIVE: (
            "usual care, placebo, sham, attention control, waitlist or no treatment"
        ),
        Comparator.MIXED: "comparison groups that include active treatments",
    }
)

#: Each measure of an effect estimate in full (FHIR's ``statisticType`` text).
MEASURE_NAMES: Final[Mapping[Measure, str]] = MappingProxyType(
    {
        Measure.SMD: "standardised mean difference",
        Measure.MD: "mean difference",
        Measure.OTHER: "another measure",
    }
)
#: Each measure as it reads before its figure: ``MD -10.2``.
_MEASURE_LABELS: Final[Mapping[Measure, str]] = MappingProxyType(
    {Measure.SMD: "SMD", Measure.MD: "MD", Measure.OTHER: "other measure"}
)

#: How a finding without figures reads: the text read gave none, which is not zero.
NOT_REPORTED: Final = "figures not reported in the text read"


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


class StatisticParts(Protocol):
    """What :func:`figures` reads of a :class:`~painmodalities.Statistic`."""

    @property
    def measure(self) -> Measure | None:
        """What kind of number the estimate is."""

    @property
    def scale(self) -> str:
        """The instrument and its range, or empty."""

    @property
    def estimate(self) -> Decimal | None:
        """The point estimate."""

    @property
    def ci_low(self) -> Decimal | None:
        """The lower end of the 95% interval."""

    @property
    def ci_high(self) -> Decimal | None:
        """The upper end of the 95% interval."""

    @property
    def studies(self) -> int | None:
        """How many studies."""

    @property
    def participants(self) -> int | None:
        """How many participants."""


def _number(value: Decimal) -> str:
    """A decimal digit for digit as the source printed it (never in exponent form)."""
    return f"{value:f}"


def _count(number: int, one: str, more: str) -> str:
    return f"{number} {one if number == 1 else more}"


def figures(statistic: StatisticParts | None) -> str:
    """A finding's figures in one wording, used everywhere they are shown.

    ``MD -10.2 (95% CI -17.5 to -2.9) on 0-100``; counts follow when known (``SMD -0.37
    (95% CI -0.67 to -0.08), 8 studies, 375 participants``); ``None`` reads as
    :data:`NOT_REPORTED`, never as zero.
    """
    if statistic is None:
        return NOT_REPORTED
    parts = []
    if statistic.estimate is not None and statistic.measure is not None:
        text = f"{_MEASURE_LABELS[statistic.measure]} {_number(statistic.estimate)}"
        if statistic.ci_low is not None and statistic.ci_high is not None:
            text += f" (95% CI {_number(statistic.ci_low)} to {_number(statistic.ci_high)})"
        if statistic.scale:
            text += (
                f" on {statistic.scale}"
                if statistic.measure is Measure.MD
                else f", as {statistic.scale}"
            )
        parts.append(text)
    else:
        parts.append("estimate not reported")
    if statistic.studies is not None:
        parts.append(_count(statistic.studies, "study", "studies"))
    if statistic.participants is not None:
        parts.append(_count(statistic.participants, "participant", "participants"))
    return ", ".join(parts)


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

    @property
    def statistic(self) -> StatisticParts | None:
        """The source's figures, or ``None`` when the text read gave none."""


def describe(finding: FindingParts) -> str:
    """A finding in one line, with its figures where known.

    ``moderate effect on function at long horizon, low certainty: MD -10.2 (95% CI -17.5
    to -2.9) on 0-100, jenkins-2025``; without figures, ``small effect on pain at short
    horizon, low certainty (hayden-2021)``.
    """
    via = f", via {finding.component}" if finding.component else ""
    said = (
        f"{effect_size(finding.effect)} effect on {finding.outcome.value} "
        f"at {finding.horizon.value} horizon, {word(finding.certainty)} certainty"
    )
    if finding.statistic is None:
        return f"{said} ({finding.source}{via})"
    return f"{said}: {figures(finding.statistic)}, {finding.source}{via}"


def effect_with_figures(effect: Effect, statistic: StatisticParts | None) -> str:
    """An effect's size and its figures: ``moderate: MD -10.2 (95% CI -17.5 to -2.9) on 0-100``.

    Without figures: ``small: figures not reported in the text read``.
    """
    size = "no effect" if effect is Effect.NONE else effect.value
    return f"{size}: {figures(statistic)}"


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


#: What a summary of findings does with a condition chronic by definition.
CHRONIC_SHOWN: Final = "the findings of its chronic phase are shown"


def chronic_by_definition(condition: Condition, done: str = "ranked as chronic") -> str:
    """Why a condition is read as chronic whatever phase was given (the dossier's words).

    ``done`` says what was done with it: ``knee osteoarthritis is chronic by definition:
    ranked as chronic``.
    """
    return f"{CONDITION_WORDS[condition]} is chronic by definition: {done}"


class AssessmentParts(Protocol):
    """What :func:`assessment` reads of an :class:`~painmodalities.Assessment`."""

    @property
    def kind(self) -> AssessmentKind:
        """What the assessment is about."""

    @property
    def verb(self) -> str:
        """The guideline's own verb phrase."""

    @property
    def note(self) -> str:
        """What the guideline asks, in its words."""

    @property
    def source(self) -> str:
        """The guideline's source key."""

    @property
    def locator(self) -> str:
        """Where in the guideline (``Recommendation 1.1.1``)."""


def assessment(found: AssessmentParts) -> str:
    """What a guideline asks before treating, in its words, with where it says so.

    ``Before treating: think about alternative diagnoses ... (NICE NG59 1.1.1)``. The
    natural course is what to tell the patient (``tell the patient that most people ...``).
    """
    said = found.note
    if found.kind is AssessmentKind.NATURAL_COURSE:
        said = f"{found.verb} that {said}"
    number = found.locator.removeprefix("Recommendations ").removeprefix("Recommendation ")
    where = f" {number}" if "." in number.split(" ", 1)[0] else f", {found.locator}"
    return f"Before treating: {said} ({guideline(found.source)}{where})"


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
    def strength(self) -> Strength:
        """Strong or weak."""

    @property
    def certainty(self) -> Certainty | None:
        """The certainty the body gives, if any."""

    @property
    def source(self) -> str:
        """The guideline's source key."""

    @property
    def verb(self) -> str:
        """The guideline's own verb phrase, or empty."""

    @property
    def topic(self) -> str:
        """What the guideline spoke of when broader than the modality, or empty."""


def _scope(recommendation: GuidanceParts) -> str:
    condition, phase = recommendation.condition, recommendation.phase
    if condition is None:
        return "any pain" if phase is None else f"{phase.value} pain"
    words = CONDITION_WORDS[condition]
    return words if phase is None else f"{phase.value} {words}"


#: First words of a verb phrase said after its object ("massage may be offered", "TENS
#: strongly recommended against"); any other phrase is said before it, an instruction
#: ("consider a group exercise programme", "do not offer acupuncture") or a grade
#: ("weak for yoga", EULAR's "strong for" read as "a strong recommendation for").
_AFTER_OBJECT: Final = frozenset(
    {"may", "should", "must", "can", "strongly", "conditionally", "not"}
)
#: Words of a verb phrase that already state its strength, so none is added.
_STATES_STRENGTH: Final = ("strong", "weak", "conditional")
#: The verb phrase said for a recommendation whose data gives none, by direction.
_PLAIN_VERBS: Final[Mapping[Direction, str]] = MappingProxyType(
    {
        Direction.FOR: "recommends",
        Direction.AGAINST: "recommends against",
        Direction.ONLY_WITH_EXERCISE: "recommends, only as part of a package with exercise,",
    }
)


def verb_phrase(recommendation: GuidanceParts) -> str:
    """The recommendation's verb as the guideline says it, or a plain one by direction."""
    return recommendation.verb.strip() or _PLAIN_VERBS[recommendation.direction]


def _with_object(verb: str, what: str) -> str:
    """``verb`` said of ``what``: after it for a passive phrase, else inside the instruction.

    An instruction's object goes after its first clause, before a comma, a bracket or an
    ``as`` (``explain weight management as a core treatment``, ``consider massage, only
    as part of a treatment package including exercise``).
    """
    if verb.split(" ", 1)[0].lower() in _AFTER_OBJECT:
        return f"{what} {verb}"
    cut = min(
        (found for found in (verb.find(","), verb.find(" ("), verb.find(" as ")) if found > 0),
        default=len(verb),
    )
    return f"{verb[:cut]} {what}{verb[cut:]}"


def states_strength(recommendation: GuidanceParts) -> bool:
    """Whether the guideline's own verb already says how strong the recommendation is."""
    verb = recommendation.verb.lower()
    return any(found in verb for found in _STATES_STRENGTH)


#: The order recommendations are listed in: against first, then only with exercise, then for.
_DIRECTION_ORDER: Final[Mapping[Direction, int]] = MappingProxyType(
    {Direction.AGAINST: 0, Direction.ONLY_WITH_EXERCISE: 1, Direction.FOR: 2}
)


def verbs(recommendations: Iterable[GuidanceParts]) -> tuple[str, ...]:
    """The guidelines' distinct verbs, against first (``do not offer``, ``consider``).

    Each without its brackets or the clause after a comma: what a table column or a plot
    mark has room for; the full sentence is :func:`guidance`.
    """
    ordered = sorted(recommendations, key=lambda advice: _DIRECTION_ORDER[advice.direction])
    return tuple(dict.fromkeys(_short_verb(verb_phrase(advice)) for advice in ordered))


#: Modal words: a verb phrase's subject before one is left out of a short form.
_MODALS: Final = frozenset({"may", "should", "must", "can"})


def _short_verb(verb: str) -> str:
    """``verb`` without its brackets, the clause after a comma, or a subject before a modal.

    ``clinicians and patients should select (strong recommendation)`` -> ``should select``.
    """
    words = verb.split(" (", maxsplit=1)[0].split(",", maxsplit=1)[0].split(" ")
    modal = next((at for at, found in enumerate(words) if found in _MODALS), 0)
    return " ".join(words[modal:])


def strength_words(recommendation: GuidanceParts) -> str:
    """The strength and certainty in brackets: ``(weak)``, ``(weak, very low certainty)``.

    Only the certainty when the verb says its strength (``(low certainty)``); empty when it
    says that and the body gives no certainty.
    """
    certainty = recommendation.certainty
    said = [] if states_strength(recommendation) else [recommendation.strength.value]
    said += [f"{word(certainty)} certainty"] if certainty else []
    return f"({', '.join(said)})" if said else ""


def _said(recommendation: GuidanceParts, verb_said: str) -> str:
    """The verb phrase and its strength words.

    A verb that states its strength in a closing bracket (ACP's ``(strong
    recommendation)``) takes the certainty inside it.
    """
    strength = strength_words(recommendation)
    if not strength:
        return verb_said
    if states_strength(recommendation) and recommendation.verb.rstrip().endswith(")"):
        return f"{verb_said[:-1]}, {strength[1:]}"
    return f"{verb_said} {strength}"


def guidance(recommendation: GuidanceParts, name: str) -> str:
    """What a guideline says of the modality called ``name``, in the guideline's own verb.

    ``NICE NG59 for low back pain: do not offer acupuncture (strong)``; ``WHO 2023 CLBP for
    chronic low back pain: massage may be offered (weak, very low certainty)``. A
    recommendation about a broader topic (massage in general) is said about that topic,
    never restated as if it were about one technique: ``ACP 2017 (massage in general) for
    acute low back pain: clinicians and patients should select massage (strong
    recommendation, low certainty)``. The strength is added unless the verb says it
    (``strongly recommended against``, ``weak for``); a certainty the body gives is always
    said. "Recommends" is said only where the data gives no verb.
    """
    topic = recommendation.topic
    who = guideline(recommendation.source) + (f" ({topic} in general)" if topic else "")
    what = topic or in_sentence(name)
    said = _with_object(verb_phrase(recommendation), what)
    return f"{who} for {_scope(recommendation)}: {_said(recommendation, said)}"


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


#: What a card, plan or ranking made without the patient's precautions says.
PRECAUTIONS_UNCHECKED: Final = (
    "Precautions not checked: this was made without the patient's precautions. "
    "Check them before offering these options:"
)


def unchecked(known: bool, checks: tuple[str, ...]) -> tuple[str, ...]:
    """What a ranking, plan or card made without the patient's precautions says.

    Nothing when they are ``known`` or nothing offered has precautions to ``check``;
    otherwise :data:`PRECAUTIONS_UNCHECKED`, then each check.
    """
    if known or not checks:
        return ()
    return (PRECAUTIONS_UNCHECKED, *(f"- {check}" for check in checks))


def check_before(names: Sequence[str], listed: str) -> str:
    """What to check before the options ``names``: ``listed`` is their precautions_text.

    ``Before deep tissue massage and myofascial release, check for: blood clot, ...
    (nccih-massage)``.
    """
    said = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"Before {said}, check for: {listed}"


# -- care plans (painmodalities.plans) -------------------------------------------------------

#: The heading of the options guidelines in scope disagree about (kept out of a plan).
CONFLICTS_TITLE: Final = "Guidelines disagree (kept out of the plan):"
#: The heading of what guidelines say about the options a plan leaves out.
LEFT_OUT_TITLE: Final = "What guidelines say about options not in the plan:"
#: Why a plan leaves an option out (:attr:`~painmodalities.CarePlan.left_out`).
NOT_OFFERED: Final = "not offered"
NOT_BEST_SCORED: Final = (
    "not a core choice (not the best-scored active option, and no strong recommendation "
    "for it in scope)"
)
NOT_SCORED_ACTIVE: Final = (
    "not a core choice (no scored evidence of benefit, and no strong recommendation for it "
    "in scope)"
)
NOT_SCORED_PASSIVE: Final = "not in the plan (no scored evidence of benefit)"
ONLY_BESIDE_EXERCISE: Final = (
    "not in the plan (only as part of a package with exercise, and the core holds no exercise)"
)
ONLY_BESIDE_A_CORE: Final = (
    "not in the plan (massage only beside an active core, never as the whole plan)"
)


def ruled_out_for_patient(details: Iterable[str]) -> str:
    """Why a plan leaves out an option ruled out for the patient.

    ``ruled out for this patient (precaution: blood clot (nccih-massage))``.
    """
    return f"ruled out for this patient ({'; '.join(details)})"


def no_snomed_code(name: str) -> str:
    """What an order of a modality with no verified SNOMED CT code says of its code.

    The evidence dossier's ``codes/snomed.csv`` holds no trustworthy code for advice and
    self-management, weight management, massage or mindfulness: the library never makes one
    up.
    """
    return (
        f"No SNOMED CT code: the evidence dossier holds no verified code for "
        f"{in_sentence(name)}; this order names it in text only."
    )


#: The label of a plan member whose scored benefit ends by the short horizon.
SHORT_TERM: Final = "short-term relief, not a long-term solution"
#: Why a programme left without its active components is not offered.
NOT_EXERCISE_LED: Final = "without its exercise it is not an exercise-led programme"
#: The label of an adjunct a guideline allows only beside exercise.
WITH_EXERCISE: Final = "only as part of a package with exercise"
#: How advice and self-management leads a plan.
ADVICE_FIRST: Final = "advice and self-management (stay active)"
#: The label of weight management: never offered as if it applied to everyone.
OVERWEIGHT: Final = "for people who are overweight"
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


#: How long a benefit shown at a horizon lasts, in words (the AHRQ bands).
LASTS: Final[Mapping[Horizon, str]] = MappingProxyType(
    {
        Horizon.IMMEDIATE: "for under a month",
        Horizon.SHORT: "for under 6 months",
        Horizon.INTERMEDIATE: "for under 12 months",
        Horizon.LONG: "for 12 months or more",
    }
)


def benefit_shown(function: Horizon | None, pain: Horizon | None) -> str:
    """What scored findings show, and for how long: ``pain relief for under a month``.

    ``function`` and ``pain`` are the longest horizons a scored benefit is shown at.
    """
    parts = [
        f"{what} {LASTS[lasts]}"
        for what, lasts in (("function benefit", function), ("pain relief", pain))
        if lasts is not None
    ]
    return " and ".join(parts) or "no scored benefit"


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
