"""The CDS Hooks service: the ranking inside the clinician's EHR (the ``service`` extra).

An ASGI application on Starlette, served by uvicorn (``painmodalities serve``), answering
HL7 CDS Hooks 2.0 calls:

- ``GET /cds-services``: discovery of ``painmodalities-patient-view`` (hook
  ``patient-view``) and ``painmodalities-order-sign`` (hook ``order-sign``), each with the
  prefetch templates of :data:`PREFETCH`;
- ``POST /cds-services/{id}``: one card per pain type in the patient's record
  (``patient-view``), or a warning per drafted order the evidence argues against
  (``order-sign``); the prefetch is read by the library's FHIR reader as one Bundle;
- ``POST /cds-services/{id}/feedback``: kept in a SQLite database, one row per card outcome
  (:func:`feedback_report` sums it);
- ``GET /openapi.json``: the OpenAPI 3.1 description, generated from the wire records.

Calls carry a JWT signed by a trusted client (:func:`load_trusted_clients`), unless the
service is started for a sandbox with ``allow_unauthenticated=True``. One call is about one
patient: a resource or draft order of another subject is refused. Browsers may call it
(CORS). Every error is a FHIR OperationOutcome; no response carries a stack trace.

Needs ``pip install 'painmodalities[service]'`` (starlette, uvicorn, PyJWT, httpx) and the
``fhir`` extra.
"""

from painmodalities.service._app import (
    DOCS_URL,
    MAX_BODY_BYTES,
    SERVICES,
    ServiceConfig,
    create_app,
)
from painmodalities.service._auth import (
    MAX_TOKEN_LIFETIME,
    TrustedClient,
    load_trusted_clients,
)
from painmodalities.service._cards import OVERRIDE_REASONS
from painmodalities.service._feedback import DEFAULT_FEEDBACK_DB, default_feedback_db
from painmodalities.service._feedback import report as feedback_report
from painmodalities.service._prefetch import PREFETCH

__all__ = [
    "DEFAULT_FEEDBACK_DB",
    "DOCS_URL",
    "MAX_BODY_BYTES",
    "MAX_TOKEN_LIFETIME",
    "OVERRIDE_REASONS",
    "PREFETCH",
    "SERVICES",
    "ServiceConfig",
    "TrustedClient",
    "create_app",
    "default_feedback_db",
    "feedback_report",
    "load_trusted_clients",
]
