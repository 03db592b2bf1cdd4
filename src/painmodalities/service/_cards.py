"""Card content: what a clinician reads, all of it written here from the ranking's public API.

This is the one module that words cards. It reads a :class:`~painmodalities.Ranking`
through its options (modality, score, rank) and each modality's
``recommendations_for(pain_type)``, and words enums and pain types through the library's
plain words. Two functions stand where the care plan (issue 14) will plug in:
:func:`care_plan_section` (the plan's text in the card detail) and :func:`core_choices` (the
options a suggestion orders). Until ``plan()`` exists they say what the ranking shows, and
never invent a plan.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from painmodalities import _words
from painmodalities.evidence import PainType, Recommendation
from painmodalities.fhir import SNOMED_SYSTEM, SNOMED_VERIFIED, BundleImport
from painmodalities.modalities import Modality
from painmodalities.ranking import RankedOption, Ranking
from painmodalities.service._records import (
    Action,
    ActionType,
    Card,
    CardSource,
    Coding,
    Indicator,
    Link,
    SelectionBehavior,
    Suggestion,
)
from painmodalities.vocabulary import Direction

__all__ = [
    "OVERRIDE_REASONS",
    "care_plan_section",
    "core_choices",
    "order_warning_card",
    "pain_type_card",
    "ruled_out_reasons",
]

#: The CDS Hooks override-reason code system (CDS Hooks 3.0 ballot, AHRQ CDSiC taxonomy).
NON_ADHERENCE: Final = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"
#: The service's own override reasons, where no CDS Hooks code fits.
LOCAL_REASONS: Final = "http://painmodalities.example.org/fhir/CodeSystem/override-reason"

#: The reasons a clinician may give for dismissing a card, offered on every card.
OVERRIDE_REASONS: Final = (
    Coding(
        system=NON_ADHERENCE,
        code="recipient-concerns-outcomes",
        display="Recipient has concerns regarding potential health outcomes",
    ),
    Coding(
        system=NON_ADHERENCE,
        code="action-unsuccessful",
        display="Recommended action was previously unsuccessful",
    ),
    Coding(
        system=NON_ADHERENCE,
        code="does-not-align-preferences",
        display="Recommendation does not align with patient preferences or values",
    ),
    Coding(
        system=LOCAL_REASONS,
        code="not-covered",
        display="Not covered by the patient's insurance",
    ),
)
_MAX_SUMMARY: Final = 139
_DIRECTION_WORDS: Final[Mapping[Direction, str]] = {
    Direction.FOR: "recommends",
    Direction.AGAINST: "recommends against",
    Direction.ONLY_WITH_EXERCISE: "recommends only together with exercise",
}
_TRIED_WORDS: Final[Mapping[str, str]] = {
    "Procedure": "done",
    "ServiceRequest": "referred",
}

#: Makes a card or suggestion id; the application passes :func:`uuid.uuid4`.
NewId = Callable[[], uuid.UUID]


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def _name(modality: Modality) -> str:
    """The modality's name as it reads inside a sentence (``therapeutic exercise``)."""
    name = modality.name
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def _summary(text: str) -> str:
    """``text`` cut to fit a card summary (under 140 characters)."""
    return text if len(text) <= _MAX_SUMMARY else text[: _MAX_SUMMARY - 3].rstrip() + "..."


def _with_benefit(ranking: Ranking) -> tuple[RankedOption, ...]:
    return tuple(option for option in ranking.options if option.score.has_benefit)


def core_choices(ranking: Ranking) -> tuple[RankedOption, ...]:
    """The options a card suggests ordering: the care plan's core, when plans exist.

    Until ``plan()`` lands (issue 14), these are the options that share the first rank
    among those with scored evidence of benefit: what the ranking puts first, nothing more.
    """
    ranked = _with_benefit(ranking)
    return tuple(option for option in ranked if option.rank == ranked[0].rank) if ranked else ()


def care_plan_section(ranking: Ranking) -> str:
    """The care plan part of a card's detail (Markdown); the plan is wired in here.

    Until ``plan()`` lands (issue 14) this says what the ranking shows, and that no plan
    (core and adjuncts) is computed yet.
    """
    label = ranking.pain_type.label
    first = core_choices(ranking)
    if not first:
        return (
            f"**Care plan.** No care plan is computed yet; no option has scored evidence "
            f"of benefit for {label}."
        )
    names = ", ".join(
        f"{option.modality.name} ({_words.word(option.modality.activity)})" for option in first
    )
    return (
        f"**Care plan.** No care plan (core and adjuncts) is computed yet. The ranking "
        f"puts first for long-term function: {names}."
    )


