"""Writing a ranking and a care plan as FHIR proposals, checked by fhir.resources.

A ranking becomes a ``GuidanceResponse`` whose result is a request group of proposed
``ServiceRequest`` resources, best first; a care plan becomes a request group with a core
and an adjunct group. Both name the catalog's ``PlanDefinition`` and carry the
``ActivityDefinition`` of every modality they name, written as the catalog export writes
them (:class:`~painmodalities.fhir._write.Writer`).
"""

import re
from typing import Any, Final

from painmodalities import _words
from painmodalities.errors import Problem, ValidationError
from painmodalities.evidence import PainType
from painmodalities.fhir._codes import SNOMED_SYSTEM
from painmodalities.fhir._write import CANONICAL_BASE, Writer, check_base, check_version
from painmodalities.plans import CarePlan, PlanItem
from painmodalities.ranking import Exclusion, RankedOption, Ranking, UnrankedOption
from painmodalities.serialization import to_json

__all__ = ["export_plan", "export_ranking"]

#: The ``subject`` of a proposed ServiceRequest (required by FHIR) when no patient is named.
_NO_SUBJECT: Final = "the patient the ranking was computed for (not named)"


class _ProposalWriter(Writer):
    """Builds the resources of one ranking or care plan export."""

    # -- ranking -----------------------------------------------------------------------

    def ranking_resources(self, ranking: Ranking, subject: str | None) -> list[dict[str, Any]]:
        pain_type = ranking.pain_type
        slug = f"ranking-{pain_type.condition.value}-{pain_type.phase.value}".replace("_", "-")
        group_type = "RequestGroup" if self.version == "R4B" else "RequestOrchestration"
        result_reference = {"reference": f"{group_type}/{slug}"}
        about = {} if subject is None else {"subject": {"reference": subject}}
        response: dict[str, Any] = {
            "resourceType": "GuidanceResponse",
            "id": slug,
            "moduleCanonical": self.plan_url(),
            "status": "success",
            **about,
            **self.reasons(ranking.pain_type),
            "result": result_reference if self.version == "R4B" else [result_reference],
        }
        extensions = [self.excluded_extension(gone) for gone in ranking.excluded] + [
            {
                "url": self.extension_url("unranked"),
                "valueCanonical": self.activity_url(u.modality),
            }
            for u in ranking.unranked
        ]
        extensions.append(
            {"url": self.extension_url("ranking-document"), "valueString": to_json(ranking)}
        )
        response["extension"] = extensions
        response["note"] = [
            {"text": ranking.summary},
            *({"text": f"Not ranked: {entry.explain()}"} for entry in ranking.unranked),
            *({"text": f"Ruled out: {gone.explain()}"} for gone in ranking.excluded),
        ]
        group: dict[str, Any] = {
            "resourceType": group_type,
            "id": slug,
            "instantiatesCanonical": [self.plan_url()],
            "status": "draft",
            "intent": "proposal",
            **about,
            **self.reasons(ranking.pain_type),
        }
        # Ids and paths by position: tied options share a rank, never an id.
        requests = [
            self.service_request(option, index, f"{slug}-{index + 1}", subject, ranking.pain_type)
            for index, option in enumerate(ranking.options)
        ]
        actions = [
            self.action(option, index, request["id"])
            for index, (option, request) in enumerate(zip(ranking.options, requests, strict=True))
        ]
        if actions:
            group["action"] = actions
        definitions = (
            [
                self.activity_definition(option.modality, f"$.options[{index}].modality", [])
                for index, option in enumerate(ranking.options)
            ]
            + [
                self.activity_definition(entry.modality, f"$.unranked[{index}].modality", [])
                for index, entry in enumerate(ranking.unranked)
            ]
            + [
                self.activity_definition(gone.modality, f"$.excluded[{index}].modality", [])
                for index, gone in enumerate(ranking.excluded)
            ]
        )
        return [response, group, *requests, *definitions]

    def service_request(
        self,
        option: RankedOption | UnrankedOption,
        index: int,
        request_id: str,
        subject: str | None,
        pain_type: PainType,
    ) -> dict[str, Any]:
        """The proposed request an action carries (FHIR's rule rqg-1 wants one per action).

        Without a SNOMED CT coding (none verified for the modality, none of the user's), a
        note says so: the request names the modality in text only.
        """
        modality = option.modality
        concept = self.modality_concept(modality, f"$.options[{index}].modality")
        codings = concept.get("coding", ())
        uncoded = not any(coding["system"] == SNOMED_SYSTEM for coding in codings)
        return {
            "resourceType": "ServiceRequest",
            "id": request_id,
            "instantiatesCanonical": [self.activity_url(modality)],
            "status": "draft",
            "intent": "proposal",
            "code": concept if self.version == "R4B" else {"concept": concept},
            "subject": {"reference": subject} if subject is not None else {"display": _NO_SUBJECT},
            **self.reasons(pain_type),
            **({"note": [{"text": _words.no_snomed_code(modality.name)}]} if uncoded else {}),
        }

    def action(
        self, option: RankedOption | UnrankedOption, index: int, request_id: str
    ) -> dict[str, Any]:
        modality = option.modality
        action: dict[str, Any] = {
            "extension": [
                {"url": self.extension_url("score"), "valueDecimal": float(option.score)}
            ],
            **({"prefix": str(option.rank)} if isinstance(option, RankedOption) else {}),
            "title": modality.name,
            "description": option.explain(),
            "code": [self.modality_concept(modality, f"$.options[{index}].modality")],
            "resource": {"reference": f"ServiceRequest/{request_id}"},
        }
        if self.version == "R4B":
            action["documentation"] = [
                {
                    "type": "derived-from",
                    "display": modality.name,
                    "resource": self.activity_url(modality),
                }
            ]
        else:
            action["definitionCanonical"] = self.activity_url(modality)
        return action

    def excluded_extension(self, exclusion: Exclusion) -> dict[str, Any]:
        parts: list[dict[str, Any]] = [
            {"url": "modality", "valueCanonical": self.activity_url(exclusion.modality)}
        ]
        for reason in exclusion.reasons:
            parts.append({"url": "reason", "valueCode": reason.code.value})
            parts.append({"url": "detail", "valueString": reason.detail})
        return {"url": self.extension_url("excluded"), "extension": parts}

    # -- care plan ---------------------------------------------------------------------

    def plan_resources(self, care: CarePlan, subject: str | None) -> list[dict[str, Any]]:
        """A request group: the core (advice first, then one or more) and the adjuncts (any)."""
        pain_type = care.pain_type
        slug = f"plan-{pain_type.condition.value}-{pain_type.phase.value}".replace("_", "-")
        group_type = "RequestGroup" if self.version == "R4B" else "RequestOrchestration"
        about = {} if subject is None else {"subject": {"reference": subject}}
        requests: list[dict[str, Any]] = []
        groups: list[dict[str, Any]] = []
        parts = (
            (
                "core",
                care.core_choices,
                "one-or-more",
                "Active core: advice first where recommended, then one or more",
            ),
            (
                "adjunct",
                care.adjuncts,
                "any",
                "Adjuncts: may be added for relief"
                if care.core_choices
                else "Symptom relief only: no active option has scored evidence",
            ),
        )
        for name, items, behaviour, title in parts:
            if not items:
                continue
            actions = []
            for item in items:
                index = len(requests)
                request = self.service_request(
                    item.option, index, f"{slug}-{index + 1}", subject, pain_type
                )
                requests.append(request)
                actions.append(self.plan_action(item, index, request["id"]))
            groups.append(
                {
                    "id": name,
                    "title": title,
                    "selectionBehavior": behaviour,
                    "action": actions,
                }
            )
        group: dict[str, Any] = {
            "resourceType": group_type,
            "id": slug,
            "instantiatesCanonical": [self.plan_url()],
            "status": "draft",
            "intent": "proposal",
            **about,
            **self.reasons(pain_type),
            "note": [
                {"text": care.summary},
                *({"text": note} for note in care.notes),
                *(
                    {"text": f"{title} {line}"}
                    for title, lines in (
                        (_words.CONFLICTS_TITLE, care.disagreements),
                        (_words.LEFT_OUT_TITLE, care.left_out),
                    )
                    for line in lines
                ),
            ],
        }
        if groups:
            group["action"] = groups
        definitions = [
            self.activity_definition(item.modality, f"$.members[{index}].modality", [])
            for index, item in enumerate(care.members)
        ]
        return [group, *requests, *definitions]

    def plan_action(self, item: PlanItem, index: int, request_id: str) -> dict[str, Any]:
        """An option's action, described by what the plan says of it."""
        action = self.action(item.option, index, request_id)
        action["description"] = item.explain()
        return action


