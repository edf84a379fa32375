"""What the API routes and the web pages share: who is asking, submitting an upload for review,
finding a review the caller may see, rendering it."""
from __future__ import annotations

import asyncio
import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, UploadFile
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.analysis import Job, NotReady
from api.auth import COOKIE, LOCAL, LOOPBACK, Principal, bearer_token
from api.catalog import sectors
from api.errors import Forbidden, InvalidKey, InvalidParameter, NotFound, Unauthorized
from api.storage import ReviewRow, Store
from contract_review.errors import ReviewError
from contract_review.model import Report

PROFILES = ("business", "inspector")
READY_WAIT = 300.0  # seconds an upload waits for the engine while the server is starting


# ----------------------------------------------------------------------------- who is asking


def identify(request: Request) -> Principal | None:
    """The caller, or None when no key was presented (raises on a wrong key or a remote local-mode call)."""
    keys = request.app.state.keys
    if keys.local_mode:
        host = request.client.host if request.client else ""
        if host not in LOOPBACK:
            raise Forbidden("Máy chủ đang chạy ở chế độ một người dùng cục bộ (chưa cấu hình khóa API) nên chỉ "
                            "phục vụ từ chính máy này (127.0.0.1).")
        return LOCAL
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        token = request.cookies.get(COOKIE)
    if token is None:
        return None
    principal = keys.lookup(token)
    if principal is None:
        raise InvalidKey()
    return principal


_bearer = HTTPBearer(auto_error=False, scheme_name="khoa_api", description="Khóa API (vai trò inspector hoặc business)")


def current_principal(request: Request, _: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
    """FastAPI dependency for /v1: a valid key is required (401 otherwise). The HTTPBearer parameter only
    declares the scheme in the OpenAPI document (the Authorize button of /docs); `identify` checks it."""
    principal = identify(request)
    if principal is None:
        raise Unauthorized()
    return principal


def check_same_origin(request: Request) -> None:
    """Refuse state-changing browser requests sent from another site (cookie or local mode CSRF)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return  # scripts and API clients send no Origin; browsers always do on cross-site POSTs
    if urlsplit(origin).netloc != request.headers.get("host", ""):
        raise Forbidden("Yêu cầu đến từ một trang web khác đã bị từ chối.")


# ----------------------------------------------------------------------------- inputs


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_filename(name: str | None) -> str:
    """Base name only, NFC, no control characters, bounded length."""
    if not name:
        return "tai-lieu"
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = unicodedata.normalize("NFC", _CONTROL.sub("", base)).strip() or "tai-lieu"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 190] + dot + ext[:9]) if dot and len(ext) <= 9 else base[:200]
    return base


def check_profile(profile: str | None, default: str) -> str:
    if profile is None or profile == "":
        return default
    if profile not in PROFILES:
        raise InvalidParameter("Hồ sơ rà soát phải là «business» (cân bằng) hoặc «inspector» (ưu tiên không bỏ sót).")
    return profile


def check_sector(sector: str | None) -> str | None:
    if sector is None or not sector.strip():
        return None
    sector = sector.strip()
    known = sectors()
    if known and sector not in known:
        raise InvalidParameter(f"Lĩnh vực «{sector[:40]}» không có trong danh mục. Các mã hợp lệ: {', '.join(known)}.")
    return sector


# ----------------------------------------------------------------------------- reviews


async def submit(request: Request, upload: UploadFile, profile: str | None, sector: str | None,
                 principal: Principal) -> tuple[ReviewRow, Report]:
    state = request.app.state
    settings = state.settings
    # inspectors' keys review for recall by default; businesses (and local mode) get the balanced profile
    default = "inspector" if principal.is_inspector and not state.keys.local_mode else settings.profile
    profile = check_profile(profile, default)
    sector = check_sector(sector)
    name = clean_filename(upload.filename)
    data = await upload.read()
    analyzer = state.analyzer
    if not analyzer.ready.is_set() and analyzer.error is None:
        try:
            await asyncio.wait_for(analyzer.ready.wait(), READY_WAIT)
        except asyncio.TimeoutError:
            raise NotReady() from None
    result = await analyzer.review(Job(data=data, name=name, profile=profile, sector=sector))
    store: Store = state.store
    row = await run_in_threadpool(
        store.add_review, result.report, owner=principal.name, size_bytes=len(data), seconds=result.seconds,
        sector_hint=sector, upload=data if settings.keep_uploads else None)
    return row, result.report


def visible_review(store: Store, review_id: str, principal: Principal) -> ReviewRow:
    """The review if it exists and the caller may see it; 404 otherwise (a business key cannot tell
    another business's review from a missing one)."""
    row = store.get_review(review_id) if len(review_id) <= 64 else None
    if row is None or (not principal.is_inspector and row.owner != principal.name):
        raise NotFound("Không tìm thấy bản rà soát này (mã không đúng, đã bị xóa, hoặc không thuộc quyền xem của khóa API).")
    return row


def load_report(store: Store, review_id: str) -> Report:
    report = store.get_report(review_id)
    if report is None:
        raise NotFound("Không tìm thấy báo cáo của bản rà soát này.")
    return report


MEDIA = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "memo": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class RendererUnavailable(ReviewError):
    code = "format_unavailable"
    status = 404
    default_message = "Định dạng báo cáo này chưa có trên máy chủ (thiếu bộ xuất)."


def render_bytes(report: Report, fmt: str, source: bytes | None) -> bytes:
    from contract_review.render import render

    try:
        return render(report, fmt, source)
    except (ImportError, NotImplementedError) as e:
        raise RendererUnavailable() from e


def download_name(report: Report, fmt: str) -> str:
    from contract_review.render import EXTENSIONS

    stem = report.document.name.rsplit(".", 1)[0] or "bao-cao"
    return f"{stem}.rasoat{EXTENSIONS[fmt]}" if fmt != "memo" else f"{stem}.cong-van.docx"


def content_disposition(filename: str, inline: bool = False) -> str:
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode() or "bao-cao"
    ascii_name = re.sub(r'[^A-Za-z0-9._-]+', "-", ascii_name)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
