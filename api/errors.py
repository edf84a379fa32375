"""API errors and the handlers that turn every failure into `{"error": {"code", "message"}}` with a
Vietnamese message (HTML error page for the web pages); never a stack trace in a response."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.body_limit import BodyTooLarge
from contract_review.errors import ReviewError

log = logging.getLogger("contract_review.api")


class ApiError(ReviewError):
    """Errors of the HTTP face (not about the document): same shape as the library's typed errors."""

    code = "api_error"
    status = 400


class Unauthorized(ApiError):
    code = "unauthorized"
    status = 401
    default_message = "Thiếu khóa API. Gửi tiêu đề «Authorization: Bearer <khóa>» hoặc đăng nhập trên trang web."


class InvalidKey(Unauthorized):
    code = "invalid_key"
    default_message = "Khóa API không hợp lệ hoặc đã bị thu hồi."


class Forbidden(ApiError):
    code = "forbidden"
    status = 403
    default_message = "Khóa API này không có quyền thực hiện thao tác."


class NotFound(ApiError):
    code = "not_found"
    status = 404
    default_message = "Không tìm thấy."


class BadRequest(ApiError):
    code = "bad_request"
    status = 400
    default_message = "Yêu cầu không hợp lệ."


class InvalidParameter(ApiError):
    code = "invalid_parameter"
    status = 422
    default_message = "Tham số không hợp lệ."


HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("unauthorized", Unauthorized.default_message),
    403: ("forbidden", Forbidden.default_message),
    404: ("not_found", "Không có địa chỉ này trên máy chủ rà soát."),
    405: ("method_not_allowed", "Phương thức HTTP không được hỗ trợ cho địa chỉ này."),
    406: ("not_acceptable", "Không có định dạng trả về phù hợp."),
    413: ("file_too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Kiểu dữ liệu gửi lên không được hỗ trợ."),
}

FIELD_NAMES = {"file": "tệp hợp đồng (trường «file»)", "verdict": "kết luận («confirmed» hoặc «rejected»)",
               "note": "ghi chú", "profile": "hồ sơ rà soát («business» hoặc «inspector»)",
               "sector": "lĩnh vực", "limit": "số bản ghi mỗi trang (limit)", "offset": "vị trí bắt đầu (offset)"}


def validation_message(errors: list[dict]) -> str:
    parts = []
    for e in errors[:5]:
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path", "header", "cookie")]
        field = FIELD_NAMES.get(loc[-1], loc[-1]) if loc else "nội dung yêu cầu"
        kind = e.get("type", "")
        if kind == "missing":
            parts.append(f"thiếu {field}")
        elif kind == "json_invalid":
            parts.append("nội dung không phải JSON hợp lệ")
        elif kind in ("literal_error", "enum"):
            parts.append(f"{field}: giá trị không hợp lệ")
        elif kind.startswith("string_too_long"):
            parts.append(f"{field}: quá dài")
        elif "type" in kind or kind.endswith("_parsing"):
            parts.append(f"{field}: sai kiểu dữ liệu")
        else:
            parts.append(f"{field}: không hợp lệ")
    return "Yêu cầu không hợp lệ: " + "; ".join(dict.fromkeys(parts)) + "."


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/v1/") or path in ("/healthz", "/readyz", "/openapi.json"):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_response(request: Request, status: int, code: str, message: str, headers: dict | None = None):
    if wants_html(request):
        templates = request.app.state.templates
        return templates.TemplateResponse(request, "error.html", {"status": status, "code": code, "message": message},
                                          status_code=status, headers=headers)
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ReviewError)
    async def _review_error(request: Request, exc: ReviewError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if exc.status == 503:
            headers = {"Retry-After": "30"}
        return error_response(request, exc.status, exc.code, exc.message, headers)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge):
        return error_response(request, 413, exc.error.code, exc.error.message, {"Connection": "close"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400:  # FastAPI's "error parsing the body": same answer as any invalid request
            return error_response(request, 422, "invalid_request", "Nội dung yêu cầu không đọc được (JSON hoặc "
                                  "biểu mẫu multipart không hợp lệ, hoặc không phải UTF-8).")
        code, message = HTTP_MESSAGES.get(exc.status_code, ("http_error", "Yêu cầu không thực hiện được."))
        if exc.status_code >= 500:  # never leak a server-side detail
            code, message = "internal_error", "Lỗi nội bộ của máy chủ rà soát."
        return error_response(request, exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        return error_response(request, 422, "invalid_request", validation_message(list(exc.errors())))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        log.exception("internal error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal_error",
                              "Lỗi nội bộ của máy chủ rà soát. Lỗi đã được ghi lại; vui lòng thử lại hoặc báo quản trị viên.")

