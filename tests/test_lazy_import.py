"""``import painmodalities`` loads nothing heavy; every public name still resolves."""

import subprocess
import sys

import pytest

import painmodalities


def test_import_loads_no_core_module() -> None:
    """The package import alone loads neither the core modules nor cattrs."""
    code = (
        "import sys, painmodalities\n"
        "heavy = [m for m in sys.modules if m.startswith(('painmodalities.', 'cattrs'))]\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_every_public_name_resolves() -> None:
    """Every name in ``__all__`` can be read from the package."""
    for name in painmodalities.__all__:
        assert getattr(painmodalities, name) is not None


def test_dir_lists_every_public_name() -> None:
    """``dir()`` shows the public names before they are loaded."""
    assert set(painmodalities.__all__) <= set(dir(painmodalities))


def test_error_unknown_name() -> None:
    """An unknown name raises ``AttributeError`` naming it."""
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = painmodalities.no_such_name
