"""JSON report: the Report model as JSON, with `schema_version`.

The JSON Schema is generated from the models (`report_schema()`, mode "serialization": it describes
what `render_json` writes) and published at docs/report.schema.json (`make schema`); a test keeps the
published file equal to the generated one. `validate()` checks a report against it.
"""
from __future__ import annotations

import json
from typing import Any

from contract_review.model import SCHEMA_VERSION, Report

SCHEMA_ID = "https://contract-review.local/schemas/report.schema.json"


def render_json(report: Report, indent: int | None = 2) -> bytes:
    return report.model_dump_json(indent=indent).encode("utf-8")


def report_schema() -> dict:
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    # every serialized report carries its schema version; consumers branch on it
    schema["required"] = ["schema_version", *[k for k in schema.get("required", []) if k != "schema_version"]]
    schema["title"] = "Báo cáo rà soát hợp đồng (contract-review Report)"
    schema["description"] = (
        f"Báo cáo rà soát hợp đồng theo mẫu, điều kiện giao dịch chung; schema_version {SCHEMA_VERSION}. "
        "Vị trí ký tự (start, end) tính trên toàn văn đã chuẩn hóa (NFC), không gồm end."
    )
    return schema


def schema_json() -> str:
    return json.dumps(report_schema(), ensure_ascii=False, indent=2) + "\n"


class ReportSchemaError(ValueError):
    """A report that does not match the schema; `errors` lists "path: message" lines."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("Báo cáo không khớp lược đồ JSON: " + "; ".join(errors[:5]))


def validate(report: dict[str, Any] | str | bytes | Report, schema: dict | None = None) -> None:
    """Raise ReportSchemaError unless `report` (a parsed JSON dict, JSON text, or a Report) matches the
    schema (default: the one generated from the models, equal to docs/report.schema.json).

    Needs the `jsonschema` package (the `test` extra)."""
    import jsonschema

    if isinstance(report, Report):
        report = json.loads(render_json(report))
    elif isinstance(report, (str, bytes)):
        report = json.loads(report)
    validator = jsonschema.Draft202012Validator(schema or report_schema())
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path))
    if errors:
        raise ReportSchemaError([f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors])
