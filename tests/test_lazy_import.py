"""``import painmodalities`` loads the core eagerly, the edge on use; every name resolves."""

import subprocess
import sys

import pytest

import painmodalities

#: Modules that belong to optional parts: the package import never loads them.
OPTIONAL = (
    "painmodalities.cli",
    "painmodalities._cli",
    "painmodalities.fhir",
    "painmodalities.plot",
    "fhir",
    "pydantic",
    "matplotlib",
    "rich",
)
#: The core and the JSON converter: the first ranking needs them, so the import loads them.
CORE = (
    "painmodalities.vocabulary",
    "painmodalities.errors",
    "painmodalities.evidence",
    "painmodalities.modalities",
    "painmodalities.catalog",
    "painmodalities.scoring",
    "painmodalities.ranking",
)
#: Documents and their schema: a ranking never needs them, so their names load on use.
EDGE = ("painmodalities.serialization", "painmodalities.schema")


def _loaded_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def test_import_loads_the_core_and_no_optional_part() -> None:
    """The package import loads every core module, and nothing of FHIR, plots or the CLI."""
    loaded = _loaded_after("import painmodalities")
    assert set(CORE) <= loaded
    assert sorted(name for name in loaded if name.startswith(OPTIONAL)) == []


def test_first_ranking_loads_no_optional_part() -> None:
    """The import target (import, then a first ranking) stays clear of the optional parts."""
    loaded = _loaded_after("import painmodalities as pm\npm.rank('low_back:chronic')")
    assert sorted(name for name in loaded if name.startswith(OPTIONAL)) == []
    assert sorted(name for name in loaded if name in EDGE) == []


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("to_json", "painmodalities.serialization"),
        ("SCHEMA_VERSION", "painmodalities.serialization"),
        ("json_schema", "painmodalities.schema"),
        ("plan", "painmodalities.plans"),
        ("stability", "painmodalities.sensitivity"),
        ("compare", "painmodalities.grid"),
    ],
)
def test_a_name_not_needed_to_rank_loads_its_module_on_first_use(name: str, module: str) -> None:
    """Reading a name of the plans, grids, documents or schemas imports its module, and
    gives that name; no optional part comes with it.
    """
    loaded = _loaded_after(f"import painmodalities as pm\nassert pm.{name} is not None")
    assert module in loaded
    assert sorted(name for name in loaded if name.startswith(OPTIONAL)) == []


def test_star_import_gives_the_edge_names() -> None:
    """``from painmodalities import *`` binds the edge's names too."""
    namespace: dict[str, object] = {}
    exec("from painmodalities import *", namespace)  # noqa: S102 (a fixed statement)
    assert set(painmodalities.__all__) <= namespace.keys()


def test_every_public_name_resolves() -> None:
    """Every name in ``__all__`` can be read from the package."""
    for name in painmodalities.__all__:
        assert getattr(painmodalities, name) is not None


def test_dir_lists_every_public_name() -> None:
    """``dir()`` shows every public name."""
    assert set(painmodalities.__all__) <= set(dir(painmodalities))


def test_error_unknown_name() -> None:
    """An unknown name raises ``AttributeError`` naming it."""
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = painmodalities.no_such_name
