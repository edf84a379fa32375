"""The `contract-review` command.

Exit codes: 0 ok; 1 findings at or above --fail-on; 2 bad input or usage (one line on stderr);
3 internal error (one line on stderr, never a traceback).
"""
from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from contract_review.errors import ReviewError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Rà soát hợp đồng theo mẫu, điều kiện giao dịch chung theo Luật 19/2023/QH15.")
rules_app = typer.Typer(no_args_is_help=True, help="Thư viện quy tắc: liệt kê, xem, kiểm thử, giải thích.")
app.add_typer(rules_app, name="rules")
feedback_app = typer.Typer(no_args_is_help=True, help="Phản hồi của người rà soát.")
app.add_typer(feedback_app, name="feedback")
corpus_app = typer.Typer(no_args_is_help=True, help="Kho điều khoản gán nhãn.")
app.add_typer(corpus_app, name="corpus")


class Fmt(str, Enum):
    json = "json"
    md = "md"
    html = "html"
    docx = "docx"
    memo = "memo"


class Level(str, Enum):
    high = "high"
    medium = "medium"
    low = "low"


class Profile(str, Enum):
    business = "business"
    inspector = "inspector"


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"contract-review: {message}", err=True)
    raise typer.Exit(code)


def _engine(profile: str, **kw):
    from contract_review.pipeline import Engine

    return Engine(profile=profile, **kw)