def _recommendation(modality: Modality, recommendation: Recommendation, label: str) -> str:
    words = _DIRECTION_WORDS[recommendation.direction]
    return (
        f"`{recommendation.source}` {words} {_name(modality)} for {label} "
        f"({_words.word(recommendation.strength)} recommendation)"
    )


def _guideline_notes(ranking: Ranking) -> list[str]:
    """The recommendations on the ranked options, and every one against any option."""
    label = ranking.pain_type.label
    shown = {option.modality.id for option in _with_benefit(ranking)}
    modalities = [option.modality for option in ranking.options]
    modalities += [exclusion.modality for exclusion in ranking.excluded]
    return [
        f"- {_recommendation(modality, recommendation, label)}"
        for modality in modalities
        for recommendation in modality.recommendations_for(ranking.pain_type)
        if modality.id in shown or recommendation.direction is Direction.AGAINST
    ]


def _options_table(ranking: Ranking) -> list[str]:
    ranked = _with_benefit(ranking)
    label = ranking.pain_type.label
    if not ranked:
        return [f"No option has scored evidence of benefit for {label}."]
    lines = [
        f"**Ranked for long-term function** ({label}; score from 0 to 1):",
        "",
        "| Rank | Option | Activity | Score |",
        "|---:|---|---|---:|",
    ]
    lines += [
        f"| {option.rank} | {option.modality.name} | {_words.word(option.modality.activity)} "
        f"| {float(option.score):.2f} |"
        for option in ranked
    ]
    unscored = [option.modality.name for option in ranking.options if not option.score.has_benefit]
    if unscored:
        lines += ["", f"No scored evidence of benefit for {label}: " + ", ".join(unscored) + "."]
    for exclusion in ranking.excluded:
        lines += ["", f"Ruled out: {exclusion.explain()}"]
    return lines


def _record_lines(found: BundleImport, ranking: Ranking) -> list[str]:
    names = {option.modality.id: option.modality.name for option in ranking.options}
    lines = [
        f"- {names.get(item.modality_id, item.modality_id)}: "
        f"{_TRIED_WORDS.get(item.resource_type, 'recorded')}"
        + (f" on {item.date.isoformat()}" if item.date else "")
        + f' ({item.resource_type} "{item.display}")'
        for item in found.procedures
    ]
    return lines or ["- The record shows none of these options done or referred to."]


def service_request(modality: Modality, pain_type: PainType, patient: str) -> dict[str, Any]:
    """A draft ServiceRequest (FHIR R4) ordering ``modality``.

    It is coded with the modality's verified SNOMED CT concept where the dossier has one
    (never a broader, generic concept); otherwise it carries the modality's name as text.
    """
    codings = [
        {"system": SNOMED_SYSTEM, "code": concept.code, "display": concept.display}
        for concept in SNOMED_VERIFIED.values()
        if concept.target == modality.id and not concept.generic
    ]
    code: dict[str, Any] = {"text": modality.name}
    if codings:
        code["coding"] = codings
    return {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "order",
        "code": code,
        "subject": {"reference": f"Patient/{patient}"},
        "reasonCode": [{"text": _sentence_start(pain_type.label)}],
    }


def _suggestions(
    ranking: Ranking, patient: str, new_id: NewId, replacing: str | None = None
) -> tuple[Suggestion, ...]:
    suggestions = []
    for number, option in enumerate(core_choices(ranking)):
        actions = []
        if replacing is not None:
            actions.append(
                Action(
                    type=ActionType.DELETE,
                    description="Remove the draft order",
                    resource_id=(replacing,),
                )
            )
        actions.append(
            Action(
                type=ActionType.CREATE,
                description=f"Draft a referral for {_name(option.modality)}",
                resource=service_request(option.modality, ranking.pain_type, patient),
            )
        )
        verb = "Order" if replacing is None else "Order instead:"
        suggestions.append(
            Suggestion(
                label=f"{verb} {_name(option.modality)}",
                uuid=str(new_id()),
                is_recommended=number == 0,
                actions=tuple(actions),
            )
        )
    return tuple(suggestions)


