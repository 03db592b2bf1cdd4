"""The ASGI application: discovery, the two hooks, feedback and the OpenAPI document."""

import datetime
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, NamedTuple

import attrs
import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
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
from painmodalities.service._auth import TokenChecker, TrustedClient
from painmodalities.service._openapi import openapi
from painmodalities.service._outcome import ServiceError, operation_outcome, problems_outcome
from painmodalities.service._prefetch import PREFETCH, fetch_missing, patient_id, read_patient

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
    """

    catalog: Catalog | None = None
    trusted_clients: tuple[TrustedClient, ...] | None = None
    allow_unauthenticated: bool = False
    public_url: str | None = None
    fetch_timeout: float = 5.0
    max_body_bytes: int = MAX_BODY_BYTES
    docs_url: str = DOCS_URL


def _json(value: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(value), status_code=status, media_type=_JSON, headers=headers)


def _error(error: ServiceError) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return _json(
        operation_outcome(error.status, error.diagnostics, error.expression),
        error.status,
        headers,
    )


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
            TokenChecker(config.trusted_clients, fetch_timeout=config.fetch_timeout)
            if config.trusted_clients is not None
            else None
        )
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
        self.openapi = openapi(tuple(SERVICES), authenticated=self.checker is not None)
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
        """The request's JSON body, within the size limit and the library's JSON limits."""
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

    async def authenticate(self, request: Request) -> None:
        if self.checker is not None:
            await self.checker.check(request.headers.get("authorization"), self.audience(request))

    def service(self, request: Request) -> tuple[str, str]:
        service_id = request.path_params["service_id"]
        if service_id not in SERVICES:
            raise ServiceError.of(404, f"no CDS service {service_id!r}")
        return service_id, SERVICES[service_id][0]

    @staticmethod
    def guarded(
        handler: Callable[[Request], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        """``handler`` with the library's errors answered as OperationOutcome."""

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except ServiceError as error:
                return _error(error)
            except ValidationError as error:
                return _json(problems_outcome(error.problems), 400)

        return run

    # -- endpoints --------------------------------------------------------------------

    async def get_discovery(self, _request: Request) -> Response:
        return _json(self.discovery)

    async def get_openapi(self, _request: Request) -> Response:
        return _json(self.openapi)

    async def call(self, request: Request) -> Response:
        service_id, hook = self.service(request)
        await self.authenticate(request)
        call = _records.read(await self.body(request), _records.HookRequest)
        if call.hook != hook:
            raise invalid("$.hook", f'"{hook}" (the hook of {service_id})', call.hook, "enum")
        patient = patient_id(call.context)
        drafts = _draft_orders(call.context) if hook == "order-sign" else ()
        prefetch = await fetch_missing(
            call.prefetch,
            patient=patient,
            server=call.fhir_server,
            authorization=call.fhir_authorization,
            timeout=self.config.fetch_timeout,
        )
        found = read_patient(prefetch, patient=patient, as_of=_today(), validated=self.validated)
        if hook == "patient-view":
            record = _cards.record_section(found)
            filled = [
                self.worded(pain_type).template.fill(
                    record=record, patient=patient, new_id=uuid.uuid4
                )
                for pain_type in found.pain_types
            ]
            return Response(b'{"cards":[' + b",".join(filled) + b"]}", media_type=_JSON)
        advice = [self.worded(pain_type).advice for pain_type in found.pain_types]
        cards = self.order_cards(advice, drafts, patient)
        return _json(_records.write(_records.CdsResponse(cards=cards)))

    def order_cards(
        self, advice: list[_cards.Advice], drafts: tuple[tuple[str, str | None], ...], patient: str
    ) -> tuple[_records.Card, ...]:
        cards = []
        for modality_id, draft in drafts:
            modality = self.catalog.get(modality_id)
            if modality is None:
                continue
            for each in advice:
                reasons = _cards.ruled_out_reasons(each.ranking, modality)
                if reasons:
                    cards.append(
                        _cards.order_warning_card(
                            each,
                            modality,
                            reasons,
                            patient=patient,
                            draft=draft,
                            docs_url=self.config.docs_url,
                            new_id=uuid.uuid4,
                        )
                    )
        return tuple(cards)

    async def feedback(self, request: Request) -> Response:
        service_id, _ = self.service(request)
        await self.authenticate(request)
        received = _records.read(await self.body(request), _records.FeedbackRequest)
        for item in received.feedback:
            reason = item.override_reason.reason if item.override_reason else None
            LOG.info(
                "feedback service=%s card=%s outcome=%s suggestions=%s reason=%s",
                service_id,
                item.card,
                item.outcome.value,
                ",".join(accepted.id for accepted in item.accepted_suggestions) or "-",
                reason.code if reason is not None else "-",
            )
        return _json({})


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.timezone.utc).date()


def _draft_orders(context: Mapping[str, Any]) -> tuple[tuple[str, str | None], ...]:
    """Each drafted ServiceRequest coded with a modality: (modality id, its reference)."""
    orders = context.get("draftOrders")
    if not isinstance(orders, Mapping) or orders.get("resourceType") != "Bundle":
        raise invalid("$.context.draftOrders", "a FHIR Bundle of draft orders", orders, "type")
    entries = orders.get("entry", [])
    if not isinstance(entries, list):
        raise invalid("$.context.draftOrders.entry", "a list of entries", entries, "type")
    found = []
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
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


async def _http_error(_request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, HTTPException) else 500
    words = error.detail if isinstance(error, HTTPException) else "internal error"
    return _json(operation_outcome(status, str(words)), status)


async def _server_error(request: Request, error: Exception) -> Response:
    LOG.exception("internal error on %s %s", request.method, request.url.path, exc_info=error)
    return _json(operation_outcome(500, "internal error"), 500)


def create_app(config: ServiceConfig) -> Starlette:
    """The ASGI application of the CDS Hooks service (serve it with uvicorn).

    Raises:
        ValidationError: unless exactly one of ``trusted_clients`` and
            ``allow_unauthenticated`` is given.
    """
    if (config.trusted_clients is None) == (not config.allow_unauthenticated):
        raise invalid(
            "$.trusted_clients",
            "trusted clients, or allow_unauthenticated=True (not both)",
            config.trusted_clients,
            "required",
        )
    service = _Service(config)
    if config.allow_unauthenticated:
        LOG.warning("the CDS Hooks service accepts unauthenticated calls (sandbox mode)")
    guarded = _Service.guarded
    routes = [
        Route("/cds-services", guarded(service.get_discovery), methods=["GET"]),
        Route("/openapi.json", guarded(service.get_openapi), methods=["GET"]),
        Route("/cds-services/{service_id}", guarded(service.call), methods=["POST"]),
        Route("/cds-services/{service_id}/feedback", guarded(service.feedback), methods=["POST"]),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