@app.command()
def review(
    files: list[Path] = typer.Argument(..., help="Tệp hợp đồng (DOCX, PDF, TXT, MD, HTML, ảnh quét)."),
    format: Fmt = typer.Option(Fmt.json, "--format", "-f", help="Định dạng báo cáo."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Tệp (hoặc thư mục, khi có nhiều tệp) đầu ra."),
    fail_on: Optional[Level] = typer.Option(None, "--fail-on", help="Trả mã 1 nếu có phát hiện từ mức này trở lên."),
    profile: Profile = typer.Option(Profile.business, "--profile", help="business (cân bằng) | inspector (ưu tiên không bỏ sót)."),
    sector: Optional[str] = typer.Option(None, "--sector", help="Gợi ý lĩnh vực (mã trong corpus/sectors.yaml)."),
) -> None:
    """Rà soát một hoặc nhiều hợp đồng và xuất báo cáo."""
    from contract_review.pipeline import severity_at_least
    from contract_review.render import EXTENSIONS, render

    for f in files:
        if not f.exists():
            fail(f"không tìm thấy tệp: {f}")
        if f.is_dir():
            fail(f"{f} là thư mục; dùng `contract-review audit {f}` để rà soát cả thư mục")
    if format in (Fmt.docx, Fmt.memo) and out is None:
        fail("định dạng docx/memo cần --out PATH")
    multi = len(files) > 1
    if multi and out is not None:
        out.mkdir(parents=True, exist_ok=True)
    engine = _engine(profile.value)
    worst = False
    for f in files:
        try:
            report = engine.review_path(f, sector_hint=sector)
            data = render(report, format.value, source=f.read_bytes() if format == Fmt.docx else None)
        except ReviewError as e:
            fail(f"{f.name}: {e.message}")
        if out is None:
            sys.stdout.buffer.write(data)
            if not data.endswith(b"\n"):
                sys.stdout.buffer.write(b"\n")
        else:
            target = out / (f.stem + ".review" + EXTENSIONS[format.value]) if multi else out
            if target.resolve() == f.resolve():
                fail(f"tệp kết quả {target} trùng với tệp đầu vào; chọn --out khác")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            typer.echo(f"{f.name}: {report.summary.findings} phát hiện -> {target}", err=True)
        if fail_on is not None and severity_at_least(report, fail_on.value):
            worst = True
    if worst:
        raise typer.Exit(1)


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except UnicodeDecodeError:
        fail(f"{path}: tệp không phải UTF-8")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            fail(f"{path}:{n}: dòng không phải JSON hợp lệ ({e.msg})")
        if not isinstance(row, dict) or "text" not in row or not isinstance(row["text"], str):
            fail(f"{path}:{n}: mỗi dòng cần một đối tượng có trường \"text\"")
        rows.append(row)
    return rows


@app.command()
def predict(
    clauses: Path = typer.Argument(..., help="JSONL: mỗi dòng {\"id\": ..., \"text\": ...}."),
    out: Path = typer.Option(..., "--out", "-o", help="JSONL kết quả."),
    profile: Profile = typer.Option(Profile.business, "--profile"),
) -> None:
    """Gán nhãn từng điều khoản (quy tắc + mô hình, cùng quyết định như `review`)."""
    if not clauses.exists():
        fail(f"không tìm thấy tệp: {clauses}")
    rows = _read_jsonl(clauses)
    engine = _engine(profile.value)
    preds = engine.predict_texts([r["text"] for r in rows])
    with out.open("w", encoding="utf-8") as fh:
        for r, p in zip(rows, preds):
            fh.write(json.dumps({"id": r.get("id"), **p}, ensure_ascii=False) + "\n")
    typer.echo(f"{len(rows)} điều khoản -> {out}", err=True)


@app.command()
def evaluate(
    data: Path = typer.Argument(..., help="JSONL có trường text và labels (định dạng corpus), hoặc thư mục các cặp "
                                          "<tên>.txt + <tên>.yaml (định dạng corpus/documents)."),
    by_code: bool = typer.Option(True, "--by-code/--no-by-code"),
    as_json: bool = typer.Option(False, "--json"),
    profile: Profile = typer.Option(Profile.business, "--profile"),
    system: str = typer.Option("fused", "--system", help="fused | rules | model"),
    errors: bool = typer.Option(False, "--errors", help="Thư mục hợp đồng: in các điều khoản bị bỏ sót / báo nhầm."),
) -> None:
    """Đo precision / recall / F1 trên một tệp đã gán nhãn hoặc một thư mục hợp đồng có nhãn vàng."""
    from contract_review.evaluation import evaluate as run_eval
    from contract_review.evaluation import format_table

    if not data.exists():
        fail(f"không tìm thấy tệp: {data}")
    engine = _engine(profile.value, use_model=(system != "rules"), use_rules=(system != "model"))
    if data.is_dir():
        from contract_review.doc_evaluation import evaluate_document_set

        try:
            result = evaluate_document_set(engine, data, profile.value)
        except FileNotFoundError as exc:
            fail(str(exc))
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
            return
        typer.echo(format_table(result["fused"], by_code))
        typer.echo("")
        for name, d in result["per_document"].items():
            b = d["binary"]
            typer.echo(f"{name:40} điều khoản {d['clauses']:4d}  vi phạm {d['gold_unfair']:3d}  "
                       f"P={b['precision']:.2f} R={b['recall']:.2f} báo nhầm={d['fair_fpr']:.1%}")
        if errors:
            typer.echo("")
            for err in result["errors"]:
                if err["kind"] == "quote_not_found":
                    typer.echo(f"[{err['doc']}] không tìm thấy trích dẫn vàng: {err['quote']}")
                else:
                    typer.echo(f"[{err['doc']} {err['clause']}] {err['kind']} vàng={err['gold']} dự đoán={err['pred']}: "
                               f"{err['text'][:200]}")
        return
    rows = _read_jsonl(data)
    for n, r in enumerate(rows, 1):
        if not isinstance(r.get("labels"), list):
            fail(f"{data}: dòng {n} thiếu trường \"labels\" (danh sách mã)")
    preds = engine.predict_texts([r["text"] for r in rows])
    result = run_eval([r["labels"] for r in rows], [p["labels"] for p in preds])
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        typer.echo(format_table(result, by_code))


# ---------------------------------------------------------------------------- rules


@rules_app.command("list")
def rules_list(format: str = typer.Option("table", "--format", help="table | json")) -> None:
    """Liệt kê các quy tắc."""
    from contract_review.analyze.rules import RuleLibrary

    lib = RuleLibrary.load()
    if format == "json":
        rows = [{"id": r.id, "category": r.code, "basis": r.spec.basis.citation(), "severity": r.spec.severity.value,
                 "scope": r.spec.scope, "file": r.file} for r in lib.rules]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in lib.rules:
        typer.echo(f"{r.id:55} {r.code:16} {r.spec.severity.value:7} {r.spec.basis.citation()}")
    typer.echo(f"\n{len(lib.rules)} quy tắc, phiên bản {lib.version}")


@rules_app.command("show")
def rules_show(rule_id: str) -> None:
    """Xem đầy đủ một quy tắc."""
    import yaml

    from contract_review.analyze.rules import RuleLibrary

    lib = RuleLibrary.load()
    r = lib.by_id.get(rule_id)
    if r is None:
        fail(f"không có quy tắc '{rule_id}'")
    typer.echo(f"# {r.file}")
    typer.echo(yaml.safe_dump(r.spec.model_dump(mode="json", by_alias=True, exclude_none=True), allow_unicode=True, sort_keys=False))


@rules_app.command("test")
def rules_test(rule_id: Optional[str] = typer.Argument(None)) -> None:
    """Chạy các ví dụ flag/pass của quy tắc; in các ví dụ sai."""
    from contract_review.analyze.rule_examples import run_examples

    failures, total = run_examples(rule_id)
    for f in failures:
        typer.echo(f"FAIL {f}")
    typer.echo(f"{total - len(failures)}/{total} ví dụ đúng")
    if failures:
        raise typer.Exit(1)


@rules_app.command("check")
def rules_check(text: str) -> None:
    """Giải thích quy tắc nào kích hoạt (hoặc bị loại trừ) trên một câu, và vì sao."""
    from contract_review.analyze.rules import RuleLibrary
    from contract_review.text.normalize import normalize_text
    from contract_review.text.tokenize import tokenize

    lib = RuleLibrary.load()
    t = normalize_text(text)
    typer.echo("Từ tố: " + " | ".join(tok.text for tok in tokenize(t)))
    results = lib.evaluate(t, explain=True)
    if not results:
        typer.echo("Không quy tắc nào khớp.")
    for res in results:
        words = "; ".join(t[a:b] for a, b in res.matches)
        state = "KÍCH HOẠT" if res.fired else f"BỊ LOẠI TRỪ ({res.decided_by})"
        typer.echo(f"{res.rule.id} [{res.rule.code}] {state}: «{words}»")
    for code, ids in sorted(lib.cures_in(t).items()):
        typer.echo(f"Khắc phục [{code}]: {', '.join(ids)} — mô hình không tự gắn mã này cho câu.")


@rules_app.command("stats")
def rules_stats(data: Optional[Path] = typer.Option(None, "--data", help="Tệp JSONL gán nhãn (mặc định: corpus).")) -> None:
    """Số lần kích hoạt, precision và recall của từng quy tắc trên corpus."""
    from contract_review.analyze.rule_examples import rule_stats

    for line in rule_stats(data):
        typer.echo(line)


# ---------------------------------------------------------------------------- other faces


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port"),
          workers: int = typer.Option(1, "--workers")) -> None:
    """Chạy trang web và API (mặc định 127.0.0.1:8000)."""
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers)


