"""The CDS Hooks service against a real server: uvicorn in a subprocess on loopback, over HTTP.

Every response is checked against JSON Schemas of the CDS Hooks 2.0 shapes written here from
the specification (discovery, response, feedback), plus its rules: summary under 140
characters, ``selectionBehavior`` with suggestions, unique ``uuid`` values, ``indicator`` one
of info, warning, critical, ``source.label`` present.
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
import schemathesis
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from tests.samples import fhir_fixture

ROOT = Path(__file__).resolve().parent.parent
PATIENT_VIEW = "/cds-services/painmodalities-patient-view"
ORDER_SIGN = "/cds-services/painmodalities-order-sign"
UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

# -- CDS Hooks 2.0 shapes, from the specification --------------------------------------------

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
        "resourceId": {"type": "array", "items": {"type": "string"}},
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
        "issue": {"type": "array", "minItems": 1},
    },
}


def check_cards(body: Any) -> list[dict[str, Any]]:
    """``body`` is a CDS Hooks response that keeps every card rule; its cards."""
    jsonschema.validate(body, RESPONSE)
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


# -- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(*arguments: str) -> tuple[subprocess.Popen[bytes], str]:
    """``painmodalities serve`` on a free loopback port, once it answers; its base URL."""
    return _serve(free_port(), *arguments)


def _serve(port: int, *arguments: str) -> tuple[subprocess.Popen[bytes], str]:
    """``painmodalities serve`` on ``port``, once it answers discovery; its base URL."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "painmodalities", "serve", "--port", str(port), *arguments],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
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


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    process, base = start("--allow-unauthenticated")
    yield base
    stop(process)


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {
        "ec": ec.generate_private_key(ec.SECP384R1()),
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "stranger": ec.generate_private_key(ec.SECP384R1()),
    }


def jwk(key: Any, kid: str, algorithm: str) -> dict[str, Any]:
    make = jwt.algorithms.ECAlgorithm if algorithm == "ES384" else jwt.algorithms.RSAAlgorithm
    found: dict[str, Any] = make.to_jwk(key.public_key(), as_dict=True)
    return {**found, "kid": kid, "alg": algorithm, "use": "sig"}


@pytest.fixture(scope="module")
def secure(keys: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    clients = {
        "clients": [
            {
                "iss": "https://ehr.example",
                "jwks": {
                    "keys": [jwk(keys["ec"], "ec-1", "ES384"), jwk(keys["rsa"], "rsa-1", "RS384")]
                },
            }
        ]
    }
    path = tmp_path_factory.mktemp("clients") / "clients.json"
    path.write_text(json.dumps(clients), encoding="utf-8")
    port = free_port()
    process, base = start_on(port, "--trusted-clients", str(path))
    yield base
    stop(process)


def start_on(port: int, *arguments: str) -> tuple[subprocess.Popen[bytes], str]:
    """Like :func:`start`, with ``--public-url`` naming the port the tokens are for."""
    return _serve(port, "--public-url", f"http://127.0.0.1:{port}", *arguments)


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


def draft(code: str, display: str, request_id: str = "draft-1") -> dict[str, Any]:
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
                    "subject": {"reference": "Patient/x"},
                }
            }
        ],
    }


# -- discovery and hooks ------------------------------------------------------------------


def test_discovery_lists_both_services_with_prefetch(sandbox: str) -> None:
    body = httpx.get(f"{sandbox}/cds-services").json()
    jsonschema.validate(body, DISCOVERY)
    services = {service["id"]: service for service in body["services"]}
    assert services["painmodalities-patient-view"]["hook"] == "patient-view"
    assert services["painmodalities-order-sign"]["hook"] == "order-sign"
    for service in services.values():
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert set(service["prefetch"]) == {
            "patient",
            "conditions",
            "procedures",
            "serviceRequests",
        }
        assert "without authentication" in service["description"]


@pytest.mark.parametrize("name", ["brenda_jackson", "lois_lane"])
def test_patient_view_gives_one_card_per_pain_type(sandbox: str, name: str) -> None:
    response = httpx.post(f"{sandbox}{PATIENT_VIEW}", json=call(name=name), timeout=30)
    assert response.status_code == 200, response.text
    cards = check_cards(response.json())
    summaries = sorted(card["summary"] for card in cards)
    assert summaries == [
        "Chronic fibromyalgia: cognitive behavioural therapy ranks first for long-term function",
        "Chronic low back pain: therapeutic exercise and physical therapy programme "
        "(exercise-led) share first place for long-term function",
    ]
    back = next(card for card in cards if "low back" in card["summary"])
    assert back["indicator"] == "info"
    assert "| 1 | Therapeutic exercise | active | 0.68 |" in back["detail"]
    assert "NICE NG59 recommends against acupuncture for low back pain" in back["detail"]
    plan_line = "**Care plan.** For chronic low back pain: one of therapeutic exercise"
    assert plan_line in back["detail"]
    assert "Active core (choose one; it carries long-term care):" in back["detail"]
    assert "- Referred for physical therapy on " in back["detail"]
    assert "done on" not in back["detail"]
    assert back["selectionBehavior"] == "at-most-one"
    action = back["suggestions"][0]["actions"][0]
    assert action["type"] == "create"
    request = action["resource"]
    assert request["resourceType"] == "ServiceRequest"
    assert request["status"] == "draft"
    assert request["code"]["coding"] == [
        {"system": "http://snomed.info/sct", "code": "229065009", "display": "Exercise therapy"}
    ]
    codes = {reason["code"] for reason in back["overrideReasons"]}
    assert {"action-unsuccessful", "recipient-concerns-outcomes"} <= codes
    assert back["links"][0]["url"].endswith("/scoring/")


