"""The prefetch: what the service asks the EHR for, and one patient's Bundle built from it.

Discovery names four prefetch keys (:data:`PREFETCH`). A call's ``prefetch`` gives each as a
FHIR resource or a searchset Bundle, as CDS Hooks 2.0.1 reads them:

- a key whose value is ``null``: the client has no data for it (no such resource, nothing
  found);
- a key left out, or whose value is an OperationOutcome (or a Bundle holding one with an
  ``error`` or ``fatal`` issue): the client did not fetch it. It is fetched from the call's
  ``fhirServer`` with its bearer token, within a time limit, or the call is answered 412;
  it is never read as "nothing recorded".

The service reads only a ``fhirServer`` listed for the calling client (:class:`FhirServers`),
over https unless it is on loopback, and its errors never repeat what that server answered.
Everything is put into ONE Bundle for the patient in context and read by the library's FHIR
reader (:func:`painmodalities.fhir.read_bundle`); its errors name the prefetch key and entry
they come from. The Patient is validated here, as the reader validates what it reads.
Every resource must be about that patient (:func:`check_subject`): one patient per call.
"""

import datetime
import ipaddress
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any, Final, NamedTuple

import attrs
import httpx

from painmodalities._json_text import MAX_DOCUMENT_BYTES, parse_json
from painmodalities.errors import Problem, ValidationError, invalid
from painmodalities.fhir import BundleImport, ValidatedResources, _models, read_bundle
from painmodalities.fhir._models import FHIR_ID
from painmodalities.fhir._values import _OBJECT
from painmodalities.service._outcome import ServiceError
from painmodalities.service._records import FhirAuthorization

__all__ = [
    "PREFETCH",
    "Prefetch",
    "check_subject",
    "fetch_missing",
    "patient_id",
    "read_patient",
    "server_allowed",
]

#: The prefetch templates every service declares, by key.
PREFETCH: Final[Mapping[str, str]] = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "procedures": "Procedure?patient={{context.patientId}}",
    "serviceRequests": "ServiceRequest?patient={{context.patientId}}",
}
#: At most this many pages of one search are followed on the FHIR server.
MAX_PAGES: Final = 5


def patient_id(context: Mapping[str, Any]) -> str:
    """The ``context.patientId`` of a call (a FHIR id), or a 400 error."""
    found = context.get("patientId")
    if not isinstance(found, str) or not FHIR_ID.fullmatch(found):
        raise invalid("$.context.patientId", "a FHIR id (the patient in context)", found)
    return found


def _failed(outcome: object) -> bool:
    """Whether ``outcome`` is an OperationOutcome with an ``error`` or ``fatal`` issue."""
    if not isinstance(outcome, _OBJECT) or outcome.get("resourceType") != "OperationOutcome":
        return False
    issues = outcome.get("issue")
    return not isinstance(issues, list) or any(
        not isinstance(issue, _OBJECT) or issue.get("severity") in ("error", "fatal")
        for issue in issues
    )


def _not_fetched(value: object) -> bool:
    """Whether a prefetch value says the client could not fetch it (an OperationOutcome)."""
    if not isinstance(value, _OBJECT):
        return False
    if value.get("resourceType") == "OperationOutcome":
        return True
    entries = value.get("entry") if value.get("resourceType") == "Bundle" else None
    return isinstance(entries, list) and any(
        isinstance(entry, _OBJECT) and _failed(entry.get("resource")) for entry in entries
    )


