"""Write the JSON Schema of every document type to ``src/painmodalities/schemas``.

Usage: ``python scripts/build_schemas.py``. A test checks that the shipped files equal what
:func:`painmodalities.schema.json_schema` generates, so run this after changing a record.
"""

from pathlib import Path

from painmodalities.schema import DOCUMENT_TYPES, schema_text

TARGET = Path(__file__).resolve().parent.parent / "src" / "painmodalities" / "schemas"


def main() -> None:
    TARGET.mkdir(exist_ok=True)
    for name in DOCUMENT_TYPES:
        path = TARGET / f"{name}.schema.json"
        path.write_text(schema_text(name), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
