"""Writing the catalog as FHIR R4B or R5 resources, checked by fhir.resources.

The catalog becomes a ``PlanDefinition``, an ``ActivityDefinition`` per modality, an
``Evidence`` per finding and a ``Citation`` per source (:func:`export_catalog`). The
:class:`Writer` that builds them also builds the ``ActivityDefinition`` resources a ranking
or care plan export carries (:mod:`painmodalities.fhir._write_proposals`).

Every resource is built as a plain JSON-ready ``dict`` and then validated by constructing
its ``fhir.resources`` model, so that an export that would not parse is never returned.
``fhir.resources`` checks structure, not terminology: the codes are checked here. The only
SNOMED CT codes written are those in :data:`~painmodalities.fhir.SNOMED_VERIFIED`.
"""

import hashlib
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs

from painmodalities import _words
from painmodalities._builtin import default_catalog
from painmodalities.catalog import Catalog
from painmodalities.errors import Problem, ValidationError
from painmodalities.evidence import Finding, PainType, Source
from painmodalities.fhir import _models
from painmodalities.fhir._codes import (
    CERTAINTY_SYSTEMS,
    SNOMED_SYSTEM,
    SNOMED_VERIFIED,
    condition_codes,
    is_uncoded,
    modality_codes,
)
from painmodalities.modalities import Modality, PhysicalTherapy
from painmodalities.vocabulary import Activity, Certainty, Horizon, Measure

__all__ = [
    "CANONICAL_BASE",
    "EXTENSIONS",
    "Writer",
    "check_base",
    "check_version",
    "export_catalog",
    "fhir_id",
]

#: The default base of every canonical URL and extension URL the exporter writes. It is a
#: reserved example domain (RFC 2606): pass ``base=`` to publish under your own.
CANONICAL_BASE: Final = "http://painmodalities.example.org/fhir"

#: The library's extensions, by name; each URL is ``{base}/StructureDefinition/{name}``.
EXTENSIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "activity": "ActivityDefinition: valueCode active (the patient does the work) or passive",
        "expected-benefit": (
            "ActivityDefinition: per pain type, the longest horizon at which a function finding "
            "shows benefit at low certainty or above; sub-extensions painType (valueString "
            '"condition:phase") and horizon (valueCode immediate, short, intermediate or long)'
        ),
        "score": "RequestGroup/RequestOrchestration action: valueDecimal, the score in [0, 1]",
        "excluded": (
            "GuidanceResponse: one per modality the patient's constraints or the policy ruled "
            "out; sub-extensions modality (valueCanonical of its ActivityDefinition), then per "
            "reason a reason (valueCode) and a detail (valueString)"
        ),
        "unranked": (
            "GuidanceResponse: one per modality the patient may have with no scored finding "
            "of benefit for the pain type; valueCanonical of its ActivityDefinition"
        ),
        "ranking-document": (
            "GuidanceResponse: the ranking as the library's JSON ranking document (valueString; "
            "from_json(text, Ranking, catalog=...) reads it back)"
        ),
    }
)

_VERSIONS: Final = ("R4B", "R5")
_VARIABLE_ROLE: Final = "http://terminology.hl7.org/CodeSystem/variable-role"
_STATISTIC_TYPE: Final = "http://terminology.hl7.org/CodeSystem/statistic-type"
#: The HL7 statistic-type code and display of each measure that has one (``other``: text).
_STATISTIC_TYPES: Final[Mapping[Measure, tuple[str, str]]] = {
    Measure.SMD: ("0000100", "Standardized Mean Difference"),
    Measure.MD: ("0000457", "Mean Difference"),
}
_ATTRIBUTE_ESTIMATE_TYPE: Final = "http://terminology.hl7.org/CodeSystem/attribute-estimate-type"
_GRADE: Final[Mapping[Certainty, str]] = {
    Certainty.HIGH: "high",
    Certainty.MODERATE: "moderate",
    Certainty.LOW: "low",
    Certainty.VERY_LOW: "very-low",
}
_MAX_ID: Final = 64
#: The ``subject`` of a proposed ServiceRequest (required by FHIR) when no patient is named.


def check_version(version: object) -> str:
    if version not in _VERSIONS:
        raise ValidationError(Problem("$.version", 'one of "R4B", "R5"', version, "enum"))
    return str(version)


