"""The ASGI application: discovery, the two hooks, feedback and the OpenAPI document.

Errors are answered by Starlette's exception handlers, registered once: a
:class:`ServiceError` with its status, a library :class:`ValidationError` as 400, an HTTP
error (404, 405 with its ``Allow`` header) with its status, anything else as 500 without
details; every one as a FHIR OperationOutcome. CORS is Starlette's middleware.
"""

import datetime
import logging
import os
import uuid
from collections.abc import Mapping
from typing import Any, Final, NamedTuple

import attrs
import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from painmodalities._builtin import default_catalog
from painmodalities._json_text import parse_json
from painmodalities.catalog import Catalog
from painmodalities.errors import ValidationError, invalid
from painmodalities.evidence import PainType
from painmodalities.fhir import SNOMED_SYSTEM, SNOMED_VERIFIED, ValidatedResources
from painmodalities.ranking import rank
from painmodalities.service import _cards, _records
from painmodalities.service._auth import MAX_TOKEN_LIFETIME, TokenChecker, TrustedClient
from painmodalities.service._feedback import FeedbackStore, IssuedCards
from painmodalities.service._openapi import openapi
from painmodalities.service._outcome import ServiceError, operation_outcome, problems_outcome
from painmodalities.service._prefetch import (
    PREFETCH,
    check_subject,
    fetch_missing,
    patient_id,
    read_patient,
)

__all__ = ["DOCS_URL", "MAX_BODY_BYTES", "SERVICES", "ServiceConfig", "create_app"]

LOG: Final = logging.getLogger("painmodalities.service")
#: The documentation the cards link to, by default: a reserved example domain (RFC 2606),
#: like the FHIR exporter's canonical base. Publish the docs (``mkdocs build``) and pass
#: their address (``ServiceConfig.docs_url``, ``serve --docs-url``).
DOCS_URL: Final = "http://painmodalities.example.org/docs/"
#: Request bodies larger than this are refused (a patient's prefetch is far smaller).
MAX_BODY_BYTES: Final = 4 * 1024 * 1024
#: The services, by id: the hook each answers, its title and description.
SERVICES: Final[Mapping[str, tuple[str, str, str]]] = {
    "painmodalities-patient-view": (
        "patient-view",
        "Non-drug pain care ranked for long-term function",
        "For each pain type in the patient's record, the non-drug options ranked by their "
        "cited evidence for long-term function, guideline notes, and what was already tried.",
    ),
    "painmodalities-order-sign": (
        "order-sign",
        "Check non-drug pain care orders against the evidence",
        "Warns when a drafted referral for a non-drug pain-care option is ruled out for the "
        "patient, recommended against by a guideline, or has no scored evidence of benefit "
        "while another option has; suggests the top-ranked option instead.",
    ),
}
_SANDBOX: Final = " (Sandbox: this server accepts calls without authentication.)"
_JSON: Final = "application/json"
#: The media types a request body may have (CDS Hooks bodies are JSON).
BODY_TYPES: Final = ("application/json", "application/fhir+json")


@attrs.frozen(kw_only=True)
class ServiceConfig:
    """How the service runs.

    Attributes:
        catalog: the catalog to rank from (``None``: the built-in one).
        trusted_clients: the CDS clients whose signed tokens are accepted.
        allow_unauthenticated: accept calls without a token (sandboxes only); exactly one
            of this and ``trusted_clients`` must be given.
        public_url: the base URL clients call (the tokens' ``aud`` is this plus
            ``/cds-services/{id}``); ``None``: the URL of each request as received.
        fetch_timeout: seconds allowed for all reads from a client's FHIR server in one call.
        max_body_bytes: the largest request body accepted.
        docs_url: the documentation cards link to.
        max_token_lifetime: the longest, in seconds, a token may still be valid when it is
            received (its ``exp`` ahead of now, beyond the clock-skew leeway).
        cors_origins: the browser origins allowed to call (``("*",)``: any; calls carry
            bearer tokens, never cookies).
        fhir_servers: in a sandbox (``allow_unauthenticated``), the FHIR server base URLs
            the service may read when a prefetch lacks data; with trusted clients, each
            client's ``fhir_servers`` are used instead.
        feedback_db: the SQLite database feedback is kept in (``None``: only logged).
    """

    catalog: Catalog | None = None
    trusted_clients: tuple[TrustedClient, ...] | None = None
    allow_unauthenticated: bool = False
    public_url: str | None = None
    fetch_timeout: float = 5.0
    max_body_bytes: int = MAX_BODY_BYTES
    docs_url: str = DOCS_URL
    max_token_lifetime: float = MAX_TOKEN_LIFETIME
    cors_origins: tuple[str, ...] = ("*",)
    fhir_servers: tuple[str, ...] = ()
    feedback_db: str | os.PathLike[str] | None = None


def _json(value: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(value), status_code=status, media_type=_JSON, headers=headers)


class _Worded(NamedTuple):
    """What every card about one pain type says, worded once (see :meth:`_Service.worded`)."""

    advice: _cards.Advice
    template: _cards.CardTemplate


