"""Reading bytes within a limit: the one reader of files and streams in the library.

Every file, standard input and FHIR bundle file is read through :func:`read_bounded`. It
reads at most the limit plus one byte, whatever the file system says the size is: a
device such as ``/dev/zero``, a FIFO, or a file that grows while it is read reports a
size of 0 (or a stale one), so ``st_size`` cannot be trusted to bound the read. The extra
byte tells a file of exactly the limit from a longer one.
"""

import os
from typing import IO

from painmodalities.errors import Problem, ValidationError

__all__ = ["read_bounded", "too_large"]


def too_large(limit: int, value: object = None) -> ValidationError:
    """The error for input over ``limit`` bytes (``value`` is what was found, if known)."""
    found = f"more than {limit} bytes" if value is None else value
    return ValidationError(Problem("$", f"a document of at most {limit} bytes", found, "size"))


def read_bounded(source: "str | os.PathLike[str] | IO[bytes]", limit: int) -> bytes:
    """The bytes of ``source`` (a path or a binary stream), at most ``limit`` of them.

    A stream is read from where it is and left open; a path is opened and closed.

    Raises:
        ValidationError: when ``source`` holds more than ``limit`` bytes (rule ``size``);
            nothing past ``limit + 1`` bytes is read.
        OSError: when the file cannot be opened or read (the caller words it).
    """
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            return read_bounded(stream, limit)
    data = source.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    return bytes(data)
