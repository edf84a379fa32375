"""`contract-review evaluate DIR`: whole-contract scoring against YAML gold quotes."""
import json

from typer.testing import CliRunner

from contract_review.cli import app as cli

CONTRACT = """HỢP ĐỒNG CUNG CẤP DỊCH VỤ
Điều 1. Giá dịch vụ
1. Giá dịch vụ được niêm yết công khai tại quầy giao dịch.
2. Công ty được quyền đơn phương điều chỉnh giá dịch vụ vào bất kỳ thời điểm nào mà không cần thông báo trước cho khách hàng.
Điều 2. Giải quyết tranh chấp
1. Các bên thương lượng giải quyết tranh chấp; không thương lượng được thì một bên có quyền khởi kiện tại Tòa án có thẩm quyền.
"""


def _write(tmp_path, gold):
    (tmp_path / "doc.txt").write_text(CONTRACT, "utf-8")
    (tmp_path / "doc.yaml").write_text("sector: mobile\ngold:\n" + gold, "utf-8")


def test_scores_a_folder_and_lists_errors(tmp_path):
    _write(tmp_path, '  - quote: "đơn phương điều chỉnh giá dịch vụ vào bất kỳ thời điểm nào"\n    labels: [A25.3]\n')
    res = CliRunner().invoke(cli, ["evaluate", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["fused"]["binary"]["support"] == 1
    assert out["per_document"]["doc"]["gold_unfair"] == 1
    assert out["fused"]["per_code"]["A25.3"]["tp"] == 1
    # a gold quote that is not in the text is reported, not silently dropped
    _write(tmp_path, '  - quote: "câu này không có trong hợp đồng"\n    labels: [A25.1]\n')
    res = CliRunner().invoke(cli, ["evaluate", str(tmp_path), "--json"])
    kinds = {e["kind"] for e in json.loads(res.output)["errors"]}
    assert "quote_not_found" in kinds and "false_alarm" in kinds


def test_empty_folder_is_a_usage_error(tmp_path):
    res = CliRunner().invoke(cli, ["evaluate", str(tmp_path)])
    assert res.exit_code == 2
