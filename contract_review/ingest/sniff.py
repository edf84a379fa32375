"""Decide the format from the bytes, not the file name."""
from __future__ import annotations

import io
import re
import zipfile

from contract_review.errors import CorruptFile, EmptyDocument, UnsupportedFormat

_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html|<head|<body|<meta|<div|<p[\s>]|<h[1-6][\s>])", re.I | re.S)
_MD_HINT = re.compile(r"^(#{1,6}\s|\*\*|[-*]\s\[|>\s)", re.M)


def sniff(data: bytes, name: str = "") -> str:
    """Return one of docx, pdf, html, md, txt, image; raise a typed error for anything else."""
    if not data or not data.strip():
        raise EmptyDocument("Tệp rỗng (0 byte hoặc chỉ có khoảng trắng).")
    head = data[:8]
    if data[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise CorruptFile("Tệp nén (DOCX) bị hỏng, không mở được.") from e
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names or "ppt/presentation.xml" in names:
            raise UnsupportedFormat("Tệp Excel/PowerPoint không được hỗ trợ; vui lòng gửi hợp đồng dạng DOCX hoặc PDF.")
        if "content.xml" in names:
            raise UnsupportedFormat("Tệp OpenDocument (ODT) chưa được hỗ trợ; vui lòng lưu thành DOCX hoặc PDF.")
        raise UnsupportedFormat("Tệp nén ZIP không phải tài liệu DOCX.")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedFormat("Tệp Word 97-2003 (.doc) chưa được hỗ trợ; vui lòng lưu thành DOCX hoặc PDF.")
    if head.startswith(b"{\\rtf"):
        raise UnsupportedFormat("Tệp RTF chưa được hỗ trợ; vui lòng lưu thành DOCX hoặc PDF.")
    if head.startswith(b"\x89PNG") or head[:3] == b"\xff\xd8\xff" or head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image"
    if head[:4] in (b"GIF8",) or head[:4] == b"RIFF" or head[:2] == b"BM":
        raise UnsupportedFormat("Định dạng ảnh này không được hỗ trợ; vui lòng gửi PNG, JPEG, TIFF hoặc PDF.")
    if head.startswith((b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"\x7fELF", b"MZ")):
        raise UnsupportedFormat("Tệp nén hoặc tệp chương trình không phải là tài liệu hợp đồng.")
    sample = data[:4096]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "html" if b"<\x00h\x00t\x00m\x00l" in sample.lower() else "txt"
    if b"\x00" in sample:
        raise UnsupportedFormat("Tệp nhị phân không rõ định dạng; không phải văn bản.")
    if _HTML_START.match(sample):
        return "html"
    lower = name.lower()
    if lower.endswith((".html", ".htm", ".xhtml")) and b"<" in sample:
        return "html"
    if lower.endswith((".md", ".markdown")):
        return "md"
    try:
        text = sample.decode("utf-8", errors="ignore")
    except Exception:  # pragma: no cover
        text = ""
    if len(_MD_HINT.findall(text)) >= 3:
        return "md"
    return "txt"
