"""Griffe extension for the API pages: show docstring doctests as Python code blocks.

A ``>>>`` example in a docstring is plain text to Markdown, where its output (such as
``['a', 'b']``) reads as a link. This extension fences each doctest, with its output, as a
``pycon`` block. Declared in ``mkdocs.yml`` under the mkdocstrings ``extensions`` option.
"""

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """``text`` with each doctest (``>>>`` lines and their output) in a pycon fence."""
    out: list[str] = []
    inside = False
    indent = ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if not inside and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            inside = True
        elif inside and not stripped:
            out.append(f"{indent}```")
            inside = False
        out.append(line)
    if inside:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the doctests of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **_: Any) -> None:
        """Rewrite ``obj``'s docstring, if it has one."""
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