def _card(
    *,
    summary: str,
    detail: str,
    indicator: Indicator,
    suggestions: tuple[Suggestion, ...],
    docs_url: str,
    new_id: NewId,
) -> Card:
    return Card(
        uuid=str(new_id()),
        summary=_summary(summary),
        detail=detail,
        indicator=indicator,
        source=CardSource(label="painmodalities: non-drug pain care by evidence", url=docs_url),
        suggestions=suggestions,
        selection_behavior=SelectionBehavior.AT_MOST_ONE if suggestions else None,
        override_reasons=OVERRIDE_REASONS,
        links=(
            Link(
                label="How these options are scored and ranked",
                url=f"{docs_url}scoring/",
                type="absolute",
            ),
        ),
    )


def _first_summary(ranking: Ranking) -> str:
    label = _sentence_start(ranking.pain_type.label)
    first = core_choices(ranking)
    if not first:
        return f"No option has scored evidence of benefit for {ranking.pain_type.label}."
    if len(first) == 1:
        return f"{label}: {_name(first[0].modality)} ranks first for long-term function"
    names = [_name(option.modality) for option in first]
    listed = f"{', '.join(names[:-1])} and {names[-1]}"
    text = f"{label}: {listed} share first place for long-term function"
    if len(text) > _MAX_SUMMARY:
        text = (
            f"{label}: {names[0]} and {len(names) - 1} more share first place "
            "for long-term function"
        )
    return text


def pain_type_card(
    ranking: Ranking, found: BundleImport, *, patient: str, docs_url: str, new_id: NewId
) -> Card:
    """The ``patient-view`` card of one pain type found in the record."""
    notes = _guideline_notes(ranking)
    detail = [
        care_plan_section(ranking),
        "",
        *_options_table(ranking),
        "",
        "**Guideline notes**",
        "",
        *(notes or ["- No guideline recommendation in the catalog covers these options here."]),
        "",
        "**Already in the record**",
        "",
        *_record_lines(found, ranking),
    ]
    return _card(
        summary=_first_summary(ranking),
        detail="\n".join(detail),
        indicator=Indicator.INFO,
        suggestions=_suggestions(ranking, patient, new_id),
        docs_url=docs_url,
        new_id=new_id,
    )


def ruled_out_reasons(ranking: Ranking, modality: Modality) -> tuple[str, ...]:
    """Why ``modality`` should not be ordered for the ranking's pain type, in sentences.

    A reason is: the patient's constraints rule it out (a recorded precaution, ...), an
    in-scope guideline recommends against it, or it has no scored evidence of benefit
    while another option has. No reason means no warning.
    """
    label = ranking.pain_type.label
    reasons = [
        f"It is ruled out for this patient: {reason.detail}."
        for exclusion in ranking.excluded
        if exclusion.modality.id == modality.id
        for reason in exclusion.reasons
    ]
    reasons += [
        _sentence_start(_recommendation(modality, recommendation, label)) + "."
        for recommendation in modality.recommendations_for(ranking.pain_type)
        if recommendation.direction is Direction.AGAINST
    ]
    ranked = {option.modality.id: option for option in ranking.options}
    option = ranked.get(modality.id)
    if option is not None and not option.score.has_benefit and _with_benefit(ranking):
        reasons.append(
            f"It has no scored evidence of benefit for {label}, while other options have."
        )
    return tuple(reasons)


def order_warning_card(
    ranking: Ranking,
    modality: Modality,
    reasons: Iterable[str],
    *,
    patient: str,
    draft: str | None,
    docs_url: str,
    new_id: NewId,
) -> Card:
    """The ``order-sign`` warning about a draft order of ``modality``.

    ``draft`` is the draft order's reference (``ServiceRequest/123``), which the
    suggestions delete; without one they only add the alternative.
    """
    why = list(reasons)
    label = ranking.pain_type.label
    summary = f"Reconsider {_name(modality)} for {label}: " + (
        "a guideline recommends against it"
        if any("recommends against" in reason for reason in why)
        else "ruled out for this patient"
        if any(reason.startswith("It is ruled out") for reason in why)
        else "no scored evidence of benefit"
    )
    detail = [
        f"**{modality.name}** is drafted for {label}:",
        "",
        *(f"- {reason}" for reason in why),
        "",
        care_plan_section(ranking),
    ]
    return _card(
        summary=summary,
        detail="\n".join(detail),
        indicator=Indicator.WARNING,
        suggestions=_suggestions(ranking, patient, new_id, replacing=draft),
        docs_url=docs_url,
        new_id=new_id,
    )
