"""Reading a patient's FHIR R4/R4B Bundle: their pain types, and what they already tried.

One bundle is read for one patient: the resources of any other patient in it are left out
(and reported), and a bundle of several patients is read only for the one the caller names.
Conditions are read by ``_conditions``, Procedures and ServiceRequests by ``_care``, the
patient chosen by ``_patients``; the results are the objects of ``_imported``.
"""

import datetime
import os
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from painmodalities._json_text import is_json_text, read_json
from painmodalities.errors import MISSING, Problem, ValidationError
from painmodalities.fhir import _models
from painmodalities.fhir._care import _imported, _read_procedure, prior_care_for
from painmodalities.fhir._conditions import _read_condition
from painmodalities.fhir._elements import LEVELS, check_elements
from painmodalities.fhir._imported import (
    BundleImport,
    ImportedCondition,
    ImportedProcedure,
    PriorCare,
    Skipped,
)
from painmodalities.fhir._patients import (
    _bundle_patients,
    _chosen,
    _other_patient,
    _references,
    _subject,
)
from painmodalities.fhir._validated import ValidatedResources
from painmodalities.fhir._values import _OBJECT, _label, _SkipError
from painmodalities.vocabulary import CHRONIC_BY_DEFINITION

__all__ = [
    "CHRONIC_BY_DEFINITION",
    "BundleImport",
    "ImportedCondition",
    "ImportedProcedure",
    "PriorCare",
    "Skipped",
    "prior_care_for",
    "read_bundle",
]


#: The version whose models check the resources the importer reads (R4 reads as R4B).
_READ_AS: Final = "R4B"
#: The resources the importer reads; every other entry is left alone.
_READ: Final = frozenset({"Condition", "Procedure", "ServiceRequest"})


def _fail(path: str, expected: str, value: object, rule: str) -> ValidationError:
    return ValidationError(Problem(path, expected, value, rule))


def _load(bundle: object) -> Mapping[str, Any]:
    """The bundle as a JSON object: a mapping as it is, else text or a file.

    Text and files are read within the library's limits, by its one text-input policy.
    """
    document: object
    if isinstance(bundle, _OBJECT):
        document = bundle
    else:
        try:
            document = read_json(
                bundle, unreadable=_unreadable, kinds="JSON text, a file path or a mapping"
            )
        except ValidationError as error:
            if error.rule != "json":
                raise
            if isinstance(bundle, str | bytes) and is_json_text(bundle):
                raise _fail("$", f"JSON text ({error.value})", _clip(bundle), "json") from error
            raise _fail(
                "$", f"a file of JSON text ({error.value})", str(bundle), "json"
            ) from error
    if not isinstance(document, _OBJECT):
        raise _fail("$", "a JSON object (a FHIR Bundle)", document, "type")
    return document


def _unreadable(path: str, why: str) -> Problem:
    return Problem("$", f"a readable FHIR Bundle file ({why})", path, "file")


def _clip(text: str | bytes) -> str:
    shown = text if isinstance(text, str) else text.decode("utf-8", "replace")
    return shown[:40]


def _check_as_of(as_of: object) -> datetime.date:
    if isinstance(as_of, datetime.datetime):
        return as_of.date()
    if not isinstance(as_of, datetime.date):
        raise _fail("$.as_of", "a datetime.date", as_of, "type")
    return as_of


def _entries(document: Mapping[str, Any]) -> Sequence[Any]:
    kind = document.get("resourceType")
    if kind != "Bundle":
        raise _fail("$.resourceType", '"Bundle"', kind, "not_a_bundle")
    entries = document.get("entry", [])
    if not isinstance(entries, list):
        raise _fail("$.entry", "a list of Bundle entries", entries, "type")
    return entries


def _wrong_version(name: str, resource: Mapping[str, Any]) -> str | None:
    """The other FHIR version ``resource`` is valid in, if it is not valid R4/R4B."""
    for version in ("R5", "STU3"):
        if _models.has_type(version, name) and not _models.validate(version, resource):
            return version
    return None


