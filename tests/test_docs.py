"""The docs run: every code block in ``docs/*.md`` and README.md, and every example script.

Rules the pages follow (stated in docs/index.md, "How these pages are tested"):

- Each ```` ```python ```` block runs; the blocks of one page run in order in one namespace,
  in a temporary working directory.
- A ```` ```python ```` block directly followed by a ```` ```text ```` block must print
  exactly that text.
- In a ```` ```console ```` block, each ``$ painmodalities ...`` (or
  ``$ python -m painmodalities ...``) line runs through :func:`painmodalities.cli.main`;
  it must exit 0, or the code named by a trailing ``# exit N`` comment. The lines after it,
  up to the next ``$`` line, if any, are its expected output (stdout then stderr).
  ``> FILE`` writes stdout to FILE; ``| head -N`` compares the first N lines of stdout;
  after any other ``|`` only the command before the pipe runs and its output is not
  compared. Lines running other programs (``pip``, ...) are shown only.
- A block preceded by the line ``<!-- docs-test: skip -->`` is not run. Use it sparingly.
"""

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from painmodalities import default_catalog
from painmodalities.cli import build_parser
from tests.docs_pages import (
    blocks,
    commands,
    ours,
    run_console_blocks,
    run_python_blocks,
    working_directory,
)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [*sorted(DOCS.glob("*.md")), ROOT / "README.md"]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_python_blocks_run(page: Path, tmp_path: Path) -> None:
    """Every python block runs, in order, in one namespace; shown output is the real one."""
    with working_directory(tmp_path):
        run_python_blocks(page)


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_console_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command shown in a console block exits as stated and prints what is shown."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    with working_directory(tmp_path):
        run_console_blocks(page)


def test_the_readme_names_every_command() -> None:
    """Each subcommand of the command line is named in the README (as `NAME ...`)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands_action = next(
        action
        for action in build_parser()._actions  # argparse keeps the subcommands there
        if isinstance(action, argparse._SubParsersAction)
    )
    missing = [name for name in commands_action.choices if f"`{name}" not in readme]
    assert not missing


def test_the_harness_finds_blocks() -> None:
    """The harness sees the tutorial's blocks, so a broken fence cannot pass unnoticed."""
    tutorial = blocks(DOCS / "tutorial.md")
    assert sum(block.language == "python" for block in tutorial) >= 5
    assert sum(block.language == "console" for block in blocks(DOCS / "cli.md")) >= 3


def test_console_lines_that_run() -> None:
    """Only this library's command runs; other programs in console blocks are shown only."""
    assert ours("painmodalities list")
    assert ours("python -m painmodalities rank neck chronic")
    assert not ours("pip install painmodalities")
    assert not ours("python -m pip install painmodalities")


def test_commands_parse_exit_codes_and_output() -> None:
    """A console block's commands carry their exit code and output lines."""
    code = "$ painmodalities list --kind yoga  # exit 2\nusage: ...\n$ painmodalities sources\n"
    assert list(commands(code)) == [
        ("painmodalities list --kind yoga", 2, "usage: ..."),
        ("painmodalities sources", 0, ""),
    ]


# -- example scripts -------------------------------------------------------------------------


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.name)
def test_example_runs(script: Path, tmp_path: Path) -> None:
    """Each example script runs on its own, exits 0 and prints what it found."""
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert len(done.stdout.splitlines()) >= 3


def test_examples_exist() -> None:
    """The four teaching examples of issue 5 are there."""
    assert {path.name for path in EXAMPLES} >= {
        "why_exercise_beats_massage.py",
        "acute_pain.py",
        "patient_constraints.py",
        "add_your_own_evidence.py",
    }


def test_examples_say_what_they_teach() -> None:
    """Every example opens with a docstring saying what it teaches."""
    for script in EXAMPLES:
        assert script.read_text(encoding="utf-8").startswith('"""'), script.name


# -- the generated pages ---------------------------------------------------------------------


def hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "mkdocs_hooks", ROOT / "scripts" / "mkdocs_hooks.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_evidence_page_is_generated_from_the_catalog() -> None:
    """The evidence page names every source and every modality with findings of its own."""
    page = (DOCS / "evidence.md").read_text(encoding="utf-8")
    module = hooks()
    assert module.EVIDENCE_MARKER in page
    generated: str = module.evidence_markdown(default_catalog())
    catalog = default_catalog()
    for source in catalog.sources:
        assert f"`{source.key}`" in generated
        assert source.title in generated
    for modality in catalog:
        for finding in modality.findings:
            if finding.component is None:
                assert modality.name in generated


def test_changelog_page_includes_the_changelog(tmp_path: Path) -> None:
    """The changelog page is CHANGELOG.md when there is one."""
    module = hooks()
    page = (DOCS / "changelog.md").read_text(encoding="utf-8")
    assert module.CHANGELOG_MARKER in page
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\n## 0.1.0\n- First.\n")
    included: str = module.include_changelog(page, tmp_path)
    assert "## 0.1.0\n- First." in included
    assert module.CHANGELOG_MARKER not in included
