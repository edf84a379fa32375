"""Input limits, and the zip-bomb guard applied before anything is decompressed."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from contract_review.errors import ArchiveTooLarge, CorruptFile, FileTooLarge, TooManyPages

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * MB
    max_pages: int = 500
    max_unzipped_bytes: int = 200 * MB  # declared size of all zip members together
    max_member_ratio: int = 200  # compression ratio above which a large member is refused
    ocr: bool = True  # OCR pages without a text layer when tesseract is available


DEFAULT_LIMITS = Limits()


def check_size(data: bytes, limits: Limits) -> None:
    if len(data) > limits.max_bytes:
        raise FileTooLarge(
            f"Tệp có dung lượng {len(data) / MB:.1f} MB, vượt giới hạn {limits.max_bytes / MB:.0f} MB."
        )


def check_pages(pages: int, limits: Limits) -> None:
    if pages > limits.max_pages:
        raise TooManyPages(f"Tài liệu có {pages} trang, vượt giới hạn {limits.max_pages} trang.")


def open_zip_safely(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open a zip (DOCX) after checking the declared sizes in its central directory.

    Only the directory is read, so a bomb is refused without inflating a byte. Python's zipfile
    stops reading a member at its declared size, so a lying header cannot inflate more than this.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise CorruptFile("Tệp DOCX bị hỏng (cấu trúc nén không hợp lệ).") from e
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 10 * MB and info.compress_size and info.file_size / info.compress_size > limits.max_member_ratio:
            raise ArchiveTooLarge(
                f"Thành phần '{info.filename}' trong tệp giải nén ra {info.file_size / MB:.0f} MB "
                f"(tỉ lệ nén {info.file_size // max(info.compress_size, 1)}:1) — nghi ngờ 'zip bomb'; đã từ chối."
            )
    if total > limits.max_unzipped_bytes:
        raise ArchiveTooLarge(
            f"Tệp giải nén ra {total / MB:.0f} MB, vượt giới hạn {limits.max_unzipped_bytes / MB:.0f} MB "
            "(nghi ngờ 'zip bomb'); đã từ chối."
        )
    return zf