def check_base(base: object) -> str:
    if not isinstance(base, str) or not re.fullmatch(r"(https?|urn):\S+", base):
        raise ValidationError(
            Problem("$.base", "an absolute http(s) or urn URI without spaces", base, "pattern")
        )
    return base.rstrip("/")


def fhir_id(modality_id: str) -> str:
    """The FHIR ``id`` of a modality: its id with ``_`` as ``-`` (FHIR ids have no ``_``).

    Modality ids never contain ``-``, so no two of them meet. An id too long for FHIR (64
    characters) is cut and given a short hash of itself, as is any other text.

    >>> fhir_id("physical_therapy.programme")
    'physical-therapy.programme'
    """
    plain = modality_id.replace("_", "-")
    if "-" not in modality_id and _models.FHIR_ID.fullmatch(plain):
        return plain
    return _hashed(modality_id)


def _key_id(key: str) -> str:
    """The FHIR ``id`` of a source key: the key itself, or hashed if it has ``_``.

    Keys may hold both ``-`` and ``_``, so ``a_b`` cannot simply become ``a-b``.
    """
    return key if "_" not in key and _models.FHIR_ID.fullmatch(key) else _hashed(key)


def _hashed(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    kept = re.sub(r"[^A-Za-z0-9\-.]", "-", text)[: _MAX_ID - len(digest) - 1]
    return f"{kept}-{digest}"


def _computable_name(text: str) -> str:
    """``massage.deep_tissue`` as ``MassageDeepTissue`` (FHIR's rule for ``name``)."""
    parts = [part for part in re.split(r"[^A-Za-z0-9]+", text) if part]
    name = "".join(part[0].upper() + part[1:] for part in parts)
    return name if name[:1].isalpha() else "X" + name


class Writer:
    """Builds the resources of one export, for one FHIR version and base."""

    def __init__(self, version: str, base: str) -> None:
        from painmodalities import __version__  # noqa: PLC0415 (the package is loaded)

        self.version = version
        self.base = base
        self.library_version = __version__

    # -- urls --------------------------------------------------------------------------

    def url(self, resource_type: str, resource_id: str) -> str:
        return f"{self.base}/{resource_type}/{resource_id}"

    def extension_url(self, name: str) -> str:
        return f"{self.base}/StructureDefinition/{name}"

    def activity_url(self, modality: Modality) -> str:
        return self.url("ActivityDefinition", fhir_id(modality.id))

    def evidence_id(self, modality_id: str, number: int) -> str:
        return fhir_id(f"{modality_id}.finding{number}")

    def plan_url(self) -> str:
        return self.url("PlanDefinition", "catalog")

    # -- codes -------------------------------------------------------------------------

    def modality_concept(self, modality: Modality, at: str) -> dict[str, Any]:
        codings: list[dict[str, Any]] = [
            {"system": SNOMED_SYSTEM, "code": concept.code, "display": concept.display}
            for concept in modality_codes(modality.id)
            if not is_uncoded(modality.id)
        ]
        seen = {(coding["system"], coding["code"]) for coding in codings}
        for number, coding in enumerate(modality.codings):
            if coding.system == SNOMED_SYSTEM:
                _check_snomed(modality, coding.code, f"{at}.codings[{number}].code")
            if (coding.system, coding.code) in seen:
                continue
            seen.add((coding.system, coding.code))
            written = {"system": coding.system, "code": coding.code}
            if coding.system == SNOMED_SYSTEM:
                written["display"] = SNOMED_VERIFIED[coding.code].display
            elif coding.display:
                written["display"] = coding.display
            codings.append(written)
        concept: dict[str, Any] = {"text": modality.name}
        if codings:
            concept["coding"] = codings
        return concept

    def pain_concept(self, pain_type: PainType) -> dict[str, Any]:
        codings = [
            {"system": SNOMED_SYSTEM, "code": concept.code, "display": concept.display}
            for concept in condition_codes(pain_type.condition, pain_type.phase)
        ]
        concept: dict[str, Any] = {"text": pain_type.label}
        if codings:
            concept["coding"] = codings
        return concept

    def reasons(self, pain_type: PainType) -> dict[str, Any]:
        concept = self.pain_concept(pain_type)
        if self.version == "R4B":
            return {"reasonCode": [concept]}
        return {"reason": [{"concept": concept}]}

    # -- catalog -----------------------------------------------------------------------

    def activity_definition(
        self, modality: Modality, at: str, evidence: list[tuple[str, str]]
    ) -> dict[str, Any]:
        """``evidence`` lists the (canonical url, title) of each Evidence it cites."""
        resource: dict[str, Any] = {
            "resourceType": "ActivityDefinition",
            "id": fhir_id(modality.id),
            "extension": [
                {"url": self.extension_url("activity"), "valueCode": modality.activity.value},
                *self.benefit_extensions(modality),
            ],
            "url": self.activity_url(modality),
            "identifier": [{"system": f"{self.base}/modality-id", "value": modality.id}],
            "version": self.library_version,
            "name": _computable_name(modality.id),
            "title": modality.name,
            "status": "active",
            "publisher": "painmodalities",
            "description": modality.summary or modality.name,
            "usage": self.usage(modality),
            "kind": "ServiceRequest",
            "code": self.modality_concept(modality, at),
        }
        if evidence:
            resource["relatedArtifact"] = [
                {"type": "justification", "display": title, "resource": url}
                for url, title in evidence
            ]
        if modality.session_minutes is not None:
            resource["timingTiming"] = {
                "repeat": {"duration": modality.session_minutes, "durationUnit": "min"}
            }
        return resource

    def benefits(self, modality: Modality) -> list[tuple[PainType, Horizon]]:
        found = []
        for pain_type in sorted({finding.pain_type for finding in modality.findings}):
            horizon = modality.expected_benefit(pain_type)
            if horizon is not None:
                found.append((pain_type, horizon))
        return found

    def benefit_extensions(self, modality: Modality) -> list[dict[str, Any]]:
        return [
            {
                "url": self.extension_url("expected-benefit"),
                "extension": [
                    {"url": "painType", "valueString": str(pain_type)},
                    {"url": "horizon", "valueCode": horizon.value},
                ],
            }
            for pain_type, horizon in self.benefits(modality)
        ]

    def usage(self, modality: Modality) -> str:
        who = (
            "Active: the patient does the work."
            if modality.activity is Activity.ACTIVE
            else "Passive: done to the patient."
        )
        benefits = self.benefits(modality)
        if benefits:
            shown = "; ".join(
                f"{pain_type.label}: {_words.HORIZON_SPANS[horizon]}"
                for pain_type, horizon in benefits
            )
            benefit = f"Benefit to function shown (low certainty or above) lasting: {shown}."
        else:
            benefit = (
                "No benefit to function is shown at low certainty or above for any pain type."
            )
        if modality.precautions:
            caution = f"Not to be given with: {_words.precautions_text(modality)}."
        else:
            caution = f"Precautions: {_words.NO_PRECAUTIONS}."
        return f"{who} {benefit} {caution}"

    def evidence(
        self, modality: Modality, finding: Finding, number: int, source: Source
    ) -> dict[str, Any]:
        """A finding as EBM-on-FHIR describes one: its variables, statistic and certainty."""
        outcome = finding.outcome.value
        span = _words.HORIZON_SPANS[finding.horizon]
        size = _words.effect_size(finding.effect)
        title = f"{modality.name}: {size} effect on {outcome} in {finding.pain_type.label}, {span}"
        compared = _words.COMPARATOR_WORDS[finding.comparator]
        scale = finding.statistic.scale if finding.statistic is not None else ""
        measured = f"{outcome}, {span}" + (f", on {scale}" if scale else "")
        resource: dict[str, Any] = {
            "resourceType": "Evidence",
            "id": self.evidence_id(modality.id, number),
            "url": self.url("Evidence", self.evidence_id(modality.id, number)),
            "version": self.library_version,
            "title": title,
            "status": "active",
            "variableDefinition": [
                self.variable("population", f"People with {finding.pain_type.label}"),
                self.variable("exposure", modality.name),
                self.variable("referenceExposure", compared),
                self.variable("measuredVariable", measured),
            ],
            "statistic": [self.statistic(finding, compared)],
            "certainty": [self.certainty(finding.certainty)],
            "relatedArtifact": [
                {
                    "type": "citation",
                    "display": source.title,
                    "resource": self.url("Citation", _key_id(source.key)),
                }
            ],
        }
        if finding.note:
            resource["description"] = finding.note
        return resource

    def statistic(self, finding: Finding, compared: str) -> dict[str, Any]:
        """The effect with its type, estimate, 95% interval and counts, where known."""
        figures = finding.statistic
        statistic: dict[str, Any] = {
            "description": (
                f"{_words.effect_size(finding.effect)} effect on {finding.outcome.value} "
                f"against {compared}: {_words.figures(figures)}"
            )
        }
        if figures is None:
            return statistic
        if figures.measure is not None:
            name = _words.MEASURE_NAMES[figures.measure]
            code = _STATISTIC_TYPES.get(figures.measure)
            statistic["statisticType"] = (
                {"coding": [{"system": _STATISTIC_TYPE, "code": code[0], "display": code[1]}]}
                if code is not None
                else {"text": f"{name}: {figures.scale}" if figures.scale else name}
            )
        if figures.estimate is not None:
            statistic["quantity"] = {"value": float(figures.estimate)}
        counts = {
            key: value
            for key, value in (
                ("numberOfStudies", figures.studies),
                ("numberOfParticipants", figures.participants),
            )
            if value is not None
        }
        if counts:
            statistic["sampleSize"] = counts
        interval = figures.interval
        if interval is not None:
            statistic["attributeEstimate"] = [
                {
                    "description": "95% confidence interval",
                    "type": {
                        "coding": [
                            {
                                "system": _ATTRIBUTE_ESTIMATE_TYPE,
                                "code": "C53324",
                                "display": "Confidence interval",
                            }
                        ]
                    },
                    "level": 0.95,
                    "range": {
                        "low": {"value": float(interval[0])},
                        "high": {"value": float(interval[1])},
                    },
                }
            ]
        return statistic

    def variable(self, role: str, description: str) -> dict[str, Any]:
        return {
            "description": description,
            "variableRole": {"coding": [{"system": _VARIABLE_ROLE, "code": role}]},
        }

    def certainty(self, certainty: Certainty) -> dict[str, Any]:
        grade = _GRADE.get(certainty)
        if grade is None:
            # GRADE has no "insufficient" (AHRQ's: evidence exists but allows no conclusion):
            # the rating is carried as text, with no coding.
            return {
                "description": "AHRQ insufficient: the evidence allows no conclusion",
                "rating": {"text": "insufficient"},
            }
        return {
            "rating": {
                "coding": [{"system": CERTAINTY_SYSTEMS[self.version], "code": grade}],
                "text": _words.word(certainty),
            }
        }

    def citation(self, source: Source) -> dict[str, Any]:
        artifact: dict[str, Any] = {"title": [{"text": source.title}]}
        link = _web_location(source.url)
        if link:
            artifact["webLocation"] = [{"url": link}]
        if source.year is not None:
            artifact["publicationForm"] = [{"articleDate": str(source.year)}]
        summary = ". ".join(
            part
            for part in (source.title, source.publisher, str(source.year or ""), source.url)
            if part
        )
        resource: dict[str, Any] = {
            "resourceType": "Citation",
            "id": _key_id(source.key),
            "url": self.url("Citation", _key_id(source.key)),
            "identifier": [{"system": f"{self.base}/source-key", "value": source.key}],
            "version": self.library_version,
            "title": source.title,
            "status": "active",
            "summary": [{"text": summary}],
            "citedArtifact": artifact,
        }
        notes = [
            text
            for text in (
                source.kind and f"Kind: {source.kind}",
                source.read_confidence and f"Read with confidence: {source.read_confidence}",
            )
            if text
        ]
        if notes:
            resource["note"] = [{"text": text} for text in notes]
        return resource

    def plan(self, modalities: Iterable[Modality]) -> dict[str, Any]:
        return {
            "resourceType": "PlanDefinition",
            "id": "catalog",
            "url": self.plan_url(),
            "version": self.library_version,
            "name": "PainModalitiesCatalog",
            "title": "Non-drug pain-care modalities",
            "status": "active",
            "publisher": "painmodalities",
            "description": (
                "The catalog of non-drug pain-care modalities, each with its graded evidence."
            ),
            "action": [
                {"title": modality.name, "definitionCanonical": self.activity_url(modality)}
                for modality in modalities
            ],
        }

    def catalog_resources(self, catalog: Catalog) -> list[dict[str, Any]]:
        evidence: list[dict[str, Any]] = []
        cited: dict[str, list[tuple[str, str]]] = {}
        own: dict[tuple[str, Finding], tuple[str, str]] = {}
        for modality in catalog:
            cited[modality.id] = []
            for number, finding in enumerate(
                (f for f in modality.findings if f.component is None), start=1
            ):
                resource = self.evidence(modality, finding, number, catalog.source(finding.source))
                evidence.append(resource)
                own[(modality.id, finding)] = (resource["url"], resource["title"])
                cited[modality.id].append(own[(modality.id, finding)])
        for modality in catalog:
            for finding in modality.findings:
                if finding.component is not None:
                    link = _component_link(catalog, own, finding.component, finding)
                    if link is not None and link not in cited[modality.id]:
                        cited[modality.id].append(link)
        used = {finding.source for modality in catalog for finding in modality.findings}
        return [
            self.plan(catalog),
            *(
                self.activity_definition(modality, f"$.modalities[{index}]", cited[modality.id])
                for index, modality in enumerate(catalog)
            ),
            *evidence,
            *(self.citation(source) for source in catalog.sources if source.key in used),
        ]

    # -- bundle ------------------------------------------------------------------------

    def bundle(self, resources: list[dict[str, Any]]) -> dict[str, Any]:
        problems: list[Problem] = []
        for index, resource in enumerate(resources):
            problems += (
                problem.at(f"$.entry[{index}].resource")
                for problem in _models.validate(self.version, resource)
            )
        if problems:
            raise ValidationError(problems)
        return {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {
                    "fullUrl": self.url(resource["resourceType"], resource["id"]),
                    "resource": resource,
                }
                for resource in resources
            ],
        }


