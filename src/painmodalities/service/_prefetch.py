"""The prefetch: what the service asks the EHR for, and one patient's Bundle built from it.

Discovery names four prefetch keys (:data:`PREFETCH`). A call's ``prefetch`` gives each as a
FHIR resource or a searchset Bundle; a key that is missing (or ``null``) is fetched from the
call's ``fhirServer`` with its bearer token, within a time limit, or the call is answered
412. Everything is put into ONE Bundle for the patient in context and read by the library's
FHIR reader (:func:`painmodalities.fhir.read_bundle`); its errors name the prefetch key and
entry they come from.
"""

import datetime
import re
from collections.abc import Mapping
from typing import Any, Final

import attrs
import httpx

from painmodalities._json_text import MAX_DOCUMENT_BYTES, parse_json
from painmodalities.errors import Problem, ValidationError, invalid
from painmodalities.fhir import BundleImport, ValidatedResources, read_bundle
from painmodalities.service._outcome import ServiceError
from painmodalities.service._records import FhirAuthorization

__all__ = ["PREFETCH", "fetch_missing", "patient_id", "read_patient"]

#: The prefetch templates every service declares, by key.
PREFETCH: Final[Mapping[str, str]] = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "procedures": "Procedure?patient={{context.patientId}}",
    "serviceRequests": "ServiceRequest?patient={{context.patientId}}",
}
#: At most this many pages of one search are followed on the FHIR server.
MAX_PAGES: Final = 5
_FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def patient_id(context: Mapping[str, Any]) -> str:
    """The ``context.patientId`` of a call (a FHIR id), or a 400 error."""
    found = context.get("patientId")
    if not isinstance(found, str) or not _FHIR_ID.fullmatch(found):
        raise invalid("$.context.patientId", "a FHIR id (the patient in context)", found)
    return found


def missing_keys(prefetch: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The prefetch keys the call did not send (absent or ``null``)."""
    given = prefetch or {}
    return tuple(key for key in PREFETCH if given.get(key) is None)


async def _get(client: httpx.AsyncClient, url: str, key: str) -> Mapping[str, Any]:
    try:
        response = await client.get(url)
    except httpx.HTTPError as error:
        raise ServiceError.of(
            412,
            f"prefetch {key!r} is missing and the FHIR server could not be read: "
            f"{type(error).__name__}",
            f"$.prefetch.{key}",
        ) from None
    if response.status_code != httpx.codes.OK:
        raise ServiceError.of(
            412,
            f"prefetch {key!r} is missing and the FHIR server answered HTTP "
            f"{response.status_code}",
            f"$.prefetch.{key}",
        )
    if len(response.content) > MAX_DOCUMENT_BYTES:
        raise ServiceError.of(412, f"the FHIR server's answer for {key!r} is too large")
    try:
        document = parse_json(response.content)
    except ValidationError:
        raise ServiceError.of(
            412, f"the FHIR server's answer for {key!r} is not JSON", f"$.prefetch.{key}"
        ) from None
    if not isinstance(document, Mapping):
        raise ServiceError.of(412, f"the FHIR server's answer for {key!r} is not a resource")
    return document


def _next_page(bundle: Mapping[str, Any]) -> str | None:
    links = bundle.get("link")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, Mapping) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) else None
    return None


async def fetch_missing(
    prefetch: Mapping[str, Any] | None,
    *,
    patient: str,
    server: str | None,
    authorization: FhirAuthorization | None,
    timeout: float,
) -> dict[str, Any]:
    """The prefetch with every missing key fetched from ``server``.

    Searches follow at most :data:`MAX_PAGES` pages; everything shares one ``timeout``.

    Raises:
        ServiceError: 412 when a key is missing and there is no server, or the server
            cannot give it.
    """
    filled = dict(prefetch or {})
    missing = missing_keys(prefetch)
    if not missing:
        return filled
    if server is None:
        raise ServiceError.of(
            412,
            "the prefetch lacks "
            + ", ".join(repr(key) for key in missing)
            + " and the request names no fhirServer to fetch them from",
            f"$.prefetch.{missing[0]}",
        )
    headers = {"Accept": "application/fhir+json"}
    if authorization is not None:
        headers["Authorization"] = f"Bearer {authorization.access_token}"
    base = server.rstrip("/")
    async with httpx.AsyncClient(
        headers=headers, timeout=timeout, follow_redirects=False
    ) as client:
        for key in missing:
            query = PREFETCH[key].replace("{{context.patientId}}", patient)
            document = await _get(client, f"{base}/{query}", key)
            pages = [document]
            url = _next_page(document)
            while url is not None and len(pages) < MAX_PAGES and url.startswith(base):
                pages.append(await _get(client, url, key))
                url = _next_page(pages[-1])
            if len(pages) > 1:
                entries = [entry for page in pages for entry in page.get("entry") or []]
                document = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
            filled[key] = document
    return filled


@attrs.frozen
class _Origin:
    """Where an entry of the built Bundle came from, as a JSON path in the request."""

    path: str


def _entries(key: str, value: object) -> list[tuple[Any, _Origin]]:
    at = f"$.prefetch.{key}"
    if not isinstance(value, Mapping):
        raise invalid(at, "a FHIR resource or a searchset Bundle", value, "type")
    if value.get("resourceType") != "Bundle":
        return [(value, _Origin(at))]
    entries = value.get("entry", [])
    if not isinstance(entries, list):
        raise invalid(f"{at}.entry", "a list of Bundle entries", entries, "type")
    found = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise invalid(f"{at}.entry[{index}]", "a Bundle entry", entry, "type")
        if "resource" in entry:
            found.append((entry["resource"], _Origin(f"{at}.entry[{index}].resource")))
    return found


def _moved(problem: Problem, origins: list[_Origin]) -> Problem:
    """``problem`` (at ``$.entry[i].resource...`` of the built Bundle) at its request path."""
    found = re.match(r"\$\.entry\[(\d+)\]\.resource", problem.path)
    if found is None or int(found[1]) >= len(origins):
        return attrs.evolve(problem, path="$.prefetch")
    return attrs.evolve(problem, path=origins[int(found[1])].path + problem.path[found.end() :])


def read_patient(
    prefetch: Mapping[str, Any],
    *,
    patient: str,
    as_of: datetime.date,
    validated: ValidatedResources | None = None,
) -> BundleImport:
    """Read the prefetch as ONE Bundle of the patient in context.

    Raises:
        ValidationError: when the ``patient`` prefetch is not that Patient, or a resource is
            not valid FHIR (at its path in the request, ``$.prefetch.conditions.entry[2]...``).
    """
    resource = prefetch.get("patient")
    if not isinstance(resource, Mapping) or resource.get("resourceType") != "Patient":
        raise invalid("$.prefetch.patient", "a FHIR Patient resource", resource, "type")
    if resource.get("id") != patient:
        raise invalid(
            "$.prefetch.patient.id", f'the patient in context, "{patient}"', resource.get("id")
        )
    found: list[tuple[Any, _Origin]] = []
    for key in PREFETCH:
        found += _entries(key, prefetch[key])
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": item} for item, _ in found],
    }
    origins = [origin for _, origin in found]
    try:
        return read_bundle(bundle, as_of=as_of, validated=validated)
    except ValidationError as error:
        raise type(error)(_moved(problem, origins) for problem in error.problems) from None
