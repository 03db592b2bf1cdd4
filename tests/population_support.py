"""Helpers of the population tests: bulk exports split from bundles, and an oracle of the rows."""

import datetime
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson

from painmodalities import plan
from painmodalities.fhir import read_bundle
from painmodalities.population import PatientRow, lookback_start

READ = ("Patient", "Condition", "Procedure", "ServiceRequest")


def split_bundle(bundle: dict[str, Any], folder: Path, files_per_type: int = 2) -> Path:
    """Write ``bundle``'s resources as a bulk export: NDJSON files per type, round-robin."""
    folder.mkdir(parents=True, exist_ok=True)
    lines: dict[Path, list[bytes]] = defaultdict(list)
    for index, entry in enumerate(bundle["entry"]):
        resource = entry["resource"]
        path = folder / f"{resource['resourceType']}.{index % files_per_type}.ndjson"
        lines[path].append(orjson.dumps(resource))
    for path, found in lines.items():
        path.write_bytes(b"\n".join(found) + b"\n")
    return folder


def expected_rows(
    bundle: dict[str, Any], patient: str, as_of: datetime.date, months: int
) -> list[PatientRow]:
    """The rows of ``patient`` worked out from their whole bundle: read_bundle, then plan.

    The measures are worked out here again, from their definitions, as a test oracle.
    """
    from painmodalities import default_catalog

    catalog = default_catalog()
    record = read_bundle(bundle, as_of=as_of, patient=patient, validate="elements")
    start = lookback_start(as_of, months)
    window = sorted(
        (p for p in record.prior_care if p.date is not None and start <= p.date <= as_of),
        key=lambda p: (p.date, p.words),
    )
    rows = []
    for pain_type in record.pain_types:
        care = plan(pain_type)
        core_ids = [item.modality.id for item in care.core_choices]
        core_kinds = {item.modality.kind for item in care.core_choices}
        core_care = [p for p in window if p.modality_id in core_ids or (p.family in core_kinds)]
        against = sorted(
            {
                p.target
                for p in window
                if p.modality_id is not None
                and any(
                    rec.direction.value == "against"
                    for rec in catalog[p.modality_id].recommendations
                    if rec.applies_to(pain_type)
                )
            }
        )

        def passive(target: str) -> bool:
            if not target.startswith("family:"):
                return not catalog[target].is_active
            kinds = {m.is_active for m in catalog if m.kind == target.removeprefix("family:")}
            return kinds == {False}

        rows.append(
            PatientRow(
                patient=patient,
                pain_type=str(pain_type),
                chronic_by_definition=any(
                    c.pain_type == pain_type and c.phase_from == "definition"
                    for c in record.conditions
                ),
                recorded="; ".join(p.words for p in window),
                approximate=any(p.approximate for p in window),
                core=";".join(core_ids),
                adjuncts=";".join(item.modality.id for item in care.adjuncts),
                not_recommended=";".join(against),
                active_care_recorded=bool(core_care),
                active_care_approximate=bool(core_care) and all(p.approximate for p in core_care),
                passive_only=bool(window) and all(passive(p.target) for p in window),
                not_recommended_recorded=bool(against),
                no_nondrug_care_recorded=not window,
            )
        )
    return sorted(rows, key=lambda row: row.pain_type)


def bundles_of_export(folder: Path) -> dict[str, dict[str, Any]]:
    """Each patient's bundle, grouped from an export's files by the test itself.

    Resources of the read types, in file-name then line order, once per type and id.
    """
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for path in sorted(folder.glob("*.ndjson")):
        for line in path.read_text("utf-8").splitlines():
            resource = json.loads(line)
            kind = resource["resourceType"]
            if kind not in READ or (kind, resource["id"]) in seen:
                continue
            seen.add((kind, resource["id"]))
            key = (
                resource["id"]
                if kind == "Patient"
                else resource["subject"]["reference"].removeprefix("Patient/")
            )
            found[key].append(resource)
    return {
        patient: {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": r} for r in rs],
        }
        for patient, rs in found.items()
    }