def _check_resource(
    path: str, resource: object, validated: ValidatedResources | None, level: str
) -> Mapping[str, Any] | None:
    """The resource if the importer reads it, ``None`` if not; errors if it is malformed."""
    if not isinstance(resource, _OBJECT):
        raise _fail(path, "a FHIR resource (a JSON object)", resource, "type")
    name = resource.get("resourceType", MISSING)
    if not isinstance(name, str) or not name:
        raise _fail(f"{path}.resourceType", "a FHIR resource type", name, "type")
    if not _models.has_type(_READ_AS, name):
        other = next((v for v in ("R5", "STU3") if _models.has_type(v, name)), None)
        expected = "a FHIR R4/R4B resource type"
        raise _fail(
            f"{path}.resourceType",
            expected + (f" ({name} is FHIR {other})" if other else ""),
            name,
            "fhir_version" if other else "fhir_type",
        )
    if name not in _READ:
        return None
    if level == "elements":
        problems = check_elements(_READ_AS, resource, "R4/R4B")
    else:
        check = _models.validate if validated is None else validated.validate
        problems = check(_READ_AS, resource, "R4/R4B")
    if problems:
        other = _wrong_version(name, resource)
        if other is not None:
            raise _fail(path, f"a FHIR R4/R4B {name}", f"a FHIR {other} {name}", "fhir_version")
        raise ValidationError(problem.at(path) for problem in problems)
    return resource


def _read(
    path: str, resource: Mapping[str, Any], as_of: datetime.date
) -> ImportedCondition | PriorCare | Skipped:
    name = str(resource["resourceType"])
    try:
        if name == "Condition":
            return _read_condition(path, resource, as_of)
        return _read_procedure(path, resource, as_of)
    except _SkipError as skip:
        return Skipped(
            path=path,
            resource_type=name,
            label=_label(resource, "code"),
            rule=skip.rule,
            detail=skip.detail,
        )