def _component_link(
    catalog: Catalog,
    own: Mapping[tuple[str, Finding], tuple[str, str]],
    component: str,
    finding: Finding,
) -> tuple[str, str] | None:
    """The Evidence a programme's finding came from, looked for down nested programmes."""
    plain = attrs.evolve(finding, component=None)
    stack, seen = [component], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        link = own.get((current, plain))
        if link is not None:
            return link
        inner = catalog.get(current)
        if isinstance(inner, PhysicalTherapy):
            stack.extend(inner.components)
    return None


def _web_location(url: str) -> str:
    if url.startswith("10.") and "/" in url and " " not in url:
        return "https://doi.org/" + url
    if re.fullmatch(r"https?://\S+", url):
        return url
    return ""


def _check_snomed(modality: Modality, code: str, at: str) -> None:
    concept = SNOMED_VERIFIED.get(code)
    own = {found.code for found in modality_codes(modality.id)}
    if is_uncoded(modality.id):
        expected = f"no SNOMED CT coding: none is verified for {modality.id}"
    elif own:
        expected = f"a SNOMED CT code verified for {modality.id}: " + ", ".join(sorted(own))
    else:
        expected = "a verified SNOMED CT procedure code (painmodalities.fhir.SNOMED_VERIFIED)"
    verified = concept is not None and concept.is_modality and (not own or code in own)
    if is_uncoded(modality.id) or not verified:
        raise ValidationError(Problem(at, expected, code, "unverified_code"))


def export_catalog(
    catalog: Catalog | None = None, *, version: str = "R4B", base: str = CANONICAL_BASE
) -> dict[str, Any]:
    """The catalog as a FHIR ``Bundle`` (type ``collection``), as a JSON-ready ``dict``.

    It holds a ``PlanDefinition`` grouping one ``ActivityDefinition`` per modality, one
    ``Evidence`` per finding (a programme's findings point at its components' Evidence),
    with its GRADE certainty, and one ``Citation`` per cited source.

    Args:
        catalog: the catalog to write; the built-in one if ``None``.
        version: ``"R4B"`` (the default) or ``"R5"``.
        base: the base of every canonical and extension URL.

    Raises:
        ValidationError: for an unknown version, a user's SNOMED CT coding that is not
            verified for its modality, or a resource ``fhir.resources`` rejects.

    >>> bundle = export_catalog()
    >>> bundle["entry"][1]["resource"]["resourceType"]
    'ActivityDefinition'
    """
    writer = Writer(check_version(version), check_base(base))
    found = default_catalog() if catalog is None else catalog
    if not isinstance(found, Catalog):
        raise ValidationError(Problem("$.catalog", "a Catalog", found, "type"))
    return writer.bundle(writer.catalog_resources(found))
