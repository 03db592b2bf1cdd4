"""JWT bearer authentication as CDS Hooks 2.0.1 specifies it.

A CDS client signs a short-lived JWT (``ES384`` or ``RS384``) and sends it as
``Authorization: Bearer <token>`` (the scheme in any case, RFC 7235). The service checks, in
order: the header's ``typ`` is ``JWT`` and it names a ``kid``; the token is signed (not
``alg: none``) with an accepted algorithm; its ``iss`` is a trusted client; the key: the
client's configured JWKS when it holds the ``kid`` (a ``jku`` header is then ignored), else
the JWKS at the header's ``jku`` when that URL is listed for the client (fetched, and kept
for :data:`JWKS_CACHE_SECONDS`); the signature; ``aud`` is the URL of the service being
called; ``exp`` has not passed (with :data:`LEEWAY_SECONDS` for clock skew) and is at most
the configured maximum lifetime ahead (one hour by default: CDS Hooks sets no limit);
``iat`` and ``jti`` are present; and the ``jti`` was not seen before within its token's
lifetime (no replay). Anything else is 401.

Trusted clients come from a JSON file::

    {
        "clients": [
            {
                "iss": "https://ehr.example",
                "jwks": {"keys": [...]},
                "jku": [...],
                "fhirServers": ["https://ehr.example/fhir"],
            }
        ]
    }
"""

import base64
import binascii
import heapq
import os
import time
from collections.abc import Mapping
from typing import Any, Final

import attrs
import httpx
import jwt
import orjson

from painmodalities._json_text import parse_json, read_json
from painmodalities.errors import Problem, ValidationError, invalid
from painmodalities.service._outcome import ServiceError

__all__ = [
    "ALGORITHMS",
    "JWKS_CACHE_SECONDS",
    "LEEWAY_SECONDS",
    "MAX_TOKEN_LIFETIME",
    "JtiMemory",
    "TokenChecker",
    "TrustedClient",
    "load_trusted_clients",
]

#: The signing algorithms CDS Hooks 2.0 requires services to support.
ALGORITHMS: Final = ("ES384", "RS384")
#: The longest a token may still be valid when received, by default (``serve
#: --max-token-lifetime``): CDS Hooks sets no limit, and EHR tokens of 5 to 15 minutes exist.
MAX_TOKEN_LIFETIME: Final = 3600.0
#: Clock skew allowed between client and service, on ``exp`` and ``iat``.
LEEWAY_SECONDS: Final = 30
#: How long a JWKS fetched from a listed ``jku`` is used before it is fetched again.
JWKS_CACHE_SECONDS: Final = 300.0
#: A ``kid`` missing from a cached JWKS fetches it again (key rotation), at most this often.
JWKS_REFETCH_SECONDS: Final = 10.0


@attrs.frozen(kw_only=True)
class TrustedClient:
    """A CDS client the service trusts: its issuer URL and its public keys.

    Attributes:
        iss: the client's ``iss`` claim.
        jwks: its JSON Web Key Set (``{"keys": [...]}``).
        jku: JWKS URLs that a token's ``jku`` header may point to for this client.
        fhir_servers: the FHIR server base URLs the service may read for this client when
            its prefetch lacks data (``fhirServers`` in the file; https unless on loopback).
    """

    iss: str
    jwks: Mapping[str, Any]
    jku: tuple[str, ...] = ()
    fhir_servers: tuple[str, ...] = ()


def _key_set(jwks: object, at: str) -> jwt.PyJWKSet:
    if not isinstance(jwks, Mapping):
        raise invalid(at, 'a JSON Web Key Set ({"keys": [...]})', jwks, "type")
    try:
        return jwt.PyJWKSet.from_dict(dict(jwks))
    except jwt.PyJWTError as error:
        raise invalid(at, "a JSON Web Key Set of usable public keys", str(error), "jwks") from None