def read_bundle(
    bundle: str | bytes | os.PathLike[str] | Mapping[str, Any],
    *,
    as_of: datetime.date,
    patient: str | None = None,
    validated: ValidatedResources | None = None,
    validate: Literal["resources", "elements"] = "resources",
) -> BundleImport:
    """Read a patient's FHIR R4/R4B Bundle: their pain types as of a date, and what was tried.

    Conditions coded with a verified SNOMED CT concept or a verified ICD-10-CM category
    give pain types; the phase comes from the weeks between onset (``onsetDateTime`` or
    ``onsetPeriod.start``) and ``as_of``, unless the concept fixes it (``278860009``
    Chronic low back pain) or the condition is chronic by definition (knee and hip
    osteoarthritis, fibromyalgia: :data:`CHRONIC_BY_DEFINITION`, noted when the onset
    alone would say otherwise). Procedures and ServiceRequests coded with a verified SNOMED
    CT modality or referral concept give :attr:`BundleImport.prior_care`, worded as the
    dossier says (a referral is never the modality), and the modalities tried. Nothing is
    guessed: every Condition, Procedure or ServiceRequest not used is listed in
    ``problems`` with why.

    One bundle is read for one patient. A bundle with several Patients (or, without a
    Patient, whose resources name several patients as ``subject``) is refused unless
    ``patient`` names one; resources whose ``subject`` does not reference the patient read
    are left out and reported (rule ``other_patient``).

    Args:
        bundle: JSON text (a ``str`` starting with ``{``, or ``bytes``), a path to a JSON
            file (any other ``str``, or a path object), or the parsed JSON object.
        as_of: the date to measure durations to (a ``datetime`` counts by its date).
        patient: the patient to read, as a reference (``"Patient/a"``) or an id (``"a"``);
            needed only when the bundle holds several.
        validated: a memory of resources already found valid, kept across calls by a
            caller that reads the same records again (the CDS Hooks service keeps one);
            ``None``: every resource is validated.
        validate: how much of each Condition, Procedure and ServiceRequest is checked.
            ``"resources"`` (the default): every element, with the ``fhir.resources``
            models. ``"elements"``: only the elements the importer reads (their types,
            codes, references, dates and statuses: :data:`READ_ELEMENTS`), with the same
            datatype checks, JSON paths and rules, several times faster; for records a FHIR
            server already validated, such as a Bulk Data export (the population report
            reads with it). A bad value in an element read is refused at either level;
            ``validated`` is used only with ``"resources"``.

    Returns:
        The pain types, the modality ids tried, what was done or referred to, and the
        reasons for what was skipped.

    Raises:
        ValidationError: for input that is not a readable FHIR R4/R4B Bundle, or a
            Condition, Procedure or ServiceRequest that is not valid FHIR R4/R4B (the error
            carries its JSON path, such as ``$.entry[3].resource.code``); for a bundle of
            several patients without ``patient`` (rule ``several_patients``, listing them),
            or a ``patient`` the bundle does not hold (rule ``unknown_patient``).
        MissingExtraError: when the ``fhir`` extra is not installed.

    >>> from datetime import date
    >>> back = {
    ...     "resourceType": "Condition",
    ...     "code": {
    ...         "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.50"}]
    ...     },
    ...     "subject": {"reference": "Patient/1"},
    ...     "onsetDateTime": "2023-11-20",
    ... }
    >>> found = read_bundle(
    ...     {"resourceType": "Bundle", "entry": [{"resource": back}]}, as_of=date(2024, 1, 1)
    ... )
    >>> [str(pain_type) for pain_type in found.pain_types]
    ['low_back:subacute']
    """
    day = _check_as_of(as_of)
    if validate not in LEVELS:
        raise _fail("$.validate", " or ".join(f'"{level}"' for level in LEVELS), validate, "enum")
    entries = _entries(_load(bundle))
    read: list[tuple[str, Mapping[str, Any]]] = []
    for index, entry in enumerate(entries):
        at = f"$.entry[{index}]"
        if not isinstance(entry, _OBJECT):
            raise _fail(at, "a Bundle entry (a JSON object)", entry, "type")
        if "resource" not in entry:
            continue
        resource = _check_resource(f"{at}.resource", entry["resource"], validated, validate)
        if resource is not None:
            read.append((f"{at}.resource", resource))
    chosen = _chosen(_bundle_patients(entries, read), patient)
    conditions: list[ImportedCondition] = []
    prior_care: list[PriorCare] = []
    skipped: list[Skipped] = []
    for path, resource in read:
        found = (
            _read(path, resource, day)
            if _references(_subject(resource), chosen)
            else _other_patient(path, resource, chosen)
        )
        if isinstance(found, Skipped):
            skipped.append(found)
        elif isinstance(found, ImportedCondition):
            conditions.append(found)
        else:
            prior_care.append(found)
    if not entries:
        skipped.append(
            Skipped(
                path="$",
                resource_type="Bundle",
                label="",
                rule="no_entries",
                detail="the bundle has no entries",
            )
        )
    if not conditions:
        skipped.append(
            Skipped(
                path="$",
                resource_type="Bundle",
                label="",
                rule="no_pain_condition",
                detail="no Condition maps to a current pain type the catalog covers",
            )
        )
    procedures = [found for found in map(_imported, prior_care) if found is not None]
    return BundleImport(
        as_of=day,
        pain_types=tuple(sorted({found.pain_type for found in conditions})),
        tried=tuple(sorted({found.modality_id for found in procedures})),
        conditions=tuple(conditions),
        procedures=tuple(procedures),
        skipped=tuple(skipped),
        notes=tuple(found.note for found in conditions if found.note),
        subject=(
            chosen.reference
            if chosen is not None
            and chosen.in_bundle
            and chosen.id is not None
            and _models.FHIR_ID.fullmatch(chosen.id)
            else None
        ),
        prior_care=tuple(prior_care),
    )
