"""The CDS Hooks service against a real server: uvicorn in a subprocess on loopback, over HTTP.

Every response is checked against JSON Schemas of the CDS Hooks 2.0.1 shapes written from the
specification (:mod:`tests.cds_hooks`), plus its rules: summary under 140 characters,
``selectionBehavior`` with suggestions, unique ``uuid`` values, no null or empty element.
Each conformance point has the request that found it (issue 25).
"""

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.cds_hooks import (
    DISCOVERY,
    FEEDBACK,
    ORDER_SIGN,
    PATIENT_VIEW,
    PLAIN_HTTP_SERVER,
    FhirStub,
    call,
    check_cards,
    check_outcome,
    draft,
    expressions,
    patient_of,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def stub(fhir_stub: str) -> Iterator[str]:
    """The FHIR server stub, with what it saw forgotten and its answers made good."""
    FhirStub.reset()
    yield fhir_stub
    FhirStub.reset()


def post(base: str, body: Any, path: str = PATIENT_VIEW) -> httpx.Response:
    return httpx.post(f"{base}{path}", json=body, timeout=30)


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
        "Chronic fibromyalgia: advice and self-management (stay active), then cognitive "
        "behavioural therapy or therapeutic exercise",
        "Chronic low back pain: advice and self-management (stay active), then therapeutic "
        "exercise or 6 more",
    ]
    back = next(card for card in cards if "low back" in card["summary"])
    assert back["indicator"] == "info"
    assert "| 1 | Therapeutic exercise | active | 0.68 |" in back["detail"]
    assert "NICE NG59 for low back pain: do not offer acupuncture (strong)" in back["detail"]
    assert back["detail"].startswith("- Before treating: think about alternative diagnoses")
    assert back["detail"].index("(NICE NG59 1.1.1)") < back["detail"].index("**Care plan.**")
    plan_line = "**Care plan.** For chronic low back pain: advice and self-management"
    assert plan_line in back["detail"]
    assert "Active core (it carries long-term care):" in back["detail"]
    # the service reads no precautions from the record, and says so
    assert "Precautions not checked" in back["detail"]
    assert "check for: blood clot" in back["detail"]
    assert "- Referred for physical therapy on " in back["detail"]
    assert "done on" not in back["detail"]
    assert back["selectionBehavior"] == "at-most-one"
    action = next(
        suggestion["actions"][0]
        for suggestion in back["suggestions"]
        if suggestion["label"].lower() == "order therapeutic exercise"
    )
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
    body["context"]["draftOrders"] = draft(
        "229559001", "Transcutaneous nerve stimulation", patient_of(body)
    )
    response = httpx.post(f"{sandbox}{ORDER_SIGN}", json=body, timeout=30)
    cards = check_cards(response.json())
    assert cards, response.text
    assert all(card["indicator"] == "warning" for card in cards)
    back = next(card for card in cards if "low back" in card["summary"])
    assert "a guideline advises against it" in back["summary"]
    actions = back["suggestions"][0]["actions"]
    assert actions[0] == {
        "type": "delete",
        "description": "Remove the draft order",
        "resourceId": "ServiceRequest/draft-1",
    }
    assert actions[1]["resource"]["code"]["text"] == (
        "Advice, education and self-management (stay active)"
    )


def test_order_sign_is_silent_on_a_top_ranked_order(sandbox: str) -> None:
    body = call(hook="order-sign")
    body["context"]["draftOrders"] = draft("229065009", "Exercise therapy", patient_of(body))
    response = httpx.post(f"{sandbox}{ORDER_SIGN}", json=body, timeout=30)
    assert response.json() == {"cards": []}


def test_error_missing_prefetch_without_fhir_server_is_412(sandbox: str) -> None:
    body = call()
    del body["prefetch"]["conditions"]
    response = httpx.post(f"{sandbox}{PATIENT_VIEW}", json=body, timeout=30)
    assert "'conditions'" in check_outcome(response, 412)