class _Service:
    """The handlers, sharing the configuration and one token checker."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.catalog = config.catalog if config.catalog is not None else default_catalog()
        self.checker = (
            TokenChecker(
                config.trusted_clients,
                fetch_timeout=config.fetch_timeout,
                max_lifetime=config.max_token_lifetime,
            )
            if config.trusted_clients is not None
            else None
        )
        self.feedback_store = (
            FeedbackStore(config.feedback_db) if config.feedback_db is not None else None
        )
        #: The cards issued lately, by uuid (ids and kinds only), for the feedback rows.
        self.issued = IssuedCards()
        sandbox = _SANDBOX if self.checker is None else ""
        self.discovery = _records.write(
            _records.Discovery(
                services=tuple(
                    _records.ServiceDescription(
                        hook=hook,
                        id=service_id,
                        title=title,
                        description=description + sandbox,
                        prefetch=dict(PREFETCH),
                    )
                    for service_id, (hook, title, description) in SERVICES.items()
                )
            )
        )
        self.openapi = openapi(
            {service_id: hook for service_id, (hook, _, _) in SERVICES.items()},
            authenticated=self.checker is not None,
        )
        self._worded: dict[PainType, _Worded] = {}
        #: Resources already found valid FHIR (digests only), so a chart opened again is
        #: not validated again.
        self.validated = ValidatedResources()

    def worded(self, pain_type: PainType) -> _Worded:
        """The cards' content for ``pain_type``, worded on its first call.

        Its shared advice and its ``patient-view`` card as a template, kept per pain type:
        the service ranks each pain type on one catalog with the default patient, weights
        and policy, so the answer cannot change while it runs, and the pain types are a
        closed set (conditions by phases), so this stays small. It holds no patient's data.
        """
        found = self._worded.get(pain_type)
        if found is None:
            advice = _cards.Advice.of(rank(pain_type, catalog=self.catalog))
            found = _Worded(advice, _cards.CardTemplate.of(advice, self.config.docs_url))
            self._worded[pain_type] = found
        return found

    # -- plumbing ---------------------------------------------------------------------

    async def body(self, request: Request) -> object:
        """The request's JSON body, within the size limit and the library's JSON limits.

        Raises:
            ServiceError: 415 for a body that is not ``application/json`` (or
                ``application/fhir+json``).
        """
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media not in BODY_TYPES:
            raise ServiceError.of(
                415, "the body must be " + " or ".join(BODY_TYPES), "Content-Type"
            )
        limit = self.config.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise invalid("$", f"a body of at most {limit} bytes", int(declared), "size")
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > limit:
                raise invalid("$", f"a body of at most {limit} bytes", "more", "size")
        return parse_json(bytes(data))

    def audience(self, request: Request) -> str:
        base = self.config.public_url or str(request.base_url)
        return base.rstrip("/") + request.url.path

    async def authenticate(self, request: Request) -> TrustedClient | None:
        """The calling client, checked; ``None`` in a sandbox."""
        if self.checker is None:
            return None
        return await self.checker.check(
            request.headers.get("authorization"), self.audience(request)
        )

    def service(self, request: Request) -> tuple[str, str]:
        service_id = request.path_params["service_id"]
        if service_id not in SERVICES:
            raise ServiceError.of(404, f"no CDS service {service_id!r}")
        return service_id, SERVICES[service_id][0]

    # -- endpoints --------------------------------------------------------------------

    async def get_discovery(self, _request: Request) -> Response:
        return _json(self.discovery)

    async def get_openapi(self, _request: Request) -> Response:
        return _json(self.openapi)

    async def call(self, request: Request) -> Response:
        service_id, hook = self.service(request)
        client = await self.authenticate(request)
        call = _records.read(await self.body(request), _records.HookRequest)
        if call.hook != hook:
            raise invalid("$.hook", f'"{hook}" (the hook of {service_id})', call.hook, "enum")
        patient = patient_id(call.context)
        drafts = _draft_orders(call.context, patient) if hook == "order-sign" else ()
        prefetch = await fetch_missing(
            call.prefetch,
            patient=patient,
            server=call.fhir_server,
            authorization=call.fhir_authorization,
            timeout=self.config.fetch_timeout,
            allowed=client.fhir_servers if client is not None else self.config.fhir_servers,
        )
        found = read_patient(
            prefetch.values,
            patient=patient,
            as_of=_today(),
            validated=self.validated,
            fetched=prefetch.fetched,
        )
        if hook == "patient-view":
            record = _cards.record_section(found)
            filled = []
            for pain_type in found.pain_types:
                template = self.worded(pain_type).template
                ids = _cards.fresh_ids(template.ids)
                filled.append(template.fill(record=record, patient=patient, ids=ids))
                self.issued.add(ids[template.card_id], call.hook_instance, str(pain_type))
            return Response(b'{"cards":[' + b",".join(filled) + b"]}", media_type=_JSON)
        cards = self.order_cards(found.pain_types, drafts, patient)
        for kind, card in cards:
            self.issued.add(card.uuid, call.hook_instance, kind)
        return _json(_records.write(_records.CdsResponse(cards=[card for _, card in cards])))

    def order_cards(
        self,
        pain_types: tuple[PainType, ...],
        drafts: tuple[tuple[str, str | None], ...],
        patient: str,
    ) -> list[tuple[str, _records.Card]]:
        """The warnings about the draft orders, each with its kind (pain type and modality)."""
        cards = []
        for modality_id, draft in drafts:
            modality = self.catalog.get(modality_id)
            if modality is None:
                continue
            for pain_type in pain_types:
                advice = self.worded(pain_type).advice
                reasons = _cards.ruled_out_reasons(advice.ranking, modality)
                if reasons:
                    card = _cards.order_warning_card(
                        advice,
                        modality,
                        reasons,
                        patient=patient,
                        draft=draft,
                        docs_url=self.config.docs_url,
                        new_id=uuid.uuid4,
                    )
                    cards.append((f"{pain_type} {modality.id}", card))
        return cards

    async def feedback(self, request: Request) -> Response:
        service_id, _ = self.service(request)
        await self.authenticate(request)
        received = _records.read(await self.body(request), _records.FeedbackRequest)
        LOG.info("feedback service=%s items=%d", service_id, len(received.feedback))
        if self.feedback_store is not None:
            await run_in_threadpool(
                self.feedback_store.add, service_id, received.feedback, self.issued
            )
        return _json({})


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.timezone.utc).date()


def _draft_orders(context: Mapping[str, Any], patient: str) -> tuple[tuple[str, str | None], ...]:
    """Each drafted ServiceRequest coded with a modality: (modality id, its reference).

    Raises:
        ValidationError: for a draft order (of any type) about another subject than
            ``patient``: one call is about one patient.
    """
    orders = context.get("draftOrders")
    if not isinstance(orders, Mapping) or orders.get("resourceType") != "Bundle":
        raise invalid("$.context.draftOrders", "a FHIR Bundle of draft orders", orders, "type")
    entries = orders.get("entry", [])
    if not isinstance(entries, list):
        raise invalid("$.context.draftOrders.entry", "a list of entries", entries, "type")
    found = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        check_subject(resource, f"$.context.draftOrders.entry[{index}].resource", patient)
        if not isinstance(resource, Mapping) or resource.get("resourceType") != "ServiceRequest":
            continue
        code = resource.get("code")
        codings = code.get("coding") if isinstance(code, Mapping) else None
        for coding in codings if isinstance(codings, list) else []:
            if not isinstance(coding, Mapping) or coding.get("system") != SNOMED_SYSTEM:
                continue
            concept = SNOMED_VERIFIED.get(str(coding.get("code")))
            if concept is not None and concept.is_modality and not concept.generic:
                own = resource.get("id")
                found.append(
                    (concept.target, f"ServiceRequest/{own}" if isinstance(own, str) else None)
                )
                break
    return tuple(found)


async def _service_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, ServiceError)  # noqa: S101 - registered for ServiceError only
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return _json(
        operation_outcome(error.status, error.diagnostics, error.expression),
        error.status,
        headers,
    )


async def _invalid(_request: Request, error: Exception) -> Response:
    assert isinstance(error, ValidationError)  # noqa: S101 - registered for it only
    return _json(problems_outcome(error.problems), 400)


async def _http_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)  # noqa: S101 - registered for it only
    return _json(
        operation_outcome(error.status_code, str(error.detail)), error.status_code, error.headers
    )


async def _server_error(request: Request, error: Exception) -> Response:
    LOG.exception("internal error on %s %s", request.method, request.url.path, exc_info=error)
    return _json(operation_outcome(500, "internal error"), 500)


def create_app(config: ServiceConfig) -> Starlette:
    """The ASGI application of the CDS Hooks service (serve it with uvicorn).

    Raises:
        ValidationError: unless exactly one of ``trusted_clients`` and
            ``allow_unauthenticated`` is given, or for ``fhir_servers`` with trusted
            clients (each client lists its own).
    """
    if (config.trusted_clients is None) == (not config.allow_unauthenticated):
        raise invalid(
            "$.trusted_clients",
            "trusted clients, or allow_unauthenticated=True (not both)",
            config.trusted_clients,
            "required",
        )
    if config.fhir_servers and config.trusted_clients is not None:
        raise invalid(
            "$.fhir_servers",
            "no FHIR servers beside trusted clients (list them per client: fhirServers)",
            list(config.fhir_servers),
            "conflict",
        )
    service = _Service(config)
    if config.allow_unauthenticated:
        LOG.warning("the CDS Hooks service accepts unauthenticated calls (sandbox mode)")
    routes = [
        Route("/cds-services", service.get_discovery, methods=["GET"]),
        Route("/openapi.json", service.get_openapi, methods=["GET"]),
        Route("/cds-services/{service_id}", service.call, methods=["POST"]),
        Route("/cds-services/{service_id}/feedback", service.feedback, methods=["POST"]),
    ]
    cors = Middleware(
        CORSMiddleware,
        allow_origins=list(config.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
    return Starlette(
        routes=routes,
        middleware=[cors],
        exception_handlers={
            ServiceError: _service_error,
            ValidationError: _invalid,
            HTTPException: _http_error,
            Exception: _server_error,
        },
    )
