"""JWT bearer authentication as CDS Hooks 2.0 specifies it.

A CDS client signs a short-lived JWT (``ES384`` or ``RS384``) and sends it as
``Authorization: Bearer <token>``. The service checks, in order: the token is signed (not
``alg: none``) with an accepted algorithm; its ``iss`` is a trusted client; the key (by
``kid``) is in that client's JWKS, or in a JWKS at the header's ``jku`` when that URL is
listed for the client; the signature; ``aud`` is the URL of the service being called;
``exp`` has not passed and is at most five minutes ahead; ``iat`` and ``jti`` are present;
and the ``jti`` was not seen before within its token's lifetime (no replay). Anything else
is 401.

Trusted clients come from a JSON file::

    {"clients": [{"iss": "https://ehr.example", "jwks": {"keys": [...]}, "jku": [...]}]}
"""

import os
import time
from collections.abc import Mapping
from typing import Any, Final

import attrs
import httpx
import jwt

from painmodalities._json_text import parse_json, read_json
from painmodalities.errors import Problem, ValidationError, invalid
from painmodalities.service._outcome import ServiceError

__all__ = ["ALGORITHMS", "TokenChecker", "TrustedClient", "load_trusted_clients"]

#: The signing algorithms CDS Hooks 2.0 requires services to support.
ALGORITHMS: Final = ("ES384", "RS384")
#: CDS Hooks: ``exp`` is no more than five minutes in the future.
MAX_LIFETIME_SECONDS: Final = 300
#: Clock skew allowed between client and service.
LEEWAY_SECONDS: Final = 30


@attrs.frozen(kw_only=True)
class TrustedClient:
    """A CDS client the service trusts: its issuer URL and its public keys.

    Attributes:
        iss: the client's ``iss`` claim.
        jwks: its JSON Web Key Set (``{"keys": [...]}``).
        jku: JWKS URLs that a token's ``jku`` header may point to for this client.
    """

    iss: str
    jwks: Mapping[str, Any]
    jku: tuple[str, ...] = ()


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
    unknown = set(value) - {"iss", "jwks", "jku"}
    if unknown:
        raise invalid(f"{at}.{sorted(unknown)[0]}", "only iss, jwks and jku", "extra key")
    iss = value.get("iss")
    if not isinstance(iss, str) or not iss.strip():
        raise invalid(f"{at}.iss", "the client's issuer URL", iss, "required")
    jwks = value.get("jwks", {"keys": []})
    jku = value.get("jku", [])
    if not isinstance(jku, list) or not all(isinstance(url, str) for url in jku):
        raise invalid(f"{at}.jku", "a list of JWKS URLs", jku, "type")
    if value.get("jwks") is not None:
        _key_set(jwks, f"{at}.jwks")
    elif not jku:
        raise invalid(f"{at}.jwks", "a JWKS, or jku URLs", None, "required")
    return TrustedClient(iss=iss, jwks=jwks, jku=tuple(jku))


def _unreadable(path: str, why: str) -> Problem:
    """The problem of a trusted-clients file that cannot be read."""
    return Problem("$", f"a readable trusted-clients file ({why})", path, "file")


def load_trusted_clients(
    source: str | bytes | os.PathLike[str] | Mapping[str, Any],
) -> tuple[TrustedClient, ...]:
    """Read the trusted clients from a JSON file (or its text, or the parsed object).

    Raises:
        ValidationError: for a file that is not ``{"clients": [...]}`` with an ``iss`` and a
            usable JWKS (or ``jku`` URLs) per client, or that names an issuer twice.
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


class TokenChecker:
    """Checks bearer tokens against the trusted clients; remembers ``jti`` values seen.

    One checker belongs to one application (no global state); the ``jti`` memory holds each
    value until its token expires, and tokens live at most five minutes, so it stays small.
    """

    def __init__(self, clients: tuple[TrustedClient, ...], *, fetch_timeout: float) -> None:
        self._clients = {client.iss: client for client in clients}
        self._keys = {client.iss: _key_set(client.jwks, "$") for client in clients if client.jwks}
        self._seen: dict[str, float] = {}
        self._fetch_timeout = fetch_timeout

    async def _jku_keys(self, client: TrustedClient, url: object) -> jwt.PyJWKSet:
        if not isinstance(url, str) or url not in client.jku:
            raise _unauthorized("the token's jku is not listed for its issuer")
        try:
            async with httpx.AsyncClient(timeout=self._fetch_timeout) as http:
                response = await http.get(url)
            response.raise_for_status()
            return _key_set(parse_json(response.content), "$")
        except (httpx.HTTPError, ValidationError):
            raise _unauthorized("the JWKS at the token's jku could not be read") from None

    async def check(self, authorization: str | None, audience: str) -> str:
        """Check the ``Authorization`` header for a call to ``audience``; the client's ``iss``.

        Raises:
            ServiceError: 401, saying what is wrong (never which key was tried).
        """
        if not authorization or not authorization.startswith("Bearer "):
            raise _unauthorized("no bearer token")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise _unauthorized("the bearer token is not a JWT") from None
        if header.get("alg") not in ALGORITHMS:
            raise _unauthorized("the token is not signed with " + " or ".join(ALGORITHMS))
        client = self._clients.get(claims.get("iss"))  # type: ignore[arg-type]
        if client is None:
            raise _unauthorized("the token's issuer is not a trusted client")
        if "jku" in header:
            keys = await self._jku_keys(client, header["jku"])
        elif client.iss in self._keys:
            keys = self._keys[client.iss]
        else:
            raise _unauthorized("the token names no jku and its issuer has no keys")
        candidates = [key for key in keys.keys if key.key_id == header.get("kid")]
        if not candidates:
            raise _unauthorized("the token's kid is not among its issuer's keys")
        try:
            verified = jwt.decode(
                token,
                candidates[0].key,
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
        return self._remember(verified)

    def _remember(self, claims: Mapping[str, Any]) -> str:
        now = time.time()
        expires = float(claims["exp"])
        if expires > now + MAX_LIFETIME_SECONDS + LEEWAY_SECONDS:
            raise _unauthorized("the token's exp is more than five minutes ahead")
        self._seen = {jti: until for jti, until in self._seen.items() if until >= now}
        jti = str(claims["jti"])
        if jti in self._seen:
            raise _unauthorized("the token's jti was already used")
        self._seen[jti] = expires + LEEWAY_SECONDS
        return str(claims["iss"])
