"""The FHIR guide runs: every python block of docs/fhir.md, in order, in one namespace.

As the project's docs harness does, the blocks run in a temporary working directory, and a
python block followed directly by a ``text`` block must print exactly that text.
"""

import contextlib
import doctest
import importlib
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "fhir.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\s*$", re.DOTALL | re.MULTILINE)


def _blocks() -> list[tuple[str, str, int, int]]:
    """Each fenced block: language, code, start and end offsets in the page."""
    text = GUIDE.read_text(encoding="utf-8")
    return [
        (found.group(1), found.group(2), found.start(), found.end())
        for found in FENCE.finditer(text)
    ]


def test_guide_has_code() -> None:
    """The guide shows a full round in several python blocks, most with their output."""
    languages = [language for language, _, _, _ in _blocks()]
    assert languages.count("python") >= 10
    assert languages.count("text") >= 10


def test_guide_runs(tmp_path: Path) -> None:
    """Each python block runs, anywhere, and prints the text block that follows it."""
    text = GUIDE.read_text(encoding="utf-8")
    blocks = _blocks()
    namespace: dict[str, object] = {"__name__": "fhir_guide"}
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        for index, (language, code, _, end) in enumerate(blocks):
            if language != "python":
                continue
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(code, f"{GUIDE.name} block {index}", "exec"), namespace)  # noqa: S102
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if following and following[0] == "text" and not text[end : following[2]].strip():
                assert printed.getvalue().rstrip() == following[1].rstrip(), f"block {index}"
    finally:
        os.chdir(here)


@pytest.mark.parametrize(
    "name",
    [
        "painmodalities.fhir",
        "painmodalities.fhir._codes",
        "painmodalities.fhir._models",
        "painmodalities.fhir._read",
        "painmodalities.fhir._care",
        "painmodalities.fhir._write",
    ],
)
def test_docstring_examples_run(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every example in the FHIR module's docstrings runs, from any directory."""
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if name != "painmodalities.fhir._models":
        assert result.attempted > 0