def test_patient_view_without_a_pain_type_gives_no_cards(sandbox: str) -> None:
    body = call()
    body["prefetch"]["conditions"] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    response = httpx.post(f"{sandbox}{PATIENT_VIEW}", json=body, timeout=30)
    assert response.json() == {"cards": []}


def test_order_sign_warns_about_an_order_a_guideline_recommends_against(sandbox: str) -> None:
    body = call(hook="order-sign")
    body["context"]["draftOrders"] = draft("229559001", "Transcutaneous nerve stimulation")
    response = httpx.post(f"{sandbox}{ORDER_SIGN}", json=body, timeout=30)
    cards = check_cards(response.json())
    assert cards, response.text
    assert all(card["indicator"] == "warning" for card in cards)
    back = next(card for card in cards if "low back" in card["summary"])
    assert "recommends against" in back["summary"]
    actions = back["suggestions"][0]["actions"]
    assert actions[0] == {
        "type": "delete",
        "description": "Remove the draft order",
        "resourceId": ["ServiceRequest/draft-1"],
    }
    assert actions[1]["resource"]["code"]["text"] == "Therapeutic exercise"


def test_order_sign_is_silent_on_a_top_ranked_order(sandbox: str) -> None:
    body = call(hook="order-sign")
    body["context"]["draftOrders"] = draft("229065009", "Exercise therapy")
    response = httpx.post(f"{sandbox}{ORDER_SIGN}", json=body, timeout=30)
    assert response.json() == {"cards": []}


def test_error_missing_prefetch_without_fhir_server_is_412(sandbox: str) -> None:
    body = call()
    del body["prefetch"]["conditions"]
    response = httpx.post(f"{sandbox}{PATIENT_VIEW}", json=body, timeout=30)
    assert "'conditions'" in check_outcome(response, 412)


# -- the FHIR server stub -----------------------------------------------------------------


class _FhirStub(http.server.BaseHTTPRequestHandler):
    """Answers searches from the fixture; remembers the Authorization headers it saw."""

    seen: list[str | None] = []  # noqa: RUF012 - one stub per test module, reset per test

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Authorization"))
        found = resources("brenda_jackson")
        kind = self.path.strip("/").split("?")[0]
        body: dict[str, Any] = (
            next(item for item in found if item["resourceType"] == "Patient")
            if kind.startswith("Patient/")
            else searchset(found, kind)
        )
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        return


@pytest.fixture
def fhir_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FhirStub)
    _FhirStub.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_missing_prefetch_is_fetched_from_the_fhir_server(sandbox: str, fhir_server: str) -> None:
    body = call(
        fhirServer=fhir_server,
        fhirAuthorization={
            "access_token": "secret-token",
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "painmodalities",
        },
    )
    del body["prefetch"]["conditions"]
    del body["prefetch"]["procedures"]
    response = httpx.post(f"{sandbox}{PATIENT_VIEW}", json=body, timeout=30)
    assert len(check_cards(response.json())) == 2
    assert _FhirStub.seen == ["Bearer secret-token", "Bearer secret-token"]


# -- malformed bodies ---------------------------------------------------------------------


def _bad_bodies() -> list[tuple[str, bytes, str]]:
    good = call()
    wrong_hook = {**good, "hook": "order-select"}
    no_instance = {key: value for key, value in good.items() if key != "hookInstance"}
    no_context = {key: value for key, value in good.items() if key != "context"}
    return [
        ("not JSON", b"{not json", "valid JSON"),
        ("an array", b"[]", "an object"),
        ("wrong hook", json.dumps(wrong_hook).encode(), "$.hook"),
        ("no hookInstance", json.dumps(no_instance).encode(), "$.hookInstance"),
        ("no context", json.dumps(no_context).encode(), "$.context"),
        ("oversized", b'{"hook": "' + b"x" * (5 * 1024 * 1024) + b'"}', "at most"),
    ]


