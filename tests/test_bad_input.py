"""Every bad input gets a typed error with a Vietnamese message; the CLI exits 2 with one line, no traceback."""
import io
import subprocess
import sys
import time
import zipfile

import pytest

from contract_review import errors
from contract_review.ingest import Limits, read_bytes


def _docx_bytes(text: str = "") -> bytes:
    import docx

    d = docx.Document()
    if text:
        d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _pdf(text: str | None, encrypt: str | None = None, pages: int = 1) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=encrypt)
    for _ in range(pages):
        if text:
            c.drawString(72, 720, text)
        else:
            c.rect(100, 100, 200, 200, fill=1)  # a drawing, no text layer
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> bytes:
    """A 'DOCX' whose document.xml inflates to 200 MB (about 200 KB on disk)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(200):
                fh.write(chunk)
    return path.read_bytes()


CASES = {
    "gif": (b"GIF89a" + b"\0" * 100, errors.UnsupportedFormat),
    "old_doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, errors.UnsupportedFormat),
    "elf": (b"\x7fELF" + b"\x01" * 200, errors.UnsupportedFormat),
    "binary": (bytes(range(256)) * 8, errors.UnsupportedFormat),
    "xlsx": (None, errors.UnsupportedFormat),
    "truncated_docx": (None, errors.CorruptFile),
    "corrupt_pdf": (b"%PDF-1.7\n" + b"garbage" * 100, errors.CorruptFile),
    "encrypted_pdf": (None, errors.EncryptedFile),
    "empty": (b"", errors.EmptyDocument),
    "whitespace": (b"  \n\n\t ", errors.EmptyDocument),
    "empty_docx": (None, errors.EmptyDocument),
    "tiny_text": ("Điều 1.".encode(), errors.NoTextFound),
}


def _case(name: str) -> bytes:
    data, _ = CASES[name]
    if data is not None:
        return data
    if name == "xlsx":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("xl/workbook.xml", "<workbook/>")
        return buf.getvalue()
    if name == "truncated_docx":
        return _docx_bytes("Điều 1. Phạm vi hợp đồng và các định nghĩa.")[:3000]
    if name == "encrypted_pdf":
        return _pdf("Hop dong mua ban dien", encrypt="matkhau")
    if name == "empty_docx":
        return _docx_bytes("")
    raise KeyError(name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_typed_errors(name):
    with pytest.raises(CASES[name][1]) as exc:
        read_bytes(_case(name), f"input-{name}")
    msg = exc.value.message
    assert msg and any(ch in msg for ch in "ăâđêôơưáàảãạ")  # a Vietnamese sentence, not a stack trace
    assert 400 <= exc.value.status < 500


def test_too_large_and_too_many_pages():
    with pytest.raises(errors.FileTooLarge):
        read_bytes(b"x" * 2048, "a.txt", Limits(max_bytes=1024))
    with pytest.raises(errors.TooManyPages):
        read_bytes(_pdf("Dieu 1. Pham vi hop dong mua ban dien sinh hoat", pages=6), "a.pdf", Limits(max_pages=5))


def test_scanned_pdf_without_text_never_reads_as_clean():
    """No text layer: OCR'd when tesseract is there (a blank drawing yields no text), else refused."""
    with pytest.raises((errors.NoTextFound, errors.OcrUnavailable, errors.EmptyDocument)):
        read_bytes(_pdf(None), "scan.pdf")
    with pytest.raises(errors.OcrUnavailable):
        read_bytes(_pdf(None), "scan.pdf", Limits(ocr=False))


def test_zip_bomb_refused_fast_without_inflating(zip_bomb):
    assert len(zip_bomb) < 2_000_000
    t = time.perf_counter()
    with pytest.raises(errors.ArchiveTooLarge):
        read_bytes(zip_bomb, "hop-dong.docx")
    assert time.perf_counter() - t < 1.0


def _cli(*args, input_file=None):
    return subprocess.run([sys.executable, "-m", "contract_review.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", ["gif", "encrypted_pdf", "empty", "truncated_docx"])
def test_cli_bad_input_exit_2_one_line(name, tmp_path):
    f = tmp_path / f"bad-{name}.bin"
    f.write_bytes(_case(name))
    r = _cli("review", str(f))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("contract-review: ")
    assert r.stdout == ""


def test_cli_usage_errors_exit_2(tmp_path):
    r = _cli("review", str(tmp_path / "khong-ton-tai.docx"))
    assert r.returncode == 2 and "không tìm thấy" in r.stderr
    r = _cli("review", "--format", "pdf", str(tmp_path))
    assert r.returncode == 2
    r = _cli("predict", str(tmp_path / "x.jsonl"), "--out", str(tmp_path / "o.jsonl"))
    assert r.returncode == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "a"}\nnot json\n', encoding="utf-8")
    r = _cli("predict", str(bad), "--out", str(tmp_path / "o.jsonl"))
    assert r.returncode == 2 and "bad.jsonl:2" in r.stderr and "Traceback" not in r.stderr