def missing_keys(prefetch: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The prefetch keys the client did not fetch: left out, or an OperationOutcome.

    A key whose value is ``null`` was fetched: the client has no data for it.
    """
    given = prefetch or {}
    return tuple(key for key in PREFETCH if key not in given or _not_fetched(given[key]))


class Prefetch(NamedTuple):
    """The prefetch with every key filled, and the keys the service fetched itself."""

    values: dict[str, Any]
    fetched: frozenset[str]


def _on_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_allowed(server: str, allowed: tuple[str, ...]) -> str:
    """``server`` as a base URL the service may read, or a 412 error saying why not.

    It must be one of ``allowed`` (compared without a trailing ``/``) and use https, unless
    its host is on loopback (a sandbox on the same machine).
    """
    base = server.rstrip("/")
    if base not in {url.rstrip("/") for url in allowed}:
        raise ServiceError.of(
            412,
            "the request's fhirServer is not a FHIR server listed for this client "
            "(fhirServers in the trusted-clients file, or serve --fhir-server), so the "
            "missing prefetch cannot be fetched",
            "$.fhirServer",
        )
    parts = urllib.parse.urlsplit(base)
    if parts.scheme != "https" and not _on_loopback(parts.hostname or ""):
        raise ServiceError.of(
            412,
            "the request's fhirServer is listed but not https (plain http is read only on "
            "loopback), so the missing prefetch cannot be fetched",
            "$.fhirServer",
        )
    return base


def _unreadable(key: str, why: str) -> ServiceError:
    """The error for a key the FHIR server could not give; never what the server said."""
    return ServiceError.of(
        412, f"prefetch {key!r} was not fetched and the FHIR server {why}", f"$.prefetch.{key}"
    )


async def _get(client: httpx.AsyncClient, url: str, key: str) -> Mapping[str, Any]:
    try:
        response = await client.get(url)
    except httpx.HTTPError as error:
        raise _unreadable(key, f"could not be read ({type(error).__name__})") from None
    if response.status_code != httpx.codes.OK:
        raise _unreadable(key, f"answered HTTP {response.status_code}")
    if len(response.content) > MAX_DOCUMENT_BYTES:
        raise _unreadable(key, "answered with too large a document")
    try:
        document = parse_json(response.content)
    except ValidationError:
        raise _unreadable(key, "did not answer with JSON") from None
    if not isinstance(document, _OBJECT) or _not_fetched(document):
        raise _unreadable(key, "did not answer with a resource or a search result")
    return document


def _next_page(bundle: Mapping[str, Any]) -> str | None:
    links = bundle.get("link")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, _OBJECT) and link.get("relation") == "next":
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
    allowed: tuple[str, ...] = (),
) -> Prefetch:
    """The prefetch with every key the client did not fetch fetched from ``server``.

    ``server`` must pass :func:`server_allowed` against ``allowed``. Searches follow at
    most :data:`MAX_PAGES` pages on the same server; everything shares one ``timeout``.

    Raises:
        ServiceError: 412 when a key was not fetched and there is no server, the server
            is not allowed, or it cannot give the key.
    """
    filled = dict(prefetch or {})
    missing = missing_keys(prefetch)
    if not missing:
        return Prefetch(filled, frozenset())
    if server is None:
        raise ServiceError.of(
            412,
            "the client did not fetch "
            + ", ".join(repr(key) for key in missing)
            + " (left out, or an OperationOutcome) and the request names no fhirServer "
            "to fetch them from",
            f"$.prefetch.{missing[0]}",
        )
    base = server_allowed(server, allowed)
    headers = {"Accept": "application/fhir+json"}
    if authorization is not None:
        headers["Authorization"] = f"Bearer {authorization.access_token}"
    async with httpx.AsyncClient(
        headers=headers, timeout=timeout, follow_redirects=False
    ) as client:
        for key in missing:
            query = PREFETCH[key].replace("{{context.patientId}}", patient)
            document = await _get(client, f"{base}/{query}", key)
            pages = [document]
            url = _next_page(document)
            while url is not None and len(pages) < MAX_PAGES and url.startswith(base + "/"):
                pages.append(await _get(client, url, key))
                url = _next_page(pages[-1])
            if len(pages) > 1:
                entries = [entry for page in pages for entry in page.get("entry") or []]
                document = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
            filled[key] = document
    return Prefetch(filled, frozenset(missing))


def _entries(key: str, value: object) -> list[tuple[Any, str]]:
    """The resources of one prefetch value, each with its path in the request (none for null).

    Informational OperationOutcome entries of a search (warnings) are left out.
    """
    at = f"$.prefetch.{key}"
    if value is None:
        return []
    if not isinstance(value, _OBJECT):
        raise invalid(at, "a FHIR resource, a searchset Bundle or null", value, "type")
    if value.get("resourceType") != "Bundle":
        return [(value, at)]
    entries = value.get("entry", [])
    if not isinstance(entries, list):
        raise invalid(f"{at}.entry", "a list of Bundle entries", entries, "type")
    found = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, _OBJECT):
            raise invalid(f"{at}.entry[{index}]", "a Bundle entry", entry, "type")
        resource = entry.get("resource")
        if isinstance(resource, _OBJECT) and resource.get("resourceType") == "OperationOutcome":
            continue
        if "resource" in entry:
            found.append((resource, f"{at}.entry[{index}].resource"))
    return found


def _names_patient(reference: object, patient: str) -> bool:
    """Whether ``reference`` (relative or absolute, maybe versioned) is ``Patient/{patient}``."""
    if not isinstance(reference, str):
        return False
    parts = reference.split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    return parts[-2:] == ["Patient", patient]


def check_subject(resource: object, at: str, patient: str, *, fetched: bool = False) -> None:
    """Refuse ``resource`` unless its ``subject`` (or ``patient``) is the patient in context.

    One call is about one patient: a resource of another subject is never read, with a
    400 naming it by its path (and, unless it was ``fetched`` from a FHIR server, its
    reference: a fetched server's answer is never repeated). A resource with neither
    element is left to the FHIR reader.

    Raises:
        ValidationError: for a resource about another subject.
    """
    if not isinstance(resource, _OBJECT):
        return
    for element in ("subject", "patient"):
        if element not in resource:
            continue
        value = resource[element]
        reference = value.get("reference") if isinstance(value, _OBJECT) else None
        if not _names_patient(reference, patient):
            expected = f'a reference to the patient in context, "Patient/{patient}"'
            shown = "(from the FHIR server)" if fetched else reference
            raise invalid(f"{at}.{element}.reference", expected, shown, "subject")


def _moved(problem: Problem, origins: list[str]) -> Problem:
    """``problem`` (at ``$.entry[i].resource...`` of the built Bundle) at its request path."""
    found = re.match(r"\$\.entry\[(\d+)\]\.resource", problem.path)
    if found is None or int(found[1]) >= len(origins):
        return attrs.evolve(problem, path="$.prefetch")
    return attrs.evolve(problem, path=origins[int(found[1])] + problem.path[found.end() :])


def _check_patient(
    resource: Mapping[str, Any], validated: ValidatedResources | None, *, fetched: bool
) -> None:
    """Refuse a ``patient`` prefetch that is not valid FHIR R4/R4B, as every resource read.

    The FHIR reader validates the resources it reads (Conditions, Procedures,
    ServiceRequests); the Patient is validated here, with the same models and memory.

    Raises:
        ValidationError: at ``$.prefetch.patient...``, naming the problem.
        ServiceError: 412 when the Patient came from the FHIR server (never repeating it).
    """
    check = _models.validate if validated is None else validated.validate
    problems = check("R4B", resource, "R4/R4B")
    if not problems:
        return
    if fetched:
        raise ServiceError.of(
            412,
            "the FHIR server's answer for 'patient' is not valid FHIR for this service",
            "$.prefetch.patient",
        )
    raise ValidationError(problem.at("$.prefetch.patient") for problem in problems)


def read_patient(
    prefetch: Mapping[str, Any],
    *,
    patient: str,
    as_of: datetime.date,
    validated: ValidatedResources | None = None,
    fetched: frozenset[str] = frozenset(),
) -> BundleImport:
    """Read the prefetch as ONE Bundle of the patient in context.

    A ``null`` key is read as no data. The keys in ``fetched`` came from the FHIR server:
    a problem in them is reported by path only, never with what the server sent. The
    Patient and every resource read are validated whole (their ``fhir.resources`` models).

    Raises:
        ValidationError: when the ``patient`` prefetch is not that Patient, a resource is
            about another subject, or a resource is not valid FHIR (at its path in the
            request, ``$.prefetch.conditions.entry[2]...``).
        ServiceError: 412 when a resource the service fetched is not valid FHIR.
    """
    resource = prefetch.get("patient")
    if resource is not None:
        if not isinstance(resource, _OBJECT) or resource.get("resourceType") != "Patient":
            raise invalid("$.prefetch.patient", "a FHIR Patient resource", resource, "type")
        if resource.get("id") != patient:
            shown = "(from the FHIR server)" if "patient" in fetched else resource.get("id")
            raise invalid("$.prefetch.patient.id", f'the patient in context, "{patient}"', shown)
        _check_patient(resource, validated, fetched="patient" in fetched)
    found: list[tuple[Any, str]] = []
    for key in PREFETCH:
        entries = _entries(key, prefetch[key])
        if key != "patient":
            for item, origin in entries:
                check_subject(item, origin, patient, fetched=key in fetched)
        found += entries
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": item} for item, _ in found],
    }
    origins = [origin for _, origin in found]
    try:
        return read_bundle(bundle, as_of=as_of, validated=validated)
    except ValidationError as error:
        moved = [_moved(problem, origins) for problem in error.problems]
        from_server = [
            key for key in fetched if any(p.path.startswith(f"$.prefetch.{key}") for p in moved)
        ]
        if from_server:
            raise ServiceError.of(
                412,
                f"the FHIR server's answer for {sorted(from_server)[0]!r} is not valid FHIR "
                "for this service",
                f"$.prefetch.{sorted(from_server)[0]}",
            ) from None
        raise type(error)(moved) from None