@app.command()
def train(out: Optional[Path] = typer.Option(None, "--out", help="Thư mục mô hình (mặc định models/)."),
          quick: bool = typer.Option(False, "--quick", help="Bỏ qua tìm siêu tham số (dùng cấu hình đã chọn).")) -> None:
    """Huấn luyện bộ phân loại trên corpus/clauses.jsonl và ghi models/ (mô hình, thẻ mô hình, số đo)."""
    from contract_review.training import main as train_main

    train_main(out, quick=quick)


@app.command()
def audit(
    directory: Path = typer.Argument(..., help="Thư mục chứa hợp đồng."),
    out: Path = typer.Option(..., "--out", "-o", help="Thư mục kết quả."),
    workers: int = typer.Option(0, "--workers", "-w", help="Số tiến trình (0 = số lõi CPU)."),
    format: str = typer.Option("json,md", "--format", help="Các định dạng báo cáo cho từng tệp, cách nhau bởi dấu phẩy."),
    profile: Profile = typer.Option(Profile.business, "--profile"),
    resume: bool = typer.Option(False, "--resume", help="Bỏ qua các tệp đã xong ở lần chạy trước."),
    include: list[str] = typer.Option([], "--include", help="Mẫu glob các tệp cần lấy."),
    exclude: list[str] = typer.Option([], "--exclude", help="Mẫu glob các tệp bỏ qua."),
    fail_on: Optional[Level] = typer.Option(None, "--fail-on"),
    timeout: float = typer.Option(120.0, "--timeout", help="Giới hạn giây cho mỗi tệp."),
    engine: str = typer.Option("process", "--engine", help="process | dask"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Địa chỉ Dask scheduler (tcp://HOST:PORT)."),
) -> None:
    """Rà soát hàng loạt cả thư mục: báo cáo từng tệp, bảng tổng hợp CSV/XLSX/MD, chạy tiếp được."""
    from contract_review.audit import run_audit

    if not directory.is_dir():
        fail(f"không phải thư mục: {directory}")
    fmts = [x.strip() for x in format.split(",") if x.strip()]
    from contract_review.render import FORMATS

    bad = [x for x in fmts if x not in FORMATS]
    if bad:
        fail(f"định dạng không hỗ trợ: {', '.join(bad)}")
    code = run_audit(directory, out, workers=workers, formats=fmts, profile=profile.value, resume=resume,
                     include=include, exclude=exclude, fail_on=fail_on.value if fail_on else None,
                     timeout=timeout, engine=engine, scheduler=scheduler)
    raise typer.Exit(code)


@feedback_app.command("export")
def feedback_export(out: Path = typer.Option(..., "--out", "-o"),
                    database: Optional[str] = typer.Option(None, "--database", help="URL cơ sở dữ liệu (mặc định như máy chủ).")) -> None:
    """Xuất các phát hiện đã được xác nhận/bác bỏ thành điều khoản gán nhãn (định dạng corpus)."""
    from api.storage import export_feedback

    n = export_feedback(out, database)
    typer.echo(f"{n} điều khoản -> {out}", err=True)


@corpus_app.command("stats")
def corpus_stats() -> None:
    """Thống kê corpus: số điều khoản, nhãn, lĩnh vực, tài liệu."""
    from contract_review.corpus import summary

    typer.echo(summary())


@corpus_app.command("check")
def corpus_check(files: list[Path] = typer.Argument(None, help="Tệp JSONL (mặc định corpus/clauses.jsonl).")) -> None:
    """Kiểm tra định dạng, mã, NFC, độ dài, mã định danh và các điều khoản gần trùng nhau."""
    from contract_review.corpus import check_files, clauses_path

    raise typer.Exit(check_files([str(f) for f in files] if files else [str(clauses_path())], out=typer.echo))


def main() -> None:
    try:
        app()
    except ReviewError as e:
        typer.echo(f"contract-review: {e.message}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("contract-review: đã dừng.", err=True)
        sys.exit(130)
    except Exception as e:  # never a traceback for the user
        typer.echo(f"contract-review: lỗi nội bộ ({type(e).__name__}: {e})", err=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
