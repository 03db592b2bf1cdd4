"""Which patient a bundle is read for: its Patients, the subjects its resources reference."""

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from painmodalities.errors import invalid
from painmodalities.fhir import _models
from painmodalities.fhir._imported import Skipped
from painmodalities.fhir._values import _OBJECT, _label

__all__: list[str] = []


@attrs.frozen
class _Patient:
    """A patient the bundle holds: a Patient entry, or a subject its resources name."""

    id: str | None
    full_url: str | None
    in_bundle: bool

    @property
    def reference(self) -> str:
        return f"Patient/{self.id}" if self.id is not None else str(self.full_url)

    def is_named(self, name: str) -> bool:
        """Whether ``name`` (``Patient/a``, ``a`` or the entry's ``fullUrl``) names it."""
        return name in (self.id, self.full_url) or (self.id is not None and name == self.reference)


def _subject(resource: Mapping[str, Any]) -> str | None:
    subject = resource.get("subject")
    reference = subject.get("reference") if isinstance(subject, _OBJECT) else None
    return reference if isinstance(reference, str) else None


def _patient_id(reference: str) -> str | None:
    """The Patient id a reference names (``Patient/a``, ``https://host/fhir/Patient/a``)."""
    bare = reference.split("/_history/", 1)[0]
    head, found, tail = bare.rpartition("Patient/")
    if found and (not head or head.endswith("/")) and _models.FHIR_ID.fullmatch(tail):
        return tail
    return None


def _references(reference: str | None, patient: _Patient | None) -> bool:
    if reference is None or patient is None:
        return False
    if patient.full_url is not None and reference == patient.full_url:
        return True
    return patient.id is not None and _patient_id(reference) == patient.id


def _bundle_patients(
    entries: Sequence[Any], read: list[tuple[str, Mapping[str, Any]]]
) -> list[_Patient]:
    """The bundle's Patients that a subject can reference, once each, in bundle order.

    Without one, the patients are the subjects its Conditions, Procedures and
    ServiceRequests reference.
    """
    found: dict[str, _Patient] = {}
    for entry in entries:
        resource = entry.get("resource")
        if not isinstance(resource, _OBJECT) or resource.get("resourceType") != "Patient":
            continue
        given, url = resource.get("id"), entry.get("fullUrl")
        patient = _Patient(
            given if isinstance(given, str) and given else None,
            url if isinstance(url, str) and url else None,
            in_bundle=True,
        )
        if patient.id is not None or patient.full_url is not None:
            found.setdefault(patient.reference, patient)
    if not found:
        for _, resource in read:
            reference = _subject(resource)
            named = None if reference is None else _patient_id(reference)
            if named is not None:
                found.setdefault(named, _Patient(named, None, in_bundle=False))
    return list(found.values())


def _chosen(patients: list[_Patient], patient: object) -> _Patient | None:
    """The patient to read: the one named, or the bundle's only one; errors otherwise."""
    shown = [found.reference for found in patients]
    if patient is None:
        if len(patients) > 1:
            # The references are listed in full in the words: a value is cut to 80
            # characters when shown, which can cut two long ids to one prefix.
            listed = ", ".join(f'"{reference}"' for reference in shown)
            raise invalid(
                "$.entry",
                f"the resources of one patient, or one of the Patients found named with "
                f"read_bundle(..., patient=...): {listed}",
                shown,
                "several_patients",
            )
        return patients[0] if patients else None
    if not isinstance(patient, str) or not patient:
        raise invalid(
            "$.patient", 'a Patient reference ("Patient/a") or id ("a")', patient, "type"
        )
    named = [found for found in patients if found.is_named(patient)]
    if not named:
        listed = ", ".join(f'"{reference}"' for reference in shown) or "none"
        raise invalid(
            "$.patient", f"a Patient of the bundle (found: {listed})", patient, "unknown_patient"
        )
    return named[0]


def _other_patient(path: str, resource: Mapping[str, Any], patient: _Patient | None) -> Skipped:
    reference = _subject(resource)
    whose = f"its subject {reference}" if reference else "its subject has no reference"
    read = f"the patient read, {patient.reference}" if patient else "a Patient"
    return Skipped(
        path=path,
        resource_type=str(resource["resourceType"]),
        label=_label(resource, "code"),
        rule="other_patient",
        detail=f"{whose}, not {read}: left out",
    )
