"""The lighter validation level: the elements the importer reads, checked as in full."""

import copy
import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("fhir.resources")

from painmodalities.errors import ValidationError
from painmodalities.fhir import READ_ELEMENTS, read_bundle
from painmodalities.fhir._elements import check_elements
from painmodalities.fhir._models import validate
from tests.samples import fhir_bundle, fhir_fixture

AS_OF = datetime.date(2024, 1, 1)
SNOMED = "http://snomed.info/sct"
SUBJECT = {"reference": "Patient/a"}
CODE = {"coding": [{"system": SNOMED, "code": "278860009", "display": "Chronic low back pain"}]}
VALID: dict[str, dict[str, Any]] = {
    "Condition": {
        "resourceType": "Condition",
        "id": "c1",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": CODE,
        "subject": SUBJECT,
        "onsetDateTime": "2020-01-01",
    },
    "Procedure": {
        "resourceType": "Procedure",
        "status": "completed",
        "code": {"coding": [{"system": SNOMED, "code": "44868003"}]},
        "subject": SUBJECT,
        "performedPeriod": {"start": "2023-05-01"},
    },
    "ServiceRequest": {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "doNotPerform": False,
        "code": {"coding": [{"system": SNOMED, "code": "308449000"}]},
        "subject": SUBJECT,
        "authoredOn": "2023-01-31",
    },
}
#: Where a value can go inside the elements read: the element, or a place inside it.
INSIDE: tuple[str, ...] = ("", ".text", ".coding", ".coding[0]", ".coding[0].code")
INSIDE += (".coding[0].system", ".reference", ".start", ".end", ".coding[0].bogus")


def _not_object_text(value: object) -> bool:
    """Whether ``value`` is not JSON text of an object (the one case the levels differ)."""
    if not isinstance(value, str):
        return True
    try:
        return not isinstance(orjson.loads(value), dict)
    except orjson.JSONDecodeError:
        return True


_TEXTS = ["", " a", "a b", "x", "2023", "2023-13", "2023-02-30", "2023-01-02", "3", "[1]"]
_TEXTS += ["2024-05-06T10:11", "2024-05-06T10:11:12Z", "Patient/a", "http://x y"]
_KEYS = ["coding", "text", "code", "start", "reference", "x"]
_LEAVES = st.none() | st.text(max_size=3) | st.integers(0, 2)
_VALUES = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(_TEXTS)
    | st.lists(
        st.none() | st.text(max_size=3) | st.dictionaries(st.text(max_size=4), st.none()),
        max_size=2,
    )
    | st.dictionaries(st.sampled_from(_KEYS), _LEAVES, max_size=2)
).filter(_not_object_text)


def _put(resource: dict[str, Any], element: str, inside: str, value: object) -> None:
    """Put ``value`` at ``element`` + ``inside``, where the path exists up to its last step."""
    target: Any = resource
    steps = [element, *inside.replace("[0]", ".0").strip(".").split(".")] if inside else [element]
    for step in steps[:-1]:
        key: Any = int(step) if step.isdigit() else step
        if isinstance(target, dict) and isinstance(target.get(key), dict | list):
            target = target[key]
        elif isinstance(target, list) and key == 0 and target:
            target = target[0]
        else:
            return
    last: Any = int(steps[-1]) if steps[-1].isdigit() else steps[-1]
    if isinstance(target, dict):
        target[last] = value
    elif isinstance(target, list) and last == 0 and target:
        target[0] = value


def _found(problems: list[Any]) -> set[tuple[str, str]]:
    return {(problem.path, problem.rule) for problem in problems}