def _client(value: object, at: str) -> TrustedClient:
    if not isinstance(value, Mapping):
        raise invalid(at, "a trusted client object", value, "type")
    unknown = set(value) - {"iss", "jwks", "jku", "fhirServers"}
    if unknown:
        raise invalid(
            f"{at}.{sorted(unknown)[0]}", "only iss, jwks, jku and fhirServers", "extra key"
        )
    iss = value.get("iss")
    if not isinstance(iss, str) or not iss.strip():
        raise invalid(f"{at}.iss", "the client's issuer URL", iss, "required")
    jwks = value.get("jwks", {"keys": []})
    jku = value.get("jku", [])
    if not isinstance(jku, list) or not all(isinstance(url, str) for url in jku):
        raise invalid(f"{at}.jku", "a list of JWKS URLs", jku, "type")
    servers = value.get("fhirServers", [])
    if not isinstance(servers, list) or not all(isinstance(url, str) for url in servers):
        raise invalid(f"{at}.fhirServers", "a list of FHIR server base URLs", servers, "type")
    if value.get("jwks") is not None:
        _key_set(jwks, f"{at}.jwks")
    elif not jku:
        raise invalid(f"{at}.jwks", "a JWKS, or jku URLs", None, "required")
    return TrustedClient(iss=iss, jwks=jwks, jku=tuple(jku), fhir_servers=tuple(servers))


def _unreadable(path: str, why: str) -> Problem:
    """The problem of a trusted-clients file that cannot be read."""
    return Problem("$", f"a readable trusted-clients file ({why})", path, "file")


def load_trusted_clients(
    source: str | bytes | os.PathLike[str] | Mapping[str, Any],
) -> tuple[TrustedClient, ...]:
    """Read the trusted clients from a JSON file (or its text, or the parsed object).

    Raises:
        ValidationError: for a file that is not ``{"clients": [...]}`` with an ``iss`` and a
            usable JWKS (or ``jku`` URLs) per client (and, optionally, ``fhirServers``), or
            that names an issuer twice.
    """
    document = (
        source
        if isinstance(source, Mapping)
        else read_json(source, unreadable=_unreadable, kinds="a path or JSON text")
    )
    if not isinstance(document, Mapping) or not isinstance(document.get("clients"), list):
        raise invalid("$.clients", "a list of trusted clients", document, "type")
    clients = tuple(
        _client(value, f"$.clients[{index}]") for index, value in enumerate(document["clients"])
    )
    seen: set[str] = set()
    for index, client in enumerate(clients):
        if client.iss in seen:
            raise invalid(f"$.clients[{index}].iss", "each issuer once", client.iss, "duplicate")
        seen.add(client.iss)
    return clients


def _unauthorized(why: str) -> ServiceError:
    return ServiceError.of(401, f"not authenticated: {why}")


class JtiMemory:
    """The ``jti`` values of tokens still alive: a set, and a heap of their expiry times.

    Each call drops the expired values from the heap's top, so a call costs O(log n) at
    worst and O(1) amortised for the expiries (each value is pushed and popped once), and
    the memory holds the live tokens only.
    """

    def __init__(self) -> None:
        self._live: set[str] = set()
        self._expiries: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self._live)

    def add(self, jti: str, until: float, now: float) -> bool:
        """Remember ``jti`` until ``until``; ``False`` if it is still remembered (a replay)."""
        expiries = self._expiries
        while expiries and expiries[0][0] < now:
            self._live.discard(heapq.heappop(expiries)[1])
        if jti in self._live:
            return False
        self._live.add(jti)
        heapq.heappush(expiries, (until, jti))
        return True


class _CachedKeys:
    """A JWKS fetched from a ``jku`` URL, and when."""

    def __init__(self, keys: jwt.PyJWKSet, fetched: float) -> None:
        self.keys = keys
        self.fetched = fetched