def export_ranking(
    ranking: Ranking,
    *,
    version: str = "R4B",
    base: str = CANONICAL_BASE,
    subject: str | None = None,
) -> dict[str, Any]:
    """A ranking as a FHIR ``Bundle``: a ``GuidanceResponse`` and the actions it proposes.

    The ``GuidanceResponse`` (module: the catalog's ``PlanDefinition``; reason: the pain
    type) has as result a ``RequestGroup`` (R4B) or ``RequestOrchestration`` (R5), draft
    proposals, whose actions are the ranked options, best first, each with its rank as
    ``prefix``, its score and explanation as text (and the score in the ``score``
    extension), pointing at its ``ActivityDefinition`` (R5: ``definitionCanonical``; R4B: a
    ``derived-from`` ``documentation`` artifact) and carrying a proposed ``ServiceRequest``
    that instantiates it (FHIR wants a resource on every leaf action). The excluded options
    and their reasons are notes and ``excluded`` extensions of the ``GuidanceResponse``.
    The ``ActivityDefinition`` of every option and exclusion follows.

    Args:
        ranking: the ranking to write.
        version: ``"R4B"`` (the default) or ``"R5"``.
        base: the base of every canonical and extension URL.
        subject: a reference to the patient (``"Patient/123"``, such as
            :attr:`BundleImport.subject`); without one, the ServiceRequests name the
            patient in words only.

    Raises:
        ValidationError: as for :func:`export_catalog`, and for a subject with spaces.
    """
    writer = _ProposalWriter(check_version(version), check_base(base))
    if not isinstance(ranking, Ranking):
        raise ValidationError(Problem("$.ranking", "a Ranking", ranking, "type"))
    _check_subject(subject)
    return writer.bundle(writer.ranking_resources(ranking, subject))