@settings(max_examples=300)
@given(
    name=st.sampled_from(sorted(VALID)),
    changes=st.lists(
        st.tuples(st.integers(0, 20), st.sampled_from(INSIDE), _VALUES | st.just("<drop>")),
        min_size=1,
        max_size=3,
    ),
)
def test_elements_level_finds_what_the_full_check_finds(
    name: str, changes: list[tuple[int, str, object]]
) -> None:
    """On a resource broken only in the elements read, both levels find the same problems.

    Same JSON paths, same rules; and a resource one level accepts, the other accepts.
    """
    resource = copy.deepcopy(VALID[name])
    elements = READ_ELEMENTS[name]
    for index, inside, value in changes:
        element = elements[index % len(elements)]
        if value == "<drop>":
            resource.pop(element, None)
        else:
            _put(resource, element, inside, value)
    assert _found(check_elements("R4B", resource)) == _found(validate("R4B", resource))


@pytest.mark.parametrize("name", sorted(VALID))
def test_elements_level_accepts_the_valid_resources(name: str) -> None:
    assert check_elements("R4B", VALID[name]) == []
    assert validate("R4B", VALID[name]) == []


@pytest.mark.parametrize("name", ["brenda_jackson", "lois_lane"])
@pytest.mark.parametrize("as_of", [AS_OF, datetime.date(2019, 6, 1)])
def test_both_levels_read_the_fixtures_the_same(name: str, as_of: datetime.date) -> None:
    bundle = fhir_fixture(name)
    assert read_bundle(bundle, as_of=as_of, validate="elements") == read_bundle(
        bundle, as_of=as_of
    )


@settings(max_examples=5)
@given(seed=st.integers(0, 10_000))
def test_both_levels_read_synthetic_patients_the_same(seed: int) -> None:
    """Every patient of a synthetic export (noise included) reads the same at both levels."""
    pytest.importorskip("pyarrow")
    import tempfile

    from painmodalities.population import write_synthetic_export
    from tests.population_support import bundles_of_export

    with tempfile.TemporaryDirectory() as scratch:
        write_synthetic_export(scratch, 12, seed=seed, as_of=AS_OF)
        bundles = bundles_of_export(Path(scratch))
    for patient, bundle in bundles.items():
        full = read_bundle(bundle, as_of=AS_OF, patient=patient)
        assert read_bundle(bundle, as_of=AS_OF, patient=patient, validate="elements") == full


def test_error_elements_level_refuses_an_object_given_as_json_text() -> None:
    """The full check parses a string given for an object as JSON; this level refuses it."""
    bad = {**VALID["Condition"], "code": orjson.dumps(CODE).decode()}
    full = read_bundle(fhir_bundle(bad), as_of=AS_OF)  # accepted, and the text left unread
    assert [skipped.rule for skipped in full.skipped] == ["uncoded", "no_pain_condition"]
    with pytest.raises(ValidationError) as caught:
        read_bundle(fhir_bundle(bad), as_of=AS_OF, validate="elements")
    assert caught.value.path.startswith("$.entry[0].resource")


def test_error_elements_level_refuses_an_element_the_model_lacks() -> None:
    bad = {**VALID["Procedure"], "performedOn": "2023-05-01"}
    with pytest.raises(ValidationError) as caught:
        read_bundle(fhir_bundle(bad), as_of=AS_OF, validate="elements")
    assert caught.value.path == "$.entry[0].resource.performedOn"
    assert caught.value.rule == "fhir_extra_forbidden"


def test_error_elements_level_does_not_look_at_values_not_read() -> None:
    """An element the importer does not read is not checked: the documented difference."""
    odd = {**VALID["Condition"], "recordedDate": "not a date"}
    with pytest.raises(ValidationError):
        read_bundle(fhir_bundle(odd), as_of=AS_OF)
    found = read_bundle(fhir_bundle(odd), as_of=AS_OF, validate="elements")
    assert [str(pain_type) for pain_type in found.pain_types] == ["low_back:chronic"]


@pytest.mark.parametrize("level", ["all", "", None, 1])
def test_error_unknown_validation_level(level: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        read_bundle(fhir_bundle(VALID["Condition"]), as_of=AS_OF, validate=level)
    assert (caught.value.path, caught.value.rule) == ("$.validate", "enum")