# -- conformance (CDS Hooks 2.0.1) ---------------------------------------------------------


def test_delete_action_names_one_resource_as_a_string(sandbox: str) -> None:
    """``Action.resourceId`` is a string: HealthChain's model refused the array once sent."""
    body = call(hook="order-sign")
    body["context"]["draftOrders"] = draft("229559001", "TENS", patient_of(body), "tens-7")
    cards = check_cards(post(sandbox, body, ORDER_SIGN).json())
    deletes = [
        action
        for card in cards
        for suggestion in card["suggestions"]
        for action in suggestion["actions"]
        if action["type"] == "delete"
    ]
    assert deletes
    assert {action["resourceId"] for action in deletes} == {"ServiceRequest/tens-7"}


def test_a_null_prefetch_key_means_no_data(sandbox: str) -> None:
    """``null``: the client has no data. Nothing is fetched, and no 412."""
    body = call()
    body["prefetch"]["procedures"] = None
    body["prefetch"]["serviceRequests"] = None
    cards = check_cards(post(sandbox, body).json())
    assert len(cards) == 2
    assert all("The record shows none of these options" in card["detail"] for card in cards)
    body["prefetch"]["conditions"] = None
    assert post(sandbox, body).json() == {"cards": []}


def test_a_null_patient_prefetch_is_no_data(sandbox: str) -> None:
    body = call()
    body["prefetch"]["patient"] = None
    assert len(check_cards(post(sandbox, body).json())) == 2


def test_error_a_patient_prefetch_that_is_not_valid_fhir_is_400(sandbox: str) -> None:
    """The Patient is validated as fully as the resources read (a day that is not a date)."""
    body = call()
    body["prefetch"]["patient"]["birthDate"] = "last spring"
    response = post(sandbox, body)
    assert "valid FHIR R4/R4B" in check_outcome(response, 400)
    assert expressions(response) == ["$.prefetch.patient.birthDate"]


OUTCOME_PREFETCH = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "timeout", "diagnostics": "search timed out"}],
}


@pytest.mark.parametrize(
    "value",
    [
        OUTCOME_PREFETCH,
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": OUTCOME_PREFETCH, "search": {"mode": "outcome"}}],
        },
    ],
    ids=["outcome", "bundle with an error outcome"],
)
def test_error_an_operation_outcome_prefetch_without_fhir_server_is_412(
    sandbox: str, value: dict[str, Any]
) -> None:
    """An OperationOutcome is "not fetched", never "none recorded"."""
    body = call()
    body["prefetch"]["serviceRequests"] = value
    response = post(sandbox, body)
    assert "'serviceRequests'" in check_outcome(response, 412)
    assert "none of these options" not in response.text


def test_an_operation_outcome_prefetch_is_fetched_from_the_fhir_server(
    sandbox: str, stub: str
) -> None:
    body = call(fhirServer=stub)
    body["prefetch"]["serviceRequests"] = OUTCOME_PREFETCH
    body["prefetch"]["procedures"] = OUTCOME_PREFETCH
    cards = check_cards(post(sandbox, body).json())
    assert [path.split("?")[0] for path, _ in FhirStub.seen] == ["/Procedure", "/ServiceRequest"]
    back = next(card for card in cards if "low back" in card["summary"])
    assert "- Referred for physical therapy on " in back["detail"]


def test_a_warning_outcome_in_a_search_is_read_past(sandbox: str) -> None:
    body = call()
    warning = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "warning", "code": "incomplete", "diagnostics": "capped"}],
    }
    body["prefetch"]["serviceRequests"]["entry"].append(
        {"resource": warning, "search": {"mode": "outcome"}}
    )
    back = next(c for c in check_cards(post(sandbox, body).json()) if "low back" in c["summary"])
    assert "- Referred for physical therapy on " in back["detail"]


