"""The docs run as installed: from a wheel of the project, with only the extras a page names.

A wheel is built from the project (not the source tree: a page that reaches into the
repository's files fails here), and for each set of extras the pages name, one virtual
environment is made with ``pip install 'WHEEL[extras]'`` and nothing else. Each page then
runs there (``tests/docs_pages.py`` as a script, in an empty working directory): its python
and console blocks as ``tests/test_docs.py`` runs them, and the library's commands of its
``sh`` blocks (the README's install-and-run lines). A page names its extras in its ``pip
install`` lines (an editable install from a checkout, ``pip install -e``, is the developer's:
not counted); ``test`` is never one. pip installs from its cache or the configured index;
the environments live for the session, one per set of extras.
"""

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.docs_pages import blocks

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
RUNNER = Path(__file__).resolve().parent / "docs_pages.py"
_EXTRAS = re.compile(r"""(?:painmodalities|\.)\[([a-z,]+)\]""")
_TIMEOUT = 900


#: A page whose install lines offer alternatives states what its examples need instead.
_STATED = re.compile(r"<!-- docs-test: extras ([a-z, ]*)-->")


def page_extras(page: Path) -> frozenset[str]:
    """The extras a page names in its ``pip install`` lines (not editable, not ``test``).

    A line ``<!-- docs-test: extras a, b -->`` in the page states them instead (for a page
    that offers an alternative install its examples do not use, such as a Spark engine).
    """
    text = page.read_text(encoding="utf-8")
    stated = _STATED.search(text)
    if stated is not None:
        return frozenset(name.strip() for name in stated.group(1).split(",") if name.strip())
    named: set[str] = set()
    for line in text.splitlines():
        if "pip install" not in line or "pip install -e" in line:
            continue
        for found in _EXTRAS.findall(line.split("pip install", 1)[1]):
            named.update(found.split(","))
    return frozenset(named - {"test"})


def runs_code(page: Path) -> bool:
    """Whether the page has a block the runner runs."""
    return any(
        not block.skipped and block.language in ("python", "console", "sh", "bash")
        for block in blocks(page)
    )


RUN = [page for page in PAGES if runs_code(page)]


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of the project, built as pip builds it for ``pip install .``."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        timeout=_TIMEOUT,
    )
    (built,) = out.glob("painmodalities-*.whl")
    return built


class Environments:
    """One virtual environment per set of extras, made when first asked for."""

    def __init__(self, root: Path, wheel: Path) -> None:
        self.root = root
        self.wheel = wheel
        self.made: dict[frozenset[str], Path] = {}

    def python(self, extras: frozenset[str]) -> Path:
        """The interpreter of the environment with the wheel and ``extras`` installed."""
        if extras not in self.made:
            place = self.root / ("core" if not extras else "-".join(sorted(extras)))
            venv.EnvBuilder(with_pip=False).create(place)
            python = place / "bin" / "python"
            requirement = (
                f"{self.wheel}[{','.join(sorted(extras))}]" if extras else str(self.wheel)
            )
            # pip from the test's interpreter installs into the new environment (no pip
            # copied into each one); it reads its cache first.
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "--python",
                    str(python),
                    "install",
                    "--quiet",
                    "--no-compile",  # bytecode is written on first import instead
                    requirement,
                ],
                check=True,
                timeout=_TIMEOUT,
            )
            self.made[extras] = python
        return self.made[extras]


@pytest.fixture(scope="session")
def environments(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Environments:
    return Environments(tmp_path_factory.mktemp("venvs"), wheel)


def test_pages_name_their_extras() -> None:
    """The extras are read from the pages: the FHIR page names fhir, the JSON page schema."""
    assert page_extras(ROOT / "docs" / "fhir.md") == {"fhir"}
    assert page_extras(ROOT / "docs" / "json.md") == {"schema"}
    assert page_extras(ROOT / "docs" / "tutorial.md") == frozenset()
    assert "test" not in page_extras(ROOT / "README.md")
    assert page_extras(ROOT / "docs" / "population.md") == {"population"}  # stated


@pytest.mark.parametrize("page", RUN, ids=_page_id)
def test_page_runs_as_installed(page: Path, environments: Environments, tmp_path: Path) -> None:
    """Every block of the page runs in an environment made from the wheel and its extras."""
    python = environments.python(page_extras(page))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run(
        [str(python), "-I", str(RUNNER), str(page)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=env,
        timeout=_TIMEOUT,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert done.stdout.strip().endswith(f"{page.name}: ok")
