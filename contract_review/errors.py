"""Typed errors for bad input. Each carries a stable code, a Vietnamese message a person can act on,
and the HTTP status the API answers with. The CLI prints the message and exits with code 2."""
from __future__ import annotations


class ReviewError(Exception):
    code = "review_error"
    status = 422
    default_message = "Không thể rà soát tài liệu."

    def __init__(self, message: str | None = None, **details: object) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


class UnsupportedFormat(ReviewError):
    code = "unsupported_format"
    status = 415
    default_message = (
        "Định dạng tệp không được hỗ trợ. Vui lòng gửi tệp DOCX, PDF, TXT, Markdown, HTML "
        "hoặc ảnh quét (PNG, JPEG, TIFF)."
    )


class FileTooLarge(ReviewError):
    code = "file_too_large"
    status = 413
    default_message = "Tệp quá lớn."


class CorruptFile(ReviewError):
    code = "corrupt_file"
    default_message = "Tệp bị hỏng hoặc không đọc được."


class EncryptedFile(ReviewError):
    code = "encrypted_file"
    default_message = "Tệp PDF được đặt mật khẩu. Vui lòng gỡ mật khẩu rồi gửi lại."


class EmptyDocument(ReviewError):
    code = "empty_document"
    default_message = "Tài liệu trống, không có nội dung để rà soát."


class NoTextFound(ReviewError):
    code = "no_text"
    default_message = (
        "Không trích xuất được văn bản từ tài liệu (có thể là bản quét). "
        "Không thể rà soát; vui lòng gửi bản có lớp văn bản hoặc bật nhận dạng ký tự (OCR)."
    )


class TooManyPages(ReviewError):
    code = "too_many_pages"
    status = 413
    default_message = "Tài liệu có quá nhiều trang."


class ArchiveTooLarge(ReviewError):
    code = "archive_bomb"
    status = 413
    default_message = (
        "Tệp nén bên trong tài liệu giải nén ra dung lượng quá lớn (nghi ngờ 'zip bomb'); đã từ chối."
    )


class ProcessingTimeout(ReviewError):
    code = "timeout"
    default_message = "Quá thời gian xử lý cho phép đối với một tài liệu."


class OcrUnavailable(ReviewError):
    code = "ocr_unavailable"
    default_message = (
        "Tài liệu là bản quét nhưng máy chưa cài công cụ nhận dạng ký tự (tesseract-ocr, "
        "tesseract-ocr-vie). Không thể rà soát nội dung; kết quả KHÔNG có nghĩa là hợp đồng không có vi phạm."
    )


class UnknownSector(ReviewError):
    code = "unknown_sector"
    status = 422
    default_message = "Mã lĩnh vực không hợp lệ (xem danh sách mã trong corpus/sectors.yaml)."