@pytest.mark.parametrize(("label", "data", "words"), _bad_bodies(), ids=lambda v: str(v)[:20])
def test_error_malformed_body_is_400(sandbox: str, label: str, data: bytes, words: str) -> None:
    response = httpx.post(
        f"{sandbox}{PATIENT_VIEW}",
        content=data,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    issues = response.json()["issue"] if response.status_code == 400 else []
    text = check_outcome(response, 400) + " ".join(
        " ".join(issue.get("expression", [])) for issue in issues
    )
    assert words in text, label


def test_error_unknown_service_is_404(sandbox: str) -> None:
    check_outcome(httpx.post(f"{sandbox}/cds-services/nope", json=call()), 404)


def test_feedback_is_accepted(sandbox: str) -> None:
    feedback = {
        "feedback": [
            {
                "card": str(uuid.uuid4()),
                "outcome": "overridden",
                "overrideReason": {
                    "reason": {
                        "code": "action-unsuccessful",
                        "system": "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes",
                        "display": "Recommended action was previously unsuccessful",
                    },
                    "userComment": "tried last year",
                },
                "outcomeTimestamp": "2024-01-01T12:00:00Z",
            }
        ]
    }
    jsonschema.validate(feedback, FEEDBACK)
    response = httpx.post(f"{sandbox}{PATIENT_VIEW}/feedback", json=feedback)
    assert response.status_code == 200


def test_error_malformed_feedback_is_400(sandbox: str) -> None:
    response = httpx.post(f"{sandbox}{PATIENT_VIEW}/feedback", json={"feedback": [{}]})
    assert "$.feedback[0].card" in json.dumps(response.json())
    check_outcome(response, 400)


# -- authentication -----------------------------------------------------------------------


def token(key: Any, *, kid: str = "ec-1", algorithm: str = "ES384", **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": "https://ehr.example",
        "aud": "",
        "exp": now + 120,
        "iat": now,
        "jti": str(uuid.uuid4()),
        **claims,
    }
    return jwt.encode(body, key, algorithm=algorithm, headers={"kid": kid})


def post_with(secure: str, bearer: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    return httpx.post(f"{secure}{PATIENT_VIEW}", json=call(), headers=headers, timeout=30)


def test_valid_tokens_are_accepted(secure: str, keys: dict[str, Any]) -> None:
    audience = f"{secure}{PATIENT_VIEW}"
    assert post_with(secure, token(keys["ec"], aud=audience)).status_code == 200
    rsa_token = token(keys["rsa"], kid="rsa-1", algorithm="RS384", aud=audience)
    assert post_with(secure, rsa_token).status_code == 200


def test_discovery_says_calls_need_authentication(secure: str) -> None:
    body = httpx.get(f"{secure}/cds-services").json()
    assert all("without authentication" not in s["description"] for s in body["services"])


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("expired", "expired"),
        ("wrong audience", "aud"),
        ("unknown issuer", "issuer"),
        ("unsigned", "signed"),
        ("unknown key", "kid"),
        ("no token", "no bearer token"),
        ("not a JWT", "not a JWT"),
    ],
)
def test_error_bad_tokens_are_401(
    secure: str, keys: dict[str, Any], case: str, words: str
) -> None:
    audience = f"{secure}{PATIENT_VIEW}"
    makers: dict[str, Callable[[], str | None]] = {
        "expired": lambda: token(keys["ec"], aud=audience, exp=int(time.time()) - 600),
        "wrong audience": lambda: token(keys["ec"], aud="https://other.example/cds-services/x"),
        "unknown issuer": lambda: token(keys["ec"], aud=audience, iss="https://evil.example"),
        "unsigned": lambda: jwt.encode(
            {"iss": "https://ehr.example", "aud": audience, "jti": "x"}, "", algorithm="none"
        ),
        "unknown key": lambda: token(keys["stranger"], kid="other", aud=audience),
        "no token": lambda: None,
        "not a JWT": lambda: "abc",
    }
    bearer = makers[case]()
    response = post_with(secure, bearer)
    assert words in check_outcome(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_error_replayed_jti_is_401(secure: str, keys: dict[str, Any]) -> None:
    once = token(keys["ec"], aud=f"{secure}{PATIENT_VIEW}")
    assert post_with(secure, once).status_code == 200
    assert "already used" in check_outcome(post_with(secure, once), 401)


def test_error_a_forged_signature_is_401(secure: str, keys: dict[str, Any]) -> None:
    forged = token(keys["stranger"], kid="ec-1", aud=f"{secure}{PATIENT_VIEW}")
    check_outcome(post_with(secure, forged), 401)


# -- fuzzing ------------------------------------------------------------------------------


def test_fuzzing_finds_no_server_error(sandbox: str) -> None:
    """No request generated from /openapi.json gets a 5xx; every error is an OperationOutcome.

    Each operation gets a bounded number of examples, whatever the hypothesis profile.
    """
    document = httpx.get(f"{sandbox}/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()

        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(base_url=sandbox, timeout=30)
            assert response.status_code < 500, response.text
            if response.status_code >= 400:
                assert response.json()["resourceType"] == "OperationOutcome"

        check()
