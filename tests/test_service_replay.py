"""Requests written by others, replayed against a real server; every answer held to the spec.

The requests: ones shaped as the CDS Hooks 2.0.1 specification's examples (written for these
tests in ``tests/fixtures/cds-hooks``, with their own ids and values: a patient-view call
prefetching a key of its own, a paginated order-sign prefetch, draft orders naming the patient
by ``patient`` and by ``subject``, a request with an ``extension``, the three kinds of
feedback), the envelopes the CDS Hooks sandbox sends
(``service-exchange.js``: ``hookInstance``, ``hook``, ``fhirServer``, ``context`` with
``patientId`` and ``userId``, its prefetch, ``fhirAuthorization`` when it has a token), and
HealthChain's ``CDSRequest`` as pydantic writes it (with and without its ``None`` fields).
Each answer is a CDS Hooks response or an OperationOutcome, validated against the schemas
written from the specification (:mod:`tests.cds_hooks`), ``resourceId`` a string.
"""

import copy
import uuid
from typing import Any

import httpx
import jsonschema
import pytest

from tests.cds_hooks import (
    ORDER_SIGN,
    OUTCOME,
    PATIENT_VIEW,
    call,
    check_cards,
    check_outcome,
    draft,
    expressions,
    no_null_or_empty,
    patient_of,
    prefetch,
    spec_example,
)

#: The prefetch keys the service declares, each as "the client has no data".
NO_DATA = {"patient": None, "conditions": None, "procedures": None, "serviceRequests": None}


def path_of(request: dict[str, Any]) -> str:
    return ORDER_SIGN if request["hook"] == "order-sign" else PATIENT_VIEW


def replay(base: str, request: dict[str, Any]) -> httpx.Response:
    response = httpx.post(f"{base}{path_of(request)}", json=request, timeout=30)
    assert response.headers["content-type"] == "application/json"
    if response.status_code == 200:
        check_cards(response.json())
    else:
        jsonschema.validate(response.json(), OUTCOME)
        no_null_or_empty(response.json())
    return response


# -- the specification's examples -------------------------------------------------------------


def test_the_specs_patient_view_example_asks_for_what_it_lacks(sandbox: str) -> None:
    """Its prefetch lacks the service's keys and its fhirServer is not listed: 412."""
    request = spec_example("spec-patient-view.json")
    assert "not a FHIR server listed" in check_outcome(replay(sandbox, request), 412)


def test_the_specs_patient_view_example_with_no_data_gives_no_cards(sandbox: str) -> None:
    request = spec_example("spec-patient-view.json")
    request["prefetch"].update(NO_DATA)
    assert replay(sandbox, request).json() == {"cards": []}


def test_the_specs_paginated_order_sign_example(sandbox: str) -> None:
    """A MedicationRequest draft and an ``orders`` prefetch the service does not use."""
    request = spec_example("spec-order-sign-paginated.json")
    check_outcome(replay(sandbox, request), 412)
    request["prefetch"].update(NO_DATA)
    assert replay(sandbox, request).json() == {"cards": []}


def test_the_order_sign_hook_pages_context(sandbox: str) -> None:
    """A NutritionOrder (``patient``) and a MedicationRequest (``subject``), both his."""
    context = spec_example("spec-order-sign-context.json")["context"]
    request = {
        "hook": "order-sign",
        "hookInstance": str(uuid.uuid4()),
        "context": context,
        "prefetch": {**NO_DATA, "patient": {"resourceType": "Patient", "id": "pt-2041"}},
    }
    assert replay(sandbox, request).json() == {"cards": []}
    other = copy.deepcopy(request)
    other["context"]["draftOrders"]["entry"][0]["resource"]["patient"]["reference"] = "Patient/9"
    response = replay(sandbox, other)
    check_outcome(response, 400)
    assert expressions(response) == ["$.context.draftOrders.entry[0].resource.patient.reference"]


def test_the_specs_extension_example_names_what_it_lacks(sandbox: str) -> None:
    """Its extension is read past; its context has no patientId, so it is a 400."""
    request = spec_example("spec-request-extension.json")
    response = replay(sandbox, request)
    check_outcome(response, 400)
    assert expressions(response) == ["$.context.patientId"]


# -- the sandbox's envelopes ------------------------------------------------------------------


def sandbox_envelope(hook: str, context: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """What the CDS Hooks sandbox sends: its key order, a SMART launch server, its token."""
    return {
        "hookInstance": str(uuid.uuid4()),
        "hook": hook,
        "fhirServer": "https://launch.smarthealthit.org/v/r4/fhir",
        "context": context,
        "fhirAuthorization": {
            "access_token": "sandbox-token",
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": "launch patient/*.read user/*.read openid fhirUser",
            "subject": "48163c5e-88b5-4cb3-92d3-23b800caa927",
        },
        "prefetch": data,
    }


def test_the_sandboxs_patient_view_envelope(sandbox: str) -> None:
    data = prefetch()
    context = {"patientId": data["patient"]["id"], "userId": "Practitioner/COREPRACTITIONER1"}
    cards = check_cards(replay(sandbox, sandbox_envelope("patient-view", context, data)).json())
    assert len(cards) == 2


def test_the_sandboxs_order_sign_envelope(sandbox: str) -> None:
    data = prefetch()
    patient = data["patient"]["id"]
    context = {
        "patientId": patient,
        "userId": "Practitioner/COREPRACTITIONER1",
        "draftOrders": draft("229559001", "TENS", patient, "sandbox-order"),
    }
    cards = check_cards(replay(sandbox, sandbox_envelope("order-sign", context, data)).json())
    assert cards
    assert {
        action["resourceId"]
        for card in cards
        for suggestion in card["suggestions"]
        for action in suggestion["actions"]
        if action["type"] == "delete"
    } == {"ServiceRequest/sandbox-order"}


# -- HealthChain's CDSRequest ------------------------------------------------------------------


def healthchain(exclude_none: bool) -> dict[str, Any]:
    """HealthChain's ``CDSRequest`` as ``model_dump(exclude_none=...)`` writes it.

    Its fields: hook, hookInstance, context (userId, patientId, encounterId), fhirServer,
    fhirAuthorization, prefetch, extension; the optional ones ``None`` when not set.
    """
    body = call()
    request: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": body["hookInstance"],
        "context": {
            "userId": "Practitioner/123",
            "patientId": patient_of(body),
            "encounterId": None,
        },
        "fhirServer": None,
        "fhirAuthorization": None,
        "prefetch": body["prefetch"],
        "extension": None,
    }
    if exclude_none:
        request = {key: value for key, value in request.items() if value is not None}
        request["context"] = {k: v for k, v in request["context"].items() if v is not None}
    return request


@pytest.mark.parametrize("exclude_none", [True, False], ids=["exclude_none", "with None"])
def test_healthchains_cds_request(sandbox: str, exclude_none: bool) -> None:
    """HealthChain's response model rejected ``resourceId`` arrays; the cards hold none."""
    assert len(check_cards(replay(sandbox, healthchain(exclude_none)).json())) == 2
