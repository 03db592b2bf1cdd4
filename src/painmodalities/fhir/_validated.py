"""A bounded memory of resources already found valid FHIR.

A CDS Hooks service receives the same patient's resources on every ``patient-view`` (each
time the chart is opened) and again on ``order-sign``. Validating a resource with the
``fhir.resources`` models costs far more than recognising one already validated, so a
chart read again is not validated again.
"""

import hashlib
import os
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import orjson

from painmodalities.errors import Problem, invalid
from painmodalities.fhir import _models

__all__ = ["ValidatedResources"]


class ValidatedResources:
    """Remembers which resources were valid FHIR, by a keyed digest of their JSON.

    Only digests are kept: BLAKE2b over the resource's JSON as its keys come, keyed with
    random bytes drawn for this instance (no personal data is kept, and no caller can
    compute a digest in advance). The keys are not sorted first: every resource read pays
    for its digest, remembered or not (a chart opened for the first time pays it in full),
    a client sends a resource again in the same order, and the same resource with its keys
    in another order is only validated again. At most ``size`` are kept, the least
    recently seen forgotten first; a resource found invalid is never remembered, so its
    problems are reported every time. Pass one to
    :func:`~painmodalities.fhir.read_bundle` as ``validated``; it is not meant to be
    shared between threads.

    Raises:
        ValidationError: when ``size`` is not a whole number of at least 1.
    """

    __slots__ = ("_hasher", "_seen", "_size")

    def __init__(self, size: int = 4096) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise invalid("$.size", "a whole number of at least 1", size, "range")
        #: Keyed once: each digest starts from a copy (cheaper than keying again).
        self._hasher = hashlib.blake2b(
            key=os.urandom(16), digest_size=16, person=b"painmodalities"
        )
        self._size = size
        self._seen: OrderedDict[bytes, None] = OrderedDict()

    def __len__(self) -> int:
        """How many valid resources are remembered."""
        return len(self._seen)

    def _digest(self, version: str, resource: Mapping[str, Any]) -> bytes | None:
        try:
            text = orjson.dumps(resource)
        except (TypeError, orjson.JSONEncodeError):
            return None  # not plain JSON values (an integer beyond 64 bits): never remembered
        digest = self._hasher.copy()
        digest.update(text)
        digest.update(version.encode())
        return digest.digest()

    def validate(
        self, version: str, resource: Mapping[str, Any], label: str = ""
    ) -> list[Problem]:
        """The problems of ``resource`` in FHIR ``version`` (none if valid).

        They are the problems the ``fhir.resources`` model finds; a resource already found
        valid is not validated again.
        """
        digest = self._digest(version, resource)
        if digest is not None and digest in self._seen:
            self._seen.move_to_end(digest)
            return []
        problems = _models.validate(version, resource, label)
        if not problems and digest is not None:
            self._seen[digest] = None
            if len(self._seen) > self._size:
                self._seen.popitem(last=False)
        return problems
