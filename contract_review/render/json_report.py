"""JSON report: the Report model as JSON (schema in docs/report.schema.json)."""
from __future__ import annotations

import json

from contract_review.model import Report


def render_json(report: Report, indent: int | None = 2) -> bytes:
    return report.model_dump_json(indent=indent).encode("utf-8")


def report_schema() -> dict:
    schema = Report.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://contract-review.local/schemas/report.schema.json"
    schema["title"] = "Báo cáo rà soát hợp đồng (contract-review Report)"
    return schema


def schema_json() -> str:
    return json.dumps(report_schema(), ensure_ascii=False, indent=2) + "\n"
