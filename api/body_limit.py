"""Request body limit enforced while streaming: a declared Content-Length over the limit is refused
before any byte is read, and a chunked body is counted as it arrives and cut off at the limit, so a
huge upload never fills memory or disk."""
from __future__ import annotations

import html
import json

from starlette.exceptions import HTTPException

from contract_review.errors import FileTooLarge

MB = 1024 * 1024
MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers and the small form fields around the file


def too_large(limit: int) -> FileTooLarge:
    return FileTooLarge(f"Tệp vượt giới hạn {limit / MB:.0f} MB cho mỗi tài liệu. Vui lòng nén ảnh, tách tài liệu "
                        "hoặc gửi bản PDF/DOCX có lớp văn bản.")


PAGE = ("<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Tệp quá lớn</title>"
        "<link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main class=\"page\">"
        "<h1>Không tải lên được</h1><div class=\"alert\" role=\"alert\">{message}</div>"
        "<p><a href=\"/\">« Về trang tải lên</a></p></main></body></html>")


class BodyTooLarge(HTTPException):
    """Raised from inside the app's body reading; turned into a 413 JSON answer by the error handlers."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413)
        self.error = too_large(limit)


class BodySizeLimit:
    def __init__(self, app, max_file_bytes: int) -> None:
        self.app = app
        self.file_limit = max_file_bytes
        self.limit = max_file_bytes + MULTIPART_OVERHEAD

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = None
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    declared = int(v)
                except ValueError:
                    declared = None
        if declared is not None and declared > self.limit:
            error = too_large(self.file_limit)
            accept = dict(scope.get("headers", [])).get(b"accept", b"")
            if b"text/html" in accept and not scope.get("path", "").startswith("/v1/"):
                # the web form without JavaScript: a page, not JSON
                body = PAGE.format(message=html.escape(error.message)).encode("utf-8")
                ctype = b"text/html; charset=utf-8"
            else:
                body = json.dumps(error.to_dict(), ensure_ascii=False).encode("utf-8")
                ctype = b"application/json; charset=utf-8"
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", ctype),
                                    (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": body})
            return
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.file_limit)
            return message

        await self.app(scope, counted_receive, send)