def _check_subject(subject: object) -> None:
    """Refuse a subject that is not ``None`` or a FHIR reference without spaces."""
    if subject is not None and (not isinstance(subject, str) or not re.fullmatch(r"\S+", subject)):
        raise ValidationError(
            Problem("$.subject", 'a FHIR reference such as "Patient/123"', subject, "pattern")
        )


def export_plan(
    care: CarePlan,
    *,
    version: str = "R4B",
    base: str = CANONICAL_BASE,
    subject: str | None = None,
) -> dict[str, Any]:
    """A care plan as a FHIR ``Bundle``: a request group with a core and an adjunct group.

    The request group is a ``RequestGroup`` (R4B) or ``RequestOrchestration`` (R5). The
    ``core`` group (``selectionBehavior`` ``one-or-more``) holds the core choices (advice
    first where recommended);
    the ``adjunct`` group (``any``) holds the adjuncts, or the options for symptom relief
    only when the plan has no active core. Each action carries a proposed
    ``ServiceRequest`` and what the plan says of it (every in-scope recommendation about
    it in the guideline's words); the group's notes give the plan's summary, its notes
    ("No active option has scored evidence ..."), the options guidelines disagree about
    and what guidelines say about the options not in the plan. The
    ``ActivityDefinition`` of every member follows.

    Args:
        care: the plan to write.
        version: ``"R4B"`` (the default) or ``"R5"``.
        base: the base of every canonical and extension URL.
        subject: a reference to the patient, as for :func:`export_ranking`.

    Raises:
        ValidationError: as for :func:`export_ranking`.
    """
    writer = _ProposalWriter(check_version(version), check_base(base))
    if not isinstance(care, CarePlan):
        raise ValidationError(Problem("$.plan", "a CarePlan", care, "type"))
    _check_subject(subject)
    return writer.bundle(writer.plan_resources(care, subject))
