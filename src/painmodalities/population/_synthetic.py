"""A seeded synthetic FHIR Bulk Data export, for tests and benchmarks.

Every code written is one the library ships as verified (``fhir._codes``: the dossier's
SNOMED CT concepts and ICD-10-CM categories): nothing is invented. The noise is what real
exports carry: unrelated conditions and procedures (text only, which the importer reports as
uncoded), other resource types, resolved conditions, procedures not done, referrals only
proposed, the same resource written twice, and every type split over several files.
"""

import datetime
import os
import random
from pathlib import Path
from typing import Any, Final

import orjson

from painmodalities.fhir._codes import ICD10CM_SYSTEM, SNOMED_SYSTEM, SNOMED_VERIFIED

__all__ = ["write_synthetic_export"]

#: ICD-10-CM codes named in the dossier's ``codes/icd10cm.csv`` rows marked verified.
_ICD10CM: Final = (
    "M54.50",
    "M54.51",
    "M54.59",
    "M54.2",
    "M17.0",
    "M17.9",
    "M16.0",
    "M16.9",
    "M79.7",
)
_CONDITIONS: Final = tuple(
    code for code, concept in SNOMED_VERIFIED.items() if concept.target.startswith("condition:")
)
_PROCEDURES: Final = tuple(
    code
    for code, concept in SNOMED_VERIFIED.items()
    if ":" not in concept.target and not concept.generic
)
_REFERRALS: Final = tuple(
    code for code, concept in SNOMED_VERIFIED.items() if concept.target.startswith("referral:")
)
_OTHER_CONDITIONS: Final = ("Seasonal allergic rhinitis", "Essential hypertension", "Asthma")
_OTHER_PROCEDURES: Final = ("Dental cleaning", "Influenza vaccination", "Blood draw")
_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_TYPES: Final = (
    "Patient",
    "Condition",
    "Procedure",
    "ServiceRequest",
    "Observation",
    "MedicationRequest",
)


def _day(rng: random.Random, as_of: datetime.date, days: int) -> str:
    return (as_of - datetime.timedelta(days=rng.randrange(days))).isoformat()


def _condition(
    rng: random.Random, ident: str, patient: str, as_of: datetime.date
) -> dict[str, Any]:
    if rng.random() < 0.5:
        coding = {"system": ICD10CM_SYSTEM, "code": rng.choice(_ICD10CM)}
    else:
        code = rng.choice(_CONDITIONS)
        coding = {"system": SNOMED_SYSTEM, "code": code, "display": SNOMED_VERIFIED[code].display}
    status = "resolved" if rng.random() < 0.05 else "active"
    return {
        "resourceType": "Condition",
        "id": ident,
        "clinicalStatus": {"coding": [{"system": _CLINICAL, "code": status}]},
        "code": {"coding": [coding]},
        "subject": {"reference": f"Patient/{patient}"},
        "onsetDateTime": _day(rng, as_of, 3650),
    }


def _procedure(
    rng: random.Random, ident: str, patient: str, as_of: datetime.date
) -> dict[str, Any]:
    code = rng.choice(_PROCEDURES)
    return {
        "resourceType": "Procedure",
        "id": ident,
        "status": "not-done" if rng.random() < 0.05 else "completed",
        "code": {
            "coding": [
                {"system": SNOMED_SYSTEM, "code": code, "display": SNOMED_VERIFIED[code].display}
            ]
        },
        "subject": {"reference": f"Patient/{patient}"},
        "performedDateTime": _day(rng, as_of, 730),
    }


def _referral(
    rng: random.Random, ident: str, patient: str, as_of: datetime.date
) -> dict[str, Any]:
    code = rng.choice(_REFERRALS)
    return {
        "resourceType": "ServiceRequest",
        "id": ident,
        "status": "active",
        "intent": "proposal" if rng.random() < 0.05 else "order",
        "code": {
            "coding": [
                {"system": SNOMED_SYSTEM, "code": code, "display": SNOMED_VERIFIED[code].display}
            ]
        },
        "subject": {"reference": f"Patient/{patient}"},
        "authoredOn": _day(rng, as_of, 730),
    }


def _noise(rng: random.Random, ident: str, patient: str, as_of: datetime.date) -> dict[str, Any]:
    subject = {"reference": f"Patient/{patient}"}
    pick = rng.randrange(4)
    if pick == 0:
        return {
            "resourceType": "Condition",
            "id": ident,
            "code": {"text": rng.choice(_OTHER_CONDITIONS)},
            "subject": subject,
            "onsetDateTime": _day(rng, as_of, 3650),
        }
    if pick == 1:
        return {
            "resourceType": "Procedure",
            "id": ident,
            "status": "completed",
            "code": {"text": rng.choice(_OTHER_PROCEDURES)},
            "subject": subject,
            "performedDateTime": _day(rng, as_of, 730),
        }
    if pick == 2:
        return {
            "resourceType": "Observation",
            "id": ident,
            "status": "final",
            "code": {"text": "Pain intensity"},
            "subject": subject,
            "valueInteger": rng.randrange(11),
        }
    return {
        "resourceType": "MedicationRequest",
        "id": ident,
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": "Paracetamol 500 mg tablet"},
        "subject": subject,
    }


def write_synthetic_export(
    directory: str | os.PathLike[str],
    patients: int,
    *,
    seed: int = 0,
    as_of: datetime.date = datetime.date(2025, 1, 1),
    files_per_type: int = 2,
) -> Path:
    """Write a synthetic export of ``patients`` patients to ``directory``; return its manifest.

    The same ``seed`` writes the same files. Each type is split round-robin over
    ``files_per_type`` files (``Condition.000.ndjson`` ...), listed in ``manifest.json``.
    """
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    names = {
        (kind, part): f"{kind}.{part:03d}.ndjson"
        for kind in _TYPES
        for part in range(files_per_type)
    }
    handles = {key: (folder / name).open("wb") for key, name in names.items()}
    counts = dict.fromkeys(names, 0)
    makers = ((_condition, 0.85, 2), (_procedure, 0.5, 3), (_referral, 0.4, 2), (_noise, 0.8, 4))
    try:
        for number in range(patients):
            patient = f"p{seed}-{number:07d}"
            found: list[dict[str, Any]] = [
                {
                    "resourceType": "Patient",
                    "id": patient,
                    "gender": rng.choice(("female", "male", "other", "unknown")),
                    "birthDate": _day(rng, as_of, 365 * 70 + 365 * 18),
                }
            ]
            for make, chance, most in makers:
                if rng.random() < chance:
                    for extra in range(rng.randint(1, most)):
                        ident = f"{patient}-{make.__name__.strip('_')}-{extra}"
                        found.append(make(rng, ident, patient, as_of))
            if rng.random() < 0.02:  # written twice, as paged exports sometimes do
                found.append(found[rng.randrange(len(found))])
            for resource in found:
                part = rng.randrange(files_per_type)
                key = (resource["resourceType"], part)
                handles[key].write(orjson.dumps(resource) + b"\n")
                counts[key] += 1
    finally:
        for handle in handles.values():
            handle.close()
    manifest = folder / "manifest.json"
    manifest.write_bytes(
        orjson.dumps(
            {
                "transactionTime": f"{as_of.isoformat()}T00:00:00Z",
                "request": "https://example.org/fhir/$export",
                "requiresAccessToken": False,
                "output": [
                    {"type": kind, "url": names[kind, part], "count": counts[kind, part]}
                    for kind, part in names
                ],
                "error": [],
            },
            option=orjson.OPT_INDENT_2,
        )
    )
    return manifest
