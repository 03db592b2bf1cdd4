"""The OpenAPI 3.1 description of the service, generated from its wire records.

Each record of :mod:`painmodalities.service._records` becomes a JSON Schema (draft 2020-12,
which OpenAPI 3.1 uses) under its wire names: a field's fragment comes from the rule that
validates it (the same definition as its check and message, as in
:mod:`painmodalities.schema`), else from its type. Errors are FHIR OperationOutcome.
"""

import types
from collections.abc import Mapping
from typing import Any, Final, Union, get_args, get_origin

import attrs

from painmodalities import __version__
from painmodalities import _rules as check
from painmodalities.service import _records
from painmodalities.service._prefetch import PREFETCH
from painmodalities.vocabulary import RankedEnum

__all__ = ["openapi"]

_SCALARS: Final[Mapping[type, Mapping[str, Any]]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    bool: {"type": "boolean"},
}
_OUTCOME: Final = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"const": "OperationOutcome"},
        "issue": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {
                    "severity": {"enum": ["fatal", "error", "warning", "information"]},
                    "code": {"type": "string"},
                    "diagnostics": {"type": "string"},
                    "expression": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def _type_schema(kind: Any) -> dict[str, Any]:
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = [arg for arg in get_args(kind) if arg is not type(None)]
        return {"anyOf": [_type_schema(arg) for arg in options] + [{"type": "null"}]}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(get_args(kind)[0])}
    if origin is Mapping:
        return {"type": "object"}
    if isinstance(kind, type) and issubclass(kind, RankedEnum):
        return {"enum": [member.value for member in kind]}
    if attrs.has(kind):
        return {"$ref": f"#/components/schemas/{kind.__name__}"}
    return dict(_SCALARS[kind])


def _field_schema(field: "attrs.Attribute[Any]") -> dict[str, Any]:
    rule = field.validator
    if isinstance(rule, check.Rule) and rule.schema is not None:
        return dict(rule.schema)
    return _type_schema(field.type)


def _record_schema(kind: type) -> dict[str, Any]:
    wire = _records.wire_names(kind)
    properties = {wire.get(f.name, f.name): _field_schema(f) for f in attrs.fields(kind)}
    required = [wire.get(f.name, f.name) for f in attrs.fields(kind) if f.default is attrs.NOTHING]
    doc = (kind.__doc__ or kind.__name__).strip().split("\n", 1)[0]
    return {
        "type": "object",
        "description": doc,
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


def _records_of(*roots: type) -> list[type]:
    found: list[type] = []
    pending = list(roots)
    while pending:
        kind = pending.pop()
        if kind in found:
            continue
        found.append(kind)
        for field in attrs.fields(kind):
            stack = [field.type]
            while stack:
                current = stack.pop()
                stack.extend(get_args(current))
                if attrs.has(current) and current not in found:
                    pending.append(current)
    return sorted(found, key=lambda kind: kind.__name__)


def _json(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    """A required JSON request body of ``schema``."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _operations(
    service_id: str, hook: str, security: list[dict[str, list[str]]], errors: dict[str, Any]
) -> dict[str, Any]:
    """The two paths of one service: its call (for its own hook only) and its feedback."""
    request = {
        "allOf": [
            {"$ref": "#/components/schemas/HookRequest"},
            {"properties": {"hook": {"const": hook}}},
        ]
    }
    name = service_id.removeprefix("painmodalities-").replace("-", "_")
    return {
        f"/cds-services/{service_id}": {
            "post": {
                "operationId": f"call_{name}",
                "summary": f"Call {service_id} (hook {hook})",
                "security": security,
                "requestBody": _body(request),
                "responses": {
                    "200": _json("CdsResponse", "The cards"),
                    "412": _json(
                        "OperationOutcome", "Prefetch not fetched, and no FHIR server to read"
                    ),
                    **errors,
                },
            }
        },
        f"/cds-services/{service_id}/feedback": {
            "post": {
                "operationId": f"feedback_{name}",
                "summary": f"Feedback on the cards of {service_id}",
                "security": security,
                "requestBody": _body({"$ref": "#/components/schemas/FeedbackRequest"}),
                "responses": {
                    "200": {
                        "description": "Feedback recorded",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **errors,
                },
            }
        },
    }


def openapi(services: Mapping[str, str], *, authenticated: bool) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the services, by id with each one's own hook."""
    schemas = {
        kind.__name__: _record_schema(kind)
        for kind in _records_of(*_records.REQUESTS, *_records.RESPONSES)
    }
    schemas["OperationOutcome"] = _OUTCOME
    errors = {
        "400": _json("OperationOutcome", "Malformed request, or about another patient"),
        "415": _json("OperationOutcome", "The body is not JSON"),
        **({"401": _json("OperationOutcome", "Not authenticated")} if authenticated else {}),
    }
    security: list[dict[str, list[str]]] = [{"bearer": []}] if authenticated else []
    paths: dict[str, Any] = {
        "/cds-services": {
            "get": {
                "operationId": "discovery",
                "responses": {"200": _json("Discovery", "The services offered")},
            }
        }
    }
    for service_id, hook in services.items():
        paths.update(_operations(service_id, hook, security, errors))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "painmodalities CDS Hooks service",
            "version": __version__,
            "description": "CDS Hooks 2.0.1 services ranking non-drug pain care. Prefetch "
            "keys: " + ", ".join(PREFETCH),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