class TokenChecker:
    """Checks bearer tokens against the trusted clients; remembers ``jti`` values seen.

    One checker belongs to one application (no global state). The ``jti`` memory
    (:class:`JtiMemory`) holds each value until its token expires; JWKS fetched from a
    listed ``jku`` are kept for :data:`JWKS_CACHE_SECONDS`.
    """

    def __init__(
        self,
        clients: tuple[TrustedClient, ...],
        *,
        fetch_timeout: float,
        max_lifetime: float = MAX_TOKEN_LIFETIME,
    ) -> None:
        self._clients = {client.iss: client for client in clients}
        self._keys = {client.iss: _key_set(client.jwks, "$") for client in clients if client.jwks}
        self._seen = JtiMemory()
        self._fetch_timeout = fetch_timeout
        self._max_lifetime = max_lifetime
        self._jwks: dict[str, _CachedKeys] = {}

    async def _fetch_jwks(self, url: str) -> jwt.PyJWKSet:
        try:
            async with httpx.AsyncClient(timeout=self._fetch_timeout) as http:
                response = await http.get(url)
            response.raise_for_status()
            return _key_set(parse_json(response.content), "$")
        except (httpx.HTTPError, ValidationError):
            raise _unauthorized("the JWKS at the token's jku could not be read") from None

    async def _jku_key(self, url: str, kid: str) -> jwt.PyJWK | None:
        """The key ``kid`` of the JWKS at ``url``, fetched or from the cache."""
        now = time.monotonic()
        cached = self._jwks.get(url)
        stale = cached is None or now - cached.fetched > JWKS_CACHE_SECONDS
        if cached is not None and not stale:
            found = _by_kid(cached.keys, kid)
            if found is not None or now - cached.fetched < JWKS_REFETCH_SECONDS:
                return found
        keys = await self._fetch_jwks(url)
        self._jwks[url] = _CachedKeys(keys, now)
        return _by_kid(keys, kid)

    async def check(self, authorization: str | None, audience: str) -> TrustedClient:
        """Check the ``Authorization`` header for a call to ``audience``; the calling client.

        Raises:
            ServiceError: 401, saying what is wrong (never which key was tried).
        """
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("no bearer token")
        token = token.strip()
        header, claims = _peek(token)
        if not isinstance(header.get("typ"), str) or header["typ"].upper() != "JWT":
            raise _unauthorized('the token\'s header has no typ "JWT"')
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _unauthorized("the token's header names no kid")
        if header.get("alg") not in ALGORITHMS:
            raise _unauthorized("the token is not signed with " + " or ".join(ALGORITHMS))
        client = self._clients.get(claims.get("iss"))  # type: ignore[arg-type]
        if client is None:
            raise _unauthorized("the token's issuer is not a trusted client")
        key = _by_kid(self._keys[client.iss], kid) if client.iss in self._keys else None
        if key is None and "jku" in header:
            if header["jku"] not in client.jku:
                raise _unauthorized("the token's jku is not listed for its issuer")
            key = await self._jku_key(header["jku"], kid)
        if key is None:
            raise _unauthorized("the token's kid is not among its issuer's keys")
        try:
            verified = jwt.decode_complete(
                token,
                key.key,
                algorithms=list(ALGORITHMS),
                audience=audience,
                issuer=client.iss,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise _unauthorized("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise _unauthorized("the token's aud is not this service's URL") from None
        except jwt.PyJWTError as error:
            raise _unauthorized(f"the token is not valid ({type(error).__name__})") from None
        if verified["header"] != header:  # what chose the key is what was verified
            raise _unauthorized("the bearer token is not a JWT")
        self._remember(verified["payload"])
        return client

    def _remember(self, claims: Mapping[str, Any]) -> None:
        now = time.time()
        expires = float(claims["exp"])
        if expires > now + self._max_lifetime + LEEWAY_SECONDS:
            raise _unauthorized(
                f"the token's exp is more than {self._max_lifetime:g} seconds ahead "
                "(the service's --max-token-lifetime)"
            )
        if not self._seen.add(str(claims["jti"]), expires + LEEWAY_SECONDS, now):
            raise _unauthorized("the token's jti was already used")


def _peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a compact JWT, read without checking anything.

    They only choose the client and its key: PyJWT then reads the token again, strictly,
    to verify it, and the header it verified must be this one. Read here with the standard
    library and orjson, because PyJWT's own unverified read costs as much as its verified
    one (a character-by-character check of each segment), and the service reads every
    token once unverified and once verified.

    Raises:
        ServiceError: 401 for a token that is not three base64url segments of which the
            first two are JSON objects.
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise _unauthorized("the bearer token is not a JWT")
    try:
        header, claims = (
            orjson.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
            for part in parts[:2]
        )
    except (ValueError, binascii.Error):  # orjson.JSONDecodeError is a ValueError
        raise _unauthorized("the bearer token is not a JWT") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _unauthorized("the bearer token is not a JWT")
    return header, claims


def _by_kid(keys: jwt.PyJWKSet, kid: str) -> jwt.PyJWK | None:
    return next((key for key in keys.keys if key.key_id == kid), None)
