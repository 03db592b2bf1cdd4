"""The memory of resources already found valid: the same answers, fewer validations."""

import copy
import datetime
from typing import Any

import pytest

from painmodalities.errors import ValidationError
from painmodalities.fhir import ValidatedResources, _models, read_bundle
from tests.samples import ICD10CM, fhir_bundle, fhir_condition, fhir_fixture

AS_OF = datetime.date(2026, 12, 4)


def _condition(onset: str) -> dict[str, Any]:
    """A low back pain Condition (ICD-10-CM) with its onset."""
    return fhir_condition(ICD10CM, "M54.50", clinical=None, onsetDateTime=onset)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the calls of the fhir.resources validation (the resource types validated)."""
    calls: list[str] = []
    validate = _models.validate

    def counted(version: str, resource: Any, label: str = "") -> Any:
        calls.append(str(resource.get("resourceType")))
        return validate(version, resource, label)

    monkeypatch.setattr(_models, "validate", counted)
    return calls


@pytest.mark.parametrize("name", ["brenda_jackson", "lois_lane"])
def test_a_bundle_read_again_gives_the_same_import_without_validating_again(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = fhir_fixture(name)
    plain = read_bundle(bundle, as_of=AS_OF)
    calls = _counting(monkeypatch)
    validated = ValidatedResources()
    first = read_bundle(bundle, as_of=AS_OF, validated=validated)
    validations = len(calls)
    again = read_bundle(bundle, as_of=AS_OF, validated=validated)
    assert first == again == plain
    assert validations > 0
    assert len(validated) == validations
    assert len(calls) == validations  # the second read validated nothing


def test_error_an_invalid_resource_is_reported_every_time() -> None:
    validated = ValidatedResources()
    bad = fhir_bundle({**_condition("2026-01-01"), "onsetDateTime": "not a date"})
    for _ in range(2):
        with pytest.raises(ValidationError) as raised:
            read_bundle(bad, as_of=AS_OF, validated=validated)
        assert raised.value.problems[0].path.startswith("$.entry[0].resource.onsetDateTime")
    assert len(validated) == 0


def test_error_a_valid_resource_changed_to_an_invalid_one_is_validated_again() -> None:
    validated = ValidatedResources()
    good = _condition("2026-01-01")
    read_bundle(fhir_bundle(good), as_of=AS_OF, validated=validated)
    changed = copy.deepcopy(good)
    changed["code"]["coding"][0]["code"] = 54  # a number where FHIR wants a code (a string)
    with pytest.raises(ValidationError) as raised:
        read_bundle(fhir_bundle(changed), as_of=AS_OF, validated=validated)
    assert raised.value.problems[0].path.startswith("$.entry[0].resource.code.coding[0].code")


def test_the_memory_keeps_at_most_size_digests_and_forgets_the_least_recent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    validated = ValidatedResources(size=2)
    first, second, third = (_condition(f"2026-0{month}-01") for month in (1, 2, 3))
    for resource in (first, second, first, third):  # first is used again before third
        read_bundle(fhir_bundle(resource), as_of=AS_OF, validated=validated)
    assert len(validated) == 2
    calls = _counting(monkeypatch)
    read_bundle(fhir_bundle(first), as_of=AS_OF, validated=validated)
    assert calls == []  # kept: seen more recently than second
    read_bundle(fhir_bundle(second), as_of=AS_OF, validated=validated)
    assert calls == ["Condition"]  # forgotten when third came


def test_the_memory_keeps_digests_not_the_record() -> None:
    validated = ValidatedResources()
    read_bundle(fhir_fixture("brenda_jackson"), as_of=AS_OF, validated=validated)
    kept = list(validated._seen)
    assert kept
    assert all(isinstance(item, bytes) and len(item) == 16 for item in kept)
    other = ValidatedResources()
    read_bundle(fhir_fixture("brenda_jackson"), as_of=AS_OF, validated=other)
    assert not set(kept) & set(other._seen)  # keyed per instance: nothing to look up


def test_a_resource_orjson_cannot_write_is_validated_every_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    validated = ValidatedResources()
    huge = {**_condition("2026-01-01"), "onsetAge": {"value": 2**70, "unit": "a"}}
    huge.pop("onsetDateTime")
    calls = _counting(monkeypatch)
    outcome = []
    for _ in range(2):
        try:
            read_bundle(fhir_bundle(huge), as_of=AS_OF, validated=validated)
            outcome.append("read")
        except ValidationError:
            outcome.append("refused")
    assert calls == ["Condition", "Condition"]
    assert len(validated) == 0
    assert outcome[0] == outcome[1]


@pytest.mark.parametrize("size", [0, -1, 1.5, True, "10"])
def test_error_size_must_be_a_whole_number_of_at_least_one(size: object) -> None:
    with pytest.raises(ValidationError) as raised:
        ValidatedResources(size)  # type: ignore[arg-type]
    assert raised.value.problems[0].path == "$.size"
