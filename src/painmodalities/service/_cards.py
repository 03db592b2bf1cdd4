"""Card content: what a clinician reads, all of it written here from the ranking's public API.

This is the one module that words cards. It reads a :class:`~painmodalities.Ranking`
through its options (modality, score, rank), unranked options and exclusions with the
recommendations in scope, and the care plan built from it (:class:`~painmodalities.CarePlan`):
:func:`care_plan_section` words the plan's active core and adjuncts in the card detail, and
:func:`core_choices` gives the options a suggestion orders (the plan's core). What the record
shows was already referred or done comes in the dossier's words (``PriorCare.words``).
"""

import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, Literal

import attrs
import orjson

from painmodalities import _words
from painmodalities.evidence import PainType, Recommendation
from painmodalities.fhir import SNOMED_SYSTEM, BundleImport
from painmodalities.fhir._codes import modality_codes
from painmodalities.modalities import Modality
from painmodalities.plans import ADVICE, CarePlan
from painmodalities.ranking import RankedOption, Ranking, UnrankedOption
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
    write,
)
from painmodalities.vocabulary import Direction

__all__ = [
    "OVERRIDE_REASONS",
    "Advice",
    "CardTemplate",
    "care_plan_section",
    "core_choices",
    "fresh_ids",
    "order_warning_card",
    "pain_type_card",
    "record_section",
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

#: Makes a card or suggestion id; the application passes :func:`uuid.uuid4`.
NewId = Callable[[], uuid.UUID]


def fresh_ids(count: int) -> list[str]:
    """``count`` random UUIDs (version 4), as text: the ids one card fills."""
    return [str(uuid.uuid4()) for _ in range(count)]


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def _name(modality: Modality) -> str:
    """The modality's name as it reads inside a sentence (``therapeutic exercise``)."""
    return _words.in_sentence(modality.name)


def _summary(text: str) -> str:
    """``text`` cut to fit a card summary (under 140 characters)."""
    return text if len(text) <= _MAX_SUMMARY else text[: _MAX_SUMMARY - 3].rstrip() + "..."


def core_choices(care: CarePlan) -> tuple[RankedOption | UnrankedOption, ...]:
    """The options a card suggests ordering: the care plan's core choices.

    Advice first where recommended, the best-scored active options and the active options
    an in-scope guideline recommends strongly (none recommending against); none when the
    plan has no active core.
    """
    return tuple(item.option for item in care.core_choices)


def care_plan_section(care: CarePlan) -> str:
    """The care plan part of a card's detail (Markdown): the active core and the adjuncts.

    Passive options are offered beside the core for relief, labelled as the plan labels
    them ("short-term relief, not a long-term solution"), never as the whole plan.
    """
    lines = [f"**Care plan.** {care.summary}"]
    if care.assessments:
        lines += ["", "Assess first:"]
        lines += [
            f"- {_words.guideline(found.source)}: {found.note}." for found in care.assessments
        ]
    if care.core_choices:
        lines += ["", "Active core (it carries long-term care):"]
        lines += [f"- {item.explain()}" for item in care.core_choices]
    if care.adjuncts:
        heading = (
            "Adjuncts (may be added for relief):" if care.core_choices else "Symptom relief only:"
        )
        lines += ["", heading]
        lines += [f"- {item.explain()}" for item in care.adjuncts]
    for title, said in (
        (_words.CONFLICTS_TITLE, care.disagreements),
        (_words.LEFT_OUT_TITLE, care.left_out),
    ):
        if said:
            lines += ["", title, *(f"- {line}" for line in said)]
    if care.unchecked:
        lines += ["", *care.unchecked]
    lines += [f"\n{note}" for note in care.notes]
    return "\n".join(lines)


def _recommendation(modality: Modality, recommendation: Recommendation) -> str:
    """What a guideline says of ``modality``, in its own verb, with its strength and source."""
    return f"{_words.guidance(recommendation, modality.name)} (`{recommendation.source}`)"


def _guideline_notes(ranking: Ranking) -> list[str]:
    """The recommendations on the ranked options, and every one against any option."""
    shown = {option.modality.id for option in ranking.options}
    modalities = [entry.modality for entry in ranking.entries]
    return [
        f"- {_recommendation(modality, recommendation)}"
        for modality in modalities
        for recommendation in modality.recommendations_for(ranking.pain_type)
        if modality.id in shown or recommendation.direction is Direction.AGAINST
    ]


def _options_table(ranking: Ranking) -> list[str]:
    ranked = ranking.options
    label = ranking.pain_type.label
    if not ranked:
        return [ranking.summary]
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
    unscored = [entry.modality.name for entry in ranking.unranked]
    if unscored:
        lines += ["", f"No scored evidence of benefit for {label}: " + ", ".join(unscored) + "."]
    for exclusion in ranking.excluded:
        lines += ["", f"Ruled out: {exclusion.explain()}"]
    return lines


def service_request(modality: Modality, pain_type: PainType, patient: str) -> dict[str, Any]:
    """A draft ServiceRequest (FHIR R4) ordering ``modality``.

    It is coded with the modality's verified SNOMED CT concept where the dossier has one
    (never a broader, generic concept); otherwise it carries the modality's name as text and
    a note that says no verified code exists (advice and self-management, weight
    management, massage, mindfulness): never a code made up.
    """
    codings = [
        {"system": SNOMED_SYSTEM, "code": concept.code, "display": concept.display}
        for concept in modality_codes(modality.id)
        if not concept.generic
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
        **({} if codings else {"note": [{"text": _words.no_snomed_code(modality.name)}]}),
    }


def _suggestions(
    care: CarePlan, patient: str, new_id: NewId, replacing: str | None = None
) -> tuple[Suggestion, ...]:
    suggestions = []
    for number, option in enumerate(core_choices(care)):
        actions = []
        if replacing is not None:
            actions.append(
                Action(
                    type=ActionType.DELETE,
                    description="Remove the draft order",
                    resource_id=replacing,
                )
            )
        actions.append(
            Action(
                type=ActionType.CREATE,
                description=f"Draft a referral for {_name(option.modality)}",
                resource=service_request(option.modality, care.pain_type, patient),
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


def _first_summary(care: CarePlan) -> str:
    label = _sentence_start(care.pain_type.label)
    first = core_choices(care)
    if not first:
        return _summary(care.outline)
    lead = [_words.ADVICE_FIRST] if first[0].modality.id == ADVICE else []
    names = [_name(option.modality) for option in first if option.modality.id != ADVICE]
    listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
    text = f"{label}: " + ", then ".join([*lead, listed] if listed else lead)
    if len(text) > _MAX_SUMMARY and names:
        short = names[0] if len(names) == 1 else f"{names[0]} or {len(names) - 1} more"
        text = f"{label}: " + ", then ".join([*lead, short])
    return _summary(text)


@attrs.frozen
class Advice:
    """What every card about one ranking says, whoever the patient: worded once per ranking.

    The application keeps one per pain type (the built-in ranking of a pain type does not
    change while the service runs), so a call only adds what belongs to its patient: what
    the record shows, the draft orders' subject and fresh ids.
    """

    ranking: Ranking
    care: CarePlan
    summary: str
    plan_section: str
    options_and_notes: tuple[str, ...]

    @classmethod
    def of(cls, ranking: Ranking) -> "Advice":
        """The advice of ``ranking``: its care plan, summary and worded options."""
        care = CarePlan.from_ranking(ranking)
        notes = _guideline_notes(ranking)
        return cls(
            ranking=ranking,
            care=care,
            summary=_first_summary(care),
            plan_section=care_plan_section(care),
            options_and_notes=(
                *_options_table(ranking),
                "",
                "**Guideline notes**",
                "",
                *(
                    notes
                    or ["- No guideline recommendation in the catalog covers these options here."]
                ),
            ),
        )


def record_section(found: BundleImport) -> str:
    """The end of a ``patient-view`` card's detail: what the record shows was done.

    Each referral or procedure the record shows, in the dossier's words.
    """
    lines = [f"- {_sentence_start(item.words)}" for item in found.prior_care]
    return "\n".join(lines or ["- The record shows none of these options done or referred to."])


def pain_type_card(
    advice: Advice, record: str, *, patient: str, docs_url: str, new_id: NewId
) -> Card:
    """The ``patient-view`` card of one pain type; ``record`` is its :func:`record_section`.

    What comes before treating (the ranking's :attr:`~painmodalities.Ranking.before`: why
    the phase is chronic, the assessments in scope) opens the detail.
    """
    before = advice.ranking.before
    detail = [
        *(f"- {line}" for line in before),
        *([""] if before else []),
        advice.plan_section,
        "",
        *advice.options_and_notes,
        "",
        "**Already in the record**",
        "",
        record,
    ]
    return _card(
        summary=advice.summary,
        detail="\n".join(detail),
        indicator=Indicator.INFO,
        suggestions=_suggestions(advice.care, patient, new_id),
        docs_url=docs_url,
        new_id=new_id,
    )


@attrs.frozen
class CardTemplate:
    """A ``patient-view`` card's JSON, written once per pain type, with marks for each call.

    Everything but three parts is the same for every patient with that pain type: the
    card's and suggestions' ids (fresh each call), the patient the draft orders are for,
    and the record section. The card is built once as records (so its validators check
    it) with random marks in those places, written as JSON, and cut at the marks;
    :meth:`fill` joins the pieces with a call's own values in one pass. It holds no
    patient's data.
    """

    pieces: tuple[bytes, ...]
    #: What goes between ``pieces[i]`` and ``pieces[i + 1]``: the patient, the record
    #: section, or a fresh id (its number in the order the card draws its ids).
    slots: tuple[int | Literal["patient", "record"], ...]
    #: How many ids the card draws.
    ids: int
    #: Which of them is the card's own ``uuid`` (the one feedback names).
    card_id: int

    @classmethod
    def of(cls, advice: Advice, docs_url: str) -> "CardTemplate":
        """The template of ``advice``'s card, linking to ``docs_url``."""
        ids: list[uuid.UUID] = []

        def new_id() -> uuid.UUID:
            ids.append(uuid.uuid4())
            return ids[-1]

        patient = "m" + secrets.token_hex(16)  # a FHIR id, as a patient's is
        record = secrets.token_hex(16)
        card = pain_type_card(advice, record, patient=patient, docs_url=docs_url, new_id=new_id)
        marks: dict[bytes, int | Literal["patient", "record"]] = {
            str(each).encode(): number for number, each in enumerate(ids)
        }
        marks[patient.encode()] = "patient"
        marks[record.encode()] = "record"
        text = orjson.dumps(write(card))
        split = re.split(b"(" + b"|".join(map(re.escape, marks)) + b")", text)
        return cls(
            pieces=tuple(split[::2]),
            slots=tuple(marks[mark] for mark in split[1::2]),
            ids=len(ids),
            card_id=ids.index(uuid.UUID(card.uuid)),
        )

    def fill(self, *, record: str, patient: str, ids: Sequence[str]) -> bytes:
        """The card's JSON for one call: what :func:`pain_type_card` writes.

        ``patient`` is the patient's id and ``record`` the call's :func:`record_section`;
        both are written as JSON string content, escaped as :func:`orjson.dumps` escapes
        them, whatever they hold. ``ids`` are the call's fresh ids (UUID text, such as
        :func:`fresh_ids` gives), :attr:`ids` of them, in the order the card draws them
        (the card's own is number :attr:`card_id`).

        Raises:
            ValueError: when ``ids`` does not hold :attr:`ids` ids.
        """
        if len(ids) != self.ids:
            raise ValueError(f"the card needs {self.ids} ids, not {len(ids)}")
        values: dict[int | str, bytes] = {number: each.encode() for number, each in enumerate(ids)}
        values["patient"] = orjson.dumps(patient)[1:-1]  # the inside of the JSON string
        values["record"] = orjson.dumps(record)[1:-1]
        parts = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            parts += (values[slot], piece)
        return b"".join(parts)


def ruled_out_reasons(ranking: Ranking, modality: Modality) -> tuple[str, ...]:
    """Why ``modality`` should not be ordered for the ranking's pain type, in sentences.

    A reason is: the patient's constraints rule it out (a recorded precaution, ...), an
    in-scope guideline recommends against it, or it has no scored evidence of benefit
    while another option has and no in-scope guideline recommends it. An order an
    in-scope guideline recommends for draws no warning unless another recommends against
    it or the patient's constraints rule it out. No reason means no warning; a warning
    quotes every in-scope recommendation about the order, for and against, with its verb.
    """
    label = ranking.pain_type.label
    said = modality.recommendations_for(ranking.pain_type)
    reasons = [
        f"It is ruled out for this patient: {reason.detail}."
        for exclusion in ranking.excluded
        if exclusion.modality.id == modality.id
        for reason in exclusion.reasons
    ]
    reasons += [
        _recommendation(modality, recommendation) + "."
        for recommendation in said
        if recommendation.direction is Direction.AGAINST
    ]
    recommended = any(recommendation.direction is Direction.FOR for recommendation in said)
    unranked = {entry.modality.id for entry in ranking.unranked}
    if not reasons and not recommended and modality.id in unranked and ranking.options:
        reasons.append(
            f"It has no scored evidence of benefit for {label}, while other options have."
        )
    if not reasons:
        return ()
    return (
        *reasons,
        *(
            _recommendation(modality, recommendation) + "."
            for recommendation in said
            if recommendation.direction is not Direction.AGAINST
        ),
    )


def order_warning_card(
    advice: Advice,
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
    label = advice.ranking.pain_type.label
    against = {
        _recommendation(modality, found) + "."
        for found in modality.recommendations_for(advice.ranking.pain_type)
        if found.direction is Direction.AGAINST
    }
    summary = f"Reconsider {_name(modality)} for {label}: " + (
        "a guideline advises against it"
        if against.intersection(why)
        else "ruled out for this patient"
        if any(reason.startswith("It is ruled out") for reason in why)
        else "no scored evidence of benefit"
    )
    detail = [
        f"**{modality.name}** is drafted for {label}:",
        "",
        *(f"- {reason}" for reason in why),
        "",
        advice.plan_section,
    ]
    return _card(
        summary=summary,
        detail="\n".join(detail),
        indicator=Indicator.WARNING,
        suggestions=_suggestions(advice.care, patient, new_id, replacing=draft),
        docs_url=docs_url,
        new_id=new_id,
    )
