"""The FHIR guide runs: every python block of docs/fhir.md, in order, in one namespace."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "fhir.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def test_guide_has_code() -> None:
    """The guide shows a full round in several python blocks."""
    assert len(BLOCK.findall(GUIDE.read_text(encoding="utf-8"))) >= 8


def test_guide_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Each python block of the FHIR guide runs, from the repository root, without error."""
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "fhir_guide"}
    for number, block in enumerate(BLOCK.findall(GUIDE.read_text(encoding="utf-8"))):
        code = compile(block, f"{GUIDE.name} block {number}", "exec")
        exec(code, namespace)  # noqa: S102 (running the guide is the point)
    shown = capsys.readouterr().out
    assert "['low_back:chronic', 'fibromyalgia:chronic']" in shown
    assert "GuidanceResponse RequestGroup" in shown
