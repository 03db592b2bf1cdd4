"""One ``__repr__`` for the core's records, instead of one compiled for each class.

attrs writes and compiles a ``__repr__`` for every class it makes; for the core's thirty
records that is about a sixth of ``import painmodalities``. The records are made with
``repr=False`` and share :func:`record_repr`, which writes what attrs would.
"""

from typing import Any

import attrs

__all__ = ["record_repr"]


def record_repr(self: Any) -> str:
    """``Name(field=value, ...)`` over the fields shown in reprs, as attrs writes it."""
    shown = []
    for field in attrs.fields(type(self)):
        if field.repr is False:
            continue
        value = getattr(self, field.name)
        text = field.repr(value) if callable(field.repr) else repr(value)
        shown.append(f"{field.name}={text}")
    return f"{type(self).__qualname__.rsplit('>.', 1)[-1]}({', '.join(shown)})"
