"""What the CDS Hooks service tests share: response schemas written from the 2.0.1
specification text, a real server (uvicorn in a subprocess on a free loopback port), a FHIR
server stub, signed tokens and request builders.

The schemas follow HL7/cds-hooks ``input/pagecontent/index.md`` (tag v2.0.1): each element's
optionality and type as its tables give them, ``resourceId`` a string, ``extension`` an
object wherever it appears.
"""

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import jwt
import pytest

from tests.samples import fhir_fixture

ROOT = Path(__file__).resolve().parent.parent
SPEC_EXAMPLES = ROOT / "tests" / "fixtures" / "cds-hooks"
PATIENT_VIEW = "/cds-services/painmodalities-patient-view"
ORDER_SIGN = "/cds-services/painmodalities-order-sign"
UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

# -- CDS Hooks 2.0.1 shapes, from the specification --------------------------------------------

CODING = {
    "type": "object",
    "required": ["code", "display"],
    "properties": {
        "code": {"type": "string"},
        "system": {"type": "string"},
        "display": {"type": "string"},
    },
}
DISCOVERY = {
    "type": "object",
    "required": ["services"],
    "properties": {
        "services": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["hook", "description", "id"],
                "properties": {
                    "hook": {"type": "string"},
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                    "id": {"type": "string"},
                    "prefetch": {"type": "object", "additionalProperties": {"type": "string"}},
                    "usageRequirements": {"type": "string"},
                },
            },
        }
    },
}
ACTION = {
    "type": "object",
    "required": ["type", "description"],
    "properties": {
        "type": {"enum": ["create", "update", "delete"]},
        "description": {"type": "string"},
        "resource": {"type": "object", "required": ["resourceType"]},
        "resourceId": {"type": "string", "pattern": "^[A-Za-z]+/[A-Za-z0-9\\-.]{1,64}$"},
        "extension": {"type": "object"},
    },
}
CARD = {
    "type": "object",
    "required": ["summary", "indicator", "source"],
    "properties": {
        "uuid": {"type": "string", "pattern": UUID},
        "summary": {"type": "string", "maxLength": 139},
        "detail": {"type": "string"},
        "indicator": {"enum": ["info", "warning", "critical"]},
        "source": {
            "type": "object",
            "required": ["label"],
            "properties": {
                "label": {"type": "string", "minLength": 1},
                "url": {"type": "string"},
                "icon": {"type": "string"},
                "topic": CODING,
            },
        },
        "suggestions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["label"],
                "properties": {
                    "label": {"type": "string"},
                    "uuid": {"type": "string", "pattern": UUID},
                    "isRecommended": {"type": "boolean"},
                    "actions": {"type": "array", "items": ACTION},
                },
            },
        },
        "selectionBehavior": {"enum": ["at-most-one", "any"]},
        "overrideReasons": {"type": "array", "items": CODING},
        "links": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["label", "url", "type"],
                "properties": {"type": {"enum": ["absolute", "smart"]}},
            },
        },
    },
    "dependentRequired": {"suggestions": ["selectionBehavior"]},
}
RESPONSE = {
    "type": "object",
    "required": ["cards"],
    "properties": {
        "cards": {"type": "array", "items": CARD},
        "systemActions": {"type": "array", "items": ACTION},
    },
}
FEEDBACK = {
    "type": "object",
    "required": ["feedback"],
    "properties": {
        "feedback": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["card", "outcome", "outcomeTimestamp"],
                "properties": {
                    "card": {"type": "string"},
                    "outcome": {"enum": ["accepted", "overridden"]},
                    "acceptedSuggestions": {
                        "type": "array",
                        "items": {"type": "object", "required": ["id"]},
                    },
                    "overrideReason": {"type": "object"},
                    "outcomeTimestamp": {"type": "string"},
                },
            },
        }
    },
}
OUTCOME = {
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


def no_null_or_empty(value: Any, at: str = "$") -> None:
    """CDS Hooks 2.0.1: "JSON elements SHALL NOT be null", nor ``""``, ``[]`` or ``{}``.

    The one exception is the top-level ``cards`` array, which is ``[]`` for no guidance.
    """
    assert value is not None, at
    if isinstance(value, dict):
        assert value or at == "$", at
        for key, item in value.items():
            if not (at == "$" and key == "cards" and item == []):
                no_null_or_empty(item, f"{at}.{key}")
    elif isinstance(value, list):
        assert value, at
        for index, item in enumerate(value):
            no_null_or_empty(item, f"{at}[{index}]")
    elif isinstance(value, str):
        assert value, at


def check_cards(body: Any) -> list[dict[str, Any]]:
    """``body`` is a CDS Hooks response that keeps every card rule; its cards."""
    jsonschema.validate(body, RESPONSE)
    no_null_or_empty(body)
    ids = []
    for card in body["cards"]:
        assert len(card["summary"]) < 140
        assert card["source"]["label"]
        if card.get("suggestions"):
            assert card["selectionBehavior"] in ("at-most-one", "any")
        ids.append(card["uuid"])
        ids += [suggestion["uuid"] for suggestion in card.get("suggestions", [])]
    assert len(ids) == len(set(ids))
    cards: list[dict[str, Any]] = body["cards"]
    return cards


def check_outcome(response: httpx.Response, status: int) -> str:
    """``response`` is an OperationOutcome with ``status``; its diagnostics, joined."""
    assert response.status_code == status, response.text
    body = response.json()
    jsonschema.validate(body, OUTCOME)
    assert "Traceback" not in response.text
    return " ".join(issue.get("diagnostics", "") for issue in body["issue"])


def expressions(response: httpx.Response) -> list[str]:
    """The JSON paths an OperationOutcome names."""
    return [path for issue in response.json()["issue"] for path in issue.get("expression", [])]


# -- servers ------------------------------------------------------------------------------


#: A FHIR server listed for the shared sandbox, but over plain http off loopback.
PLAIN_HTTP_SERVER = "http://fhir.example.org/fhir"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve(port: int, *arguments: str, state: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``painmodalities serve`` on ``port``, once it answers discovery; its base URL.

    ``state`` is its ``XDG_STATE_HOME`` (where the default feedback database goes).
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "XDG_STATE_HOME": str(state)}
    process = subprocess.Popen(
        [sys.executable, "-m", "painmodalities", "serve", "--port", str(port), *arguments],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the service exited with {process.returncode}")
        try:
            httpx.get(f"{base}/cds-services", timeout=1)
        except httpx.HTTPError:
            time.sleep(0.1)
        else:
            return process, base
    process.kill()
    pytest.fail("the service did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class FhirStub(http.server.BaseHTTPRequestHandler):
    """A FHIR server answering searches from the brenda_jackson fixture.

    It remembers each request (path and Authorization header). With ``poison`` set, its
    Condition searches hold an invalid resource carrying that text, and so does its Patient
    (as its ``birthDate``); with ``other_subject``,
    its Conditions are about another patient.
    """

    seen: list[tuple[str, str | None]] = []  # noqa: RUF012 - reset by each test that reads it
    poison: str | None = None
    other_subject = False

    @classmethod
    def reset(cls) -> None:
        """Forget what it saw; answer well again."""
        cls.seen = []
        cls.poison = None
        cls.other_subject = False

    def do_GET(self) -> None:
        """Answer a read or a search; remember it."""
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        found = resources("brenda_jackson")
        kind = self.path.strip("/").split("?")[0]
        body: dict[str, Any] = (
            next(item for item in found if item["resourceType"] == "Patient")
            if kind.startswith("Patient/")
            else searchset(found, kind)
        )
        if kind == "Condition" and self.poison is not None:
            body["entry"][0]["resource"]["clinicalStatus"] = self.poison
        if kind.startswith("Patient/") and self.poison is not None:
            body["birthDate"] = self.poison
        if kind == "Condition" and self.other_subject:
            body["entry"][0]["resource"]["subject"] = {"reference": "Patient/someone-else"}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        """Stay quiet."""
        return


def http_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Run ``handler`` on a free loopback port while the generator is open; its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# -- tokens -------------------------------------------------------------------------------


def jwk(key: Any, kid: str, algorithm: str) -> dict[str, Any]:
    make = jwt.algorithms.ECAlgorithm if algorithm == "ES384" else jwt.algorithms.RSAAlgorithm
    found: dict[str, Any] = make.to_jwk(key.public_key(), as_dict=True)
    return {**found, "kid": kid, "alg": algorithm, "use": "sig"}


def token(
    key: Any,
    *,
    kid: str | None = "ec-1",
    algorithm: str = "ES384",
    header: dict[str, Any] | None = None,
    lifetime: int = 120,
    **claims: Any,
) -> str:
    """A signed CDS Hooks token; ``kid=None`` leaves it out, ``header`` adds or replaces."""
    now = int(time.time())
    body = {
        "iss": "https://ehr.example",
        "aud": "",
        "exp": now + lifetime,
        "iat": now,
        "jti": str(uuid.uuid4()),
        **claims,
    }
    headers: dict[str, Any] = {"typ": "JWT", **({"kid": kid} if kid is not None else {})}
    headers.update(header or {})
    return jwt.encode(body, key, algorithm=algorithm, headers=headers)


# -- requests -----------------------------------------------------------------------------


def resources(name: str) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in fhir_fixture(name)["entry"]]


def searchset(found: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": item} for item in found if item["resourceType"] == kind],
    }


def prefetch(name: str = "brenda_jackson") -> dict[str, Any]:
    found = resources(name)
    return {
        "patient": next(item for item in found if item["resourceType"] == "Patient"),
        "conditions": searchset(found, "Condition"),
        "procedures": searchset(found, "Procedure"),
        "serviceRequests": searchset(found, "ServiceRequest"),
    }


def call(hook: str = "patient-view", name: str = "brenda_jackson", **extra: Any) -> dict[str, Any]:
    data = prefetch(name)
    body = {
        "hook": hook,
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/1", "patientId": data["patient"]["id"]},
        "prefetch": data,
    }
    body.update(extra)
    return body


def patient_of(body: dict[str, Any]) -> str:
    found: str = body["context"]["patientId"]
    return found


def draft(code: str, display: str, patient: str, request_id: str = "draft-1") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "ServiceRequest",
                    "id": request_id,
                    "status": "draft",
                    "intent": "order",
                    "code": {
                        "coding": [
                            {"system": "http://snomed.info/sct", "code": code, "display": display}
                        ]
                    },
                    "subject": {"reference": f"Patient/{patient}"},
                }
            }
        ],
    }


def spec_example(name: str) -> dict[str, Any]:
    """A request or feedback shaped as a CDS Hooks 2.0.1 example (tests/fixtures/cds-hooks).

    Written for these tests with their own ids and values, following the structure of the
    specification's examples (not copies of them).
    """
    found: dict[str, Any] = json.loads((SPEC_EXAMPLES / name).read_text("utf-8"))
    return found


Maker = Callable[[], str | None]
