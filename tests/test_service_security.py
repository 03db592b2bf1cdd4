"""The service's security against a real server: signed tokens, JWKS, the FHIR server allow-list
and CORS, each with the request that found it (issue 25); the ``jti`` memory in process.
"""

import http.server
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given
from hypothesis import strategies as st

from painmodalities.service._auth import JtiMemory
from tests.cds_hooks import (
    PATIENT_VIEW,
    FhirStub,
    Maker,
    call,
    check_outcome,
    free_port,
    http_server,
    jwk,
    serve,
    stop,
    token,
)

SANDBOX_ORIGIN = "https://sandbox.cds-hooks.org"


class _JwksStub(http.server.BaseHTTPRequestHandler):
    """Serves one JWKS at ``/jwks.json``, counting the reads."""

    jwks: ClassVar[dict[str, Any]] = {"keys": []}
    reads: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.reads.append(self.path)
        data = json.dumps(self.jwks).encode()
        self.send_response(200 if self.path == "/jwks.json" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        return


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {
        "ec": ec.generate_private_key(ec.SECP384R1()),
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "rotated": ec.generate_private_key(ec.SECP384R1()),
        "stranger": ec.generate_private_key(ec.SECP384R1()),
    }


@pytest.fixture(scope="module")
def jwks_url(keys: dict[str, Any]) -> Iterator[str]:
    _JwksStub.jwks = {"keys": [jwk(keys["rotated"], "rotated-1", "ES384")]}
    for base in http_server(_JwksStub):
        yield f"{base}/jwks.json"


@pytest.fixture(scope="module")
def secure(
    keys: dict[str, Any], jwks_url: str, fhir_stub: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    clients = {
        "clients": [
            {
                "iss": "https://ehr.example",
                "jwks": {
                    "keys": [jwk(keys["ec"], "ec-1", "ES384"), jwk(keys["rsa"], "rsa-1", "RS384")]
                },
                "jku": [jwks_url],
                "fhirServers": [fhir_stub],
            }
        ]
    }
    folder = tmp_path_factory.mktemp("secure")
    path = folder / "clients.json"
    path.write_text(json.dumps(clients), encoding="utf-8")
    port = free_port()
    process, base = serve(
        port,
        "--public-url",
        f"http://127.0.0.1:{port}",
        "--trusted-clients",
        str(path),
        "--cors-origin",
        SANDBOX_ORIGIN,
        state=folder,
    )
    yield base
    stop(process)


def audience(secure: str) -> str:
    return f"{secure}{PATIENT_VIEW}"


def post_with(
    secure: str, bearer: str | None, body: Any = None, scheme: str = "Bearer"
) -> httpx.Response:
    headers = {"Authorization": f"{scheme} {bearer}"} if bearer is not None else {}
    return httpx.post(f"{secure}{PATIENT_VIEW}", json=body or call(), headers=headers, timeout=30)


def test_valid_tokens_are_accepted(secure: str, keys: dict[str, Any]) -> None:
    assert post_with(secure, token(keys["ec"], aud=audience(secure))).status_code == 200
    rsa_token = token(keys["rsa"], kid="rsa-1", algorithm="RS384", aud=audience(secure))
    assert post_with(secure, rsa_token).status_code == 200


def test_discovery_says_calls_need_authentication(secure: str) -> None:
    body = httpx.get(f"{secure}/cds-services").json()
    assert all("without authentication" not in s["description"] for s in body["services"])


def test_a_lowercase_scheme_is_accepted(secure: str, keys: dict[str, Any]) -> None:
    """RFC 7235: the scheme is case-insensitive (``bearer`` was refused once)."""
    for scheme in ("bearer", "BEARER"):
        found = post_with(secure, token(keys["ec"], aud=audience(secure)), scheme=scheme)
        assert found.status_code == 200, found.text


def test_a_fifteen_minute_token_is_accepted(secure: str, keys: dict[str, Any]) -> None:
    """CDS Hooks sets no maximum lifetime (330 s was refused once, "as the spec says")."""
    fifteen = token(keys["ec"], aud=audience(secure), lifetime=15 * 60)
    assert post_with(secure, fifteen).status_code == 200


def test_error_a_token_beyond_the_maximum_lifetime_is_401(
    secure: str, keys: dict[str, Any]
) -> None:
    two_hours = token(keys["ec"], aud=audience(secure), lifetime=2 * 3600)
    assert "3600 seconds ahead" in check_outcome(post_with(secure, two_hours), 401)


def test_an_unlisted_jku_is_ignored_when_the_kid_is_configured(
    secure: str, keys: dict[str, Any]
) -> None:
    _JwksStub.reads.clear()
    bearer = token(
        keys["ec"], aud=audience(secure), header={"jku": "https://evil.example/jwks.json"}
    )
    assert post_with(secure, bearer).status_code == 200
    assert _JwksStub.reads == []


def test_error_an_unlisted_jku_with_an_unknown_kid_is_401(
    secure: str, keys: dict[str, Any]
) -> None:
    bearer = token(
        keys["stranger"],
        kid="stranger-1",
        aud=audience(secure),
        header={"jku": "https://evil.example/jwks.json"},
    )
    assert "jku is not listed" in check_outcome(post_with(secure, bearer), 401)


def test_a_listed_jku_is_read_once_and_kept(
    secure: str, keys: dict[str, Any], jwks_url: str
) -> None:
    """The JWKS at a listed jku was fetched on every call once: now it is cached."""
    _JwksStub.reads.clear()
    for _ in range(3):
        bearer = token(
            keys["rotated"], kid="rotated-1", aud=audience(secure), header={"jku": jwks_url}
        )
        assert post_with(secure, bearer).status_code == 200
    assert _JwksStub.reads == ["/jwks.json"]


Cases = dict[str, Maker]


def _bad_tokens(keys: dict[str, Any], aud: str) -> Cases:
    return {
        "expired": lambda: token(keys["ec"], aud=aud, exp=int(time.time()) - 600),
        "wrong audience": lambda: token(keys["ec"], aud="https://other.example/cds-services/x"),
        "unknown issuer": lambda: token(keys["ec"], aud=aud, iss="https://evil.example"),
        "unsigned": lambda: jwt.encode(
            {"iss": "https://ehr.example", "aud": aud, "jti": "x"},
            "",
            algorithm="none",
            headers={"kid": "ec-1"},
        ),
        "unknown key": lambda: token(keys["stranger"], kid="other", aud=aud),
        "no typ": lambda: token(keys["ec"], aud=aud, header={"typ": None}),
        "no kid": lambda: token(keys["ec"], kid=None, aud=aud),
        "no token": lambda: None,
        "not a JWT": lambda: "abc",
        # The service reads the header leniently to choose the key; PyJWT's strict read
        # then refuses what the lenient one let through.
        "junk in the header": lambda: "!!!!" + token(keys["ec"], aud=aud),
        "a header that is no object": lambda: (
            "WzFd." + token(keys["ec"], aud=aud).split(".", 1)[1]  # the header [1]
        ),
    }


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("expired", "expired"),
        ("wrong audience", "aud"),
        ("unknown issuer", "issuer"),
        ("unsigned", "signed"),
        ("unknown key", "kid"),
        ("no typ", "typ"),
        ("no kid", "kid"),
        ("no token", "no bearer token"),
        ("not a JWT", "not a JWT"),
        ("junk in the header", "not valid"),
        ("a header that is no object", "not a JWT"),
    ],
)
def test_error_bad_tokens_are_401(
    secure: str, keys: dict[str, Any], case: str, words: str
) -> None:
    bearer = _bad_tokens(keys, audience(secure))[case]()
    response = post_with(secure, bearer)
    assert words in check_outcome(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_error_replayed_jti_is_401(secure: str, keys: dict[str, Any]) -> None:
    once = token(keys["ec"], aud=audience(secure))
    assert post_with(secure, once).status_code == 200
    assert "already used" in check_outcome(post_with(secure, once), 401)


def test_error_a_forged_signature_is_401(secure: str, keys: dict[str, Any]) -> None:
    forged = token(keys["stranger"], kid="ec-1", aud=audience(secure))
    check_outcome(post_with(secure, forged), 401)


# -- the calling client's FHIR servers ----------------------------------------------------


def test_a_fhir_server_listed_for_the_client_is_read(
    secure: str, keys: dict[str, Any], fhir_stub: str
) -> None:
    FhirStub.reset()
    body = call(fhirServer=fhir_stub)
    del body["prefetch"]["conditions"]
    assert post_with(secure, token(keys["ec"], aud=audience(secure)), body).status_code == 200
    assert [path.split("?")[0] for path, _ in FhirStub.seen] == ["/Condition"]


def test_error_a_fhir_server_not_listed_for_the_client_is_412(
    secure: str, keys: dict[str, Any], fhir_stub: str
) -> None:
    FhirStub.reset()
    body = call(fhirServer=f"{fhir_stub}/other")
    del body["prefetch"]["conditions"]
    bearer = token(keys["ec"], aud=audience(secure))
    assert "not a FHIR server listed" in check_outcome(post_with(secure, bearer, body), 412)
    assert FhirStub.seen == []


# -- CORS -----------------------------------------------------------------------------------


def preflight(base: str, origin: str) -> httpx.Response:
    return httpx.options(
        f"{base}{PATIENT_VIEW}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_a_preflight_from_a_listed_origin_is_allowed(secure: str, keys: dict[str, Any]) -> None:
    response = preflight(secure, SANDBOX_ORIGIN)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SANDBOX_ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed
    assert "content-type" in allowed
    call_response = httpx.post(
        f"{secure}{PATIENT_VIEW}",
        json=call(),
        headers={
            "Origin": SANDBOX_ORIGIN,
            "Authorization": f"Bearer {token(keys['ec'], aud=audience(secure))}",
        },
    )
    assert call_response.headers["Access-Control-Allow-Origin"] == SANDBOX_ORIGIN


def test_error_a_preflight_from_another_origin_is_refused(secure: str) -> None:
    response = preflight(secure, "https://elsewhere.example")
    assert response.status_code == 400
    assert "Access-Control-Allow-Origin" not in response.headers


# -- the jti memory, in process ---------------------------------------------------------------

OPERATIONS = st.lists(
    st.tuples(st.sampled_from("abcdef"), st.integers(0, 50), st.integers(0, 30)), max_size=80
)


@given(OPERATIONS)
def test_the_jti_memory_refuses_exactly_the_live_replays(operations: list[Any]) -> None:
    """Against a plain model (every value with its expiry): the same answers, and after
    each call the memory holds exactly the values of tokens still alive (bounded memory).
    """
    memory = JtiMemory()
    model: dict[str, float] = {}
    now = 0.0
    for jti, lifetime, step in operations:
        now += step
        live = {value: until for value, until in model.items() if until >= now}
        expected = jti not in live
        assert memory.add(jti, now + lifetime, now) is expected
        if expected:
            live[jti] = now + lifetime
        model = live
        assert len(memory) == len(model)


def test_the_jti_memory_forgets_expired_values() -> None:
    memory = JtiMemory()
    for number in range(1000):
        assert memory.add(str(uuid.uuid4()), until=float(number), now=float(number))
    assert memory.add("late", until=5000.0, now=2000.0)
    assert len(memory) == 1