def test_extension_is_accepted_where_the_specification_reserves_it(sandbox: str) -> None:
    ext = {"com.example.flag": "on"}
    body = call(extension=ext)
    body["fhirAuthorization"] = {
        "access_token": "t",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "painmodalities",
        "extension": ext,
    }
    assert len(check_cards(post(sandbox, body).json())) == 2
    feedback = {
        "feedback": [
            {
                "card": str(uuid.uuid4()),
                "outcome": "overridden",
                "overrideReason": {"reason": {"code": "x", "extension": ext}, "extension": ext},
                "outcomeTimestamp": "2024-01-01T12:00:00Z",
                "extension": ext,
            },
            {
                "card": str(uuid.uuid4()),
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": str(uuid.uuid4()), "extension": ext}],
                "outcomeTimestamp": "2024-01-01T12:00:00.52+01:00",
            },
        ],
        "extension": ext,
    }
    jsonschema.validate(feedback, FEEDBACK)
    assert post(sandbox, feedback, f"{PATIENT_VIEW}/feedback").status_code == 200


def test_error_405_names_the_allowed_methods(sandbox: str) -> None:
    response = httpx.get(f"{sandbox}{PATIENT_VIEW}")
    check_outcome(response, 405)
    assert response.headers["Allow"] == "POST"
    response = httpx.post(f"{sandbox}/cds-services")
    check_outcome(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD"}


def test_openapi_states_each_services_own_hook(sandbox: str) -> None:
    document = httpx.get(f"{sandbox}/openapi.json").json()
    for service, hook in [
        ("painmodalities-patient-view", "patient-view"),
        ("painmodalities-order-sign", "order-sign"),
    ]:
        schema = document["paths"][f"/cds-services/{service}"]["post"]["requestBody"]["content"][
            "application/json"
        ]["schema"]
        assert {"properties": {"hook": {"const": hook}}} in schema["allOf"]


def test_error_a_body_that_is_not_json_is_415(sandbox: str) -> None:
    data = json.dumps(call()).encode()
    for media in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": media} if media else {}
        response = httpx.post(f"{sandbox}{PATIENT_VIEW}", content=data, headers=headers)
        assert "application/json" in check_outcome(response, 415)
    fhir_json = {"Content-Type": "application/fhir+json; charset=utf-8"}
    response = httpx.post(f"{sandbox}{PATIENT_VIEW}", content=data, headers=fhir_json)
    assert response.status_code == 200


# -- one patient per call -------------------------------------------------------------------


def test_error_a_condition_of_another_subject_is_400(sandbox: str) -> None:
    """It gave ``200 {"cards": []}`` once: now it is named."""
    body = call()
    condition = body["prefetch"]["conditions"]["entry"][1]["resource"]
    condition["subject"] = {"reference": "Patient/someone-else"}
    response = post(sandbox, body)
    assert "Patient/someone-else" in check_outcome(response, 400)
    assert expressions(response) == ["$.prefetch.conditions.entry[1].resource.subject.reference"]


@pytest.mark.parametrize(
    "reference",
    ["https://ehr.example/fhir/Patient/{id}", "Patient/{id}/_history/3", "Patient/{id}"],
)
def test_any_form_of_the_patients_own_reference_is_read(sandbox: str, reference: str) -> None:
    body = call()
    for entry in body["prefetch"]["conditions"]["entry"]:
        entry["resource"]["subject"] = {"reference": reference.format(id=patient_of(body))}
    assert len(check_cards(post(sandbox, body).json())) == 2


def test_error_a_draft_order_for_another_patient_is_400(sandbox: str) -> None:
    """It once warned, and suggested deleting that other patient's order."""
    body = call(hook="order-sign")
    body["context"]["draftOrders"] = draft("229559001", "TENS", "someone-else")
    response = post(sandbox, body, ORDER_SIGN)
    assert "Patient/someone-else" in check_outcome(response, 400)
    assert expressions(response) == ["$.context.draftOrders.entry[0].resource.subject.reference"]


def test_error_a_fetched_resource_of_another_subject_is_400_without_echo(
    sandbox: str, stub: str
) -> None:
    FhirStub.other_subject = True
    body = call(fhirServer=stub)
    del body["prefetch"]["conditions"]
    response = post(sandbox, body)
    check_outcome(response, 400)
    assert "someone-else" not in response.text
    assert expressions(response) == ["$.prefetch.conditions.entry[0].resource.subject.reference"]


# -- the FHIR server -------------------------------------------------------------------------


def test_missing_prefetch_is_fetched_from_the_fhir_server(sandbox: str, stub: str) -> None:
    body = call(
        fhirServer=stub,
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
    response = post(sandbox, body)
    assert len(check_cards(response.json())) == 2
    assert [auth for _, auth in FhirStub.seen] == ["Bearer secret-token", "Bearer secret-token"]


def test_error_a_fhir_server_not_listed_is_never_read(sandbox: str, stub: str) -> None:
    """Anyone could once make the sandbox GET any URL: now only listed servers are read."""
    unlisted = stub.replace("127.0.0.1", "localhost")
    body = call(fhirServer=unlisted)
    del body["prefetch"]["conditions"]
    response = post(sandbox, body)
    assert "not a FHIR server listed" in check_outcome(response, 412)
    assert expressions(response) == ["$.fhirServer"]
    assert FhirStub.seen == []


def test_error_a_listed_fhir_server_over_plain_http_off_loopback_is_never_read(
    sandbox: str,
) -> None:
    body = call(fhirServer=PLAIN_HTTP_SERVER)
    del body["prefetch"]["conditions"]
    assert "not https" in check_outcome(post(sandbox, body), 412)


def test_error_messages_never_echo_what_the_fhir_server_answered(sandbox: str, stub: str) -> None:
    FhirStub.poison = "SECRET-FROM-THE-SERVER"
    body = call(fhirServer=stub)
    del body["prefetch"]["conditions"]
    response = post(sandbox, body)
    assert "not valid FHIR" in check_outcome(response, 412)
    assert "SECRET" not in response.text


def test_error_an_invalid_patient_from_the_fhir_server_is_412_never_echoed(
    sandbox: str, stub: str
) -> None:
    """A Patient fetched from the FHIR server is validated; what it sent is not repeated."""
    FhirStub.poison = "SECRET-FROM-THE-SERVER"
    body = call(fhirServer=stub)
    del body["prefetch"]["patient"]
    response = post(sandbox, body)
    assert "'patient' is not valid FHIR" in check_outcome(response, 412)
    assert expressions(response) == ["$.prefetch.patient"]
    assert "SECRET" not in response.text


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


def test_discovery_validates(sandbox: str) -> None:
    jsonschema.validate(httpx.get(f"{sandbox}/cds-services").json(), DISCOVERY)


# -- fuzzing ------------------------------------------------------------------------------


def test_fuzzing_finds_no_server_error(sandbox: str) -> None:
    """No request generated from /openapi.json gets a 5xx or breaks the document's schemas.

    Every error is an OperationOutcome, and every response (status, content type, body)
    conforms to the OpenAPI document. Each operation gets a bounded number of examples,
    whatever the hypothesis profile, to keep CI fast.
    """
    document = httpx.get(f"{sandbox}/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()

        @settings(
            max_examples=25,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(base_url=sandbox, timeout=30)
            assert response.status_code < 500, response.text
            if response.status_code >= 400:
                assert response.json()["resourceType"] == "OperationOutcome"
            case.validate_response(response, checks=CHECKS)

        check()


def test_a_preflight_from_any_origin_is_allowed_by_default(sandbox: str) -> None:
    """The browser-based sandbox the docs recommend could not call the service once."""
    response = httpx.options(
        f"{sandbox}{PATIENT_VIEW}",
        headers={
            "Origin": "https://sandbox.cds-hooks.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type"} <= {part.strip() for part in allowed.split(",")}
