"""Hypothesis profiles: ``ci`` (derandomized, 200 examples) when CI is set, ``dev`` otherwise.

Run more locally with ``HYPOTHESIS_PROFILE=thorough pytest``, fewer while editing with
``HYPOTHESIS_PROFILE=quick``.
"""

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=200,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "quick", max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local SparkSession for the whole test session (Spark starts slowly).

    Without a Java runtime the Spark tests are skipped, except in CI, where ``.ci/run``
    installs one: there a missing Java is a failure.
    """
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("CI runs the Spark tests: .ci/run installs openjdk-17-jre-headless")
        pytest.skip("the Spark engine needs a Java runtime (java is not on PATH)")
    from painmodalities.population._engines import local_spark

    session = local_spark("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def fhir_stub() -> Iterator[str]:
    """The FHIR server stub (:class:`tests.cds_hooks.FhirStub`) on a loopback port."""
    from tests.cds_hooks import FhirStub, http_server

    yield from http_server(FhirStub)


@pytest.fixture(scope="session")
def sandbox(fhir_stub: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One ``painmodalities serve --allow-unauthenticated`` for the session; its base URL.

    It may read the FHIR stub and, to show it never does,
    :data:`tests.cds_hooks.PLAIN_HTTP_SERVER`. The modules that use it only call it: one
    started server instead of one per module.
    """
    from tests.cds_hooks import PLAIN_HTTP_SERVER, free_port, serve, stop

    state = tmp_path_factory.mktemp("state")
    arguments = ("--fhir-server", fhir_stub, "--fhir-server", PLAIN_HTTP_SERVER)
    process, base = serve(free_port(), "--allow-unauthenticated", *arguments, state=state)
    yield base
    stop(process)
