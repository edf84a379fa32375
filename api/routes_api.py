"""The JSON API under /v1, plus /healthz and /readyz."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.auth import Principal
from api.catalog import category_dict, rule_dict, rule_library
from api.errors import Forbidden, NotFound
from api.service import (
    MEDIA, check_same_origin, content_disposition, current_principal, download_name, load_report, render_bytes,
    submit, visible_review,
)
from api.storage import ReviewRow, Store, as_utc
from contract_review.model import Report

router = APIRouter()

ID = Path(..., min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="Mã bản rà soát")
FID = Path(..., min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_.-]+$", description="Mã phát hiện, ví dụ F3")


# ----------------------------------------------------------------------------- response models


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


ERRORS = {s: {"model": ErrorResponse} for s in (401, 403, 404, 422)}
UPLOAD_ERRORS = {**ERRORS, 413: {"model": ErrorResponse}, 415: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}


class ReviewSummary(BaseModel):
    id: str
    created_at: datetime
    name: str
    kind: str
    pages: int | None
    size_bytes: int
    sha256: str
    profile: str
    sector: str | None
    verdict: str
    findings: int
    max_severity: str | None
    seconds: float
    owner: str
    links: dict[str, str]


class ReviewList(BaseModel):
    items: list[ReviewSummary]
    total: int
    limit: int
    offset: int


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["confirmed", "rejected"] = Field(description="confirmed = phát hiện đúng; rejected = phát hiện sai")
    note: str = Field("", max_length=2000, description="Ghi chú của người rà soát")


class FeedbackOut(BaseModel):
    review_id: str
    finding_id: str
    code: str
    verdict: str
    note: str
    author: str
    updated_at: datetime


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    mode: str
    workers: int
    ready_workers: int
    busy: int
    pending: int
    versions: dict[str, str]
    storage: str
    local_mode: bool
    error: str | None = None


def links(review_id: str) -> dict[str, str]:
    base = f"/v1/reviews/{review_id}"
    return {"self": base, "json": f"{base}/report.json", "html": f"{base}/report.html",
            "docx": f"{base}/report.docx", "md": f"{base}/report.md", "memo": f"{base}/memo.docx",
            "page": f"/reviews/{review_id}"}


def summary(row: ReviewRow) -> ReviewSummary:
    return ReviewSummary(
        id=row.id, created_at=as_utc(row.created_at), name=row.name, kind=row.kind, pages=row.pages,
        size_bytes=row.size_bytes, sha256=row.sha256, profile=row.profile, sector=row.sector, verdict=row.verdict,
        findings=row.findings, max_severity=row.max_severity, seconds=row.seconds, owner=row.owner,
        links=links(row.id))


def store_of(request: Request) -> Store:
    return request.app.state.store


# ----------------------------------------------------------------------------- health


@router.get("/healthz", response_model=Health, tags=["vận hành"], summary="Máy chủ đang chạy")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, tags=["vận hành"], summary="Bộ phân tích đã nạp xong",
            responses={503: {"model": Readiness}})
def readyz(request: Request):
    st = request.app.state.analyzer.status()
    ready = request.app.state.analyzer.ready.is_set()
    body = Readiness(status="ready" if ready else "starting", mode=st.mode, workers=st.workers,
                     ready_workers=st.ready_workers, busy=st.busy, pending=st.pending, versions=st.versions,
                     storage=request.app.state.store.engine.dialect.name, local_mode=request.app.state.keys.local_mode,
                     error=st.error)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ready else 503)


# ----------------------------------------------------------------------------- reviews


@router.post("/v1/reviews", status_code=201, tags=["rà soát"], summary="Gửi một hợp đồng để rà soát",
             response_class=JSONResponse, responses={201: {"model": Report}, **UPLOAD_ERRORS})
async def create_review(
    request: Request,
    file: UploadFile = File(..., description="Tệp hợp đồng: DOCX, PDF (kể cả bản quét), TXT, MD, HTML, ảnh"),
    profile: Literal["business", "inspector"] | None = Form(None, description="business (cân bằng) | inspector (ưu tiên không bỏ sót)"),
    sector: str | None = Form(None, max_length=64, description="Gợi ý lĩnh vực (mã trong corpus/sectors.yaml)"),
    principal: Principal = Depends(current_principal),
):
    """Rà soát tệp và trả về báo cáo JSON (kèm `id` để lấy lại sau)."""
    check_same_origin(request)
    row, report = await submit(request, file, profile, sector, principal)
    return Response(report.model_dump_json(), status_code=201, media_type="application/json",
                    headers={"Location": f"/v1/reviews/{row.id}"})


@router.get("/v1/reviews", response_model=ReviewList, tags=["rà soát"], summary="Danh sách bản rà soát (mới nhất trước)",
            responses=ERRORS)
def list_reviews(
    request: Request,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=10_000_000),
    verdict: Literal["ready", "needs_changes", "unreadable"] | None = Query(None),
    sector: str | None = Query(None, max_length=64),
    principal: Principal = Depends(current_principal),
) -> ReviewList:
    page = store_of(request).list_reviews(owner=principal.owner_filter(), verdict=verdict, sector=sector,
                                          limit=limit, offset=offset)
    return ReviewList(items=[summary(r) for r in page.items], total=page.total, limit=limit, offset=offset)


@router.get("/v1/reviews/{review_id}", tags=["rà soát"], summary="Báo cáo JSON của một bản rà soát",
            response_class=JSONResponse, responses={200: {"model": Report}, **ERRORS})
def get_review(request: Request, review_id: str = ID, principal: Principal = Depends(current_principal)):
    store = store_of(request)
    visible_review(store, review_id, principal)
    return Response(load_report(store, review_id).model_dump_json(), media_type="application/json")


def _download(request: Request, review_id: str, fmt: str, principal: Principal) -> Response:
    store = store_of(request)
    visible_review(store, review_id, principal)
    report = load_report(store, review_id)
    source = store.get_upload(review_id) if fmt == "docx" else None
    data = render_bytes(report, fmt, source)
    inline = fmt in ("json", "html")
    return Response(data, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": content_disposition(download_name(report, fmt), inline)})


@router.get("/v1/reviews/{review_id}/report.{fmt}", tags=["rà soát"], summary="Tải báo cáo: json, html, docx (kèm nhận xét Word), md",
            responses={200: {"content": {MEDIA[f].split(";")[0]: {} for f in ("json", "html", "docx", "md")}}, **ERRORS})
async def get_report(request: Request, review_id: str = ID,
                     fmt: Literal["json", "html", "docx", "md"] = Path(..., description="Định dạng"),
                     principal: Principal = Depends(current_principal)):
    return await run_in_threadpool(_download, request, review_id, fmt, principal)


@router.get("/v1/reviews/{review_id}/memo.docx", tags=["rà soát"], summary="Tải dự thảo công văn đề nghị sửa đổi (DOCX)",
            responses={200: {"content": {MEDIA["memo"]: {}}}, **ERRORS})
async def get_memo(request: Request, review_id: str = ID, principal: Principal = Depends(current_principal)):
    return await run_in_threadpool(_download, request, review_id, "memo", principal)


@router.delete("/v1/reviews/{review_id}", status_code=204, tags=["rà soát"], summary="Xóa bản rà soát (báo cáo, phản hồi, tệp)",
               responses=ERRORS)
def delete_review(request: Request, review_id: str = ID, principal: Principal = Depends(current_principal)):
    check_same_origin(request)
    store = store_of(request)
    visible_review(store, review_id, principal)
    store.delete_review(review_id)
    return Response(status_code=204)


@router.post("/v1/reviews/{review_id}/findings/{finding_id}/feedback", response_model=FeedbackOut, tags=["rà soát"],
             summary="Xác nhận (Đúng) hoặc bác bỏ (Sai) một phát hiện", responses=ERRORS)
def post_feedback(request: Request, body: FeedbackIn, review_id: str = ID, finding_id: str = FID,
                  principal: Principal = Depends(current_principal)) -> FeedbackOut:
    check_same_origin(request)
    return record_feedback(store_of(request), review_id, finding_id, body.verdict, body.note, principal)


def record_feedback(store: Store, review_id: str, finding_id: str, verdict: str, note: str,
                    principal: Principal) -> FeedbackOut:
    visible_review(store, review_id, principal)
    if not principal.is_inspector:
        raise Forbidden("Chỉ khóa API của thanh tra viên (vai trò inspector) được xác nhận hoặc bác bỏ phát hiện.")
    report = load_report(store, review_id)
    finding = next((f for f in report.findings if f.id == finding_id), None)
    if finding is None:
        raise NotFound(f"Bản rà soát không có phát hiện «{finding_id}».")
    row = store.set_feedback(review_id, finding_id, verdict=verdict, note=note.strip(), author=principal.name,
                             code=finding.code, clause_id=finding.clause_id)
    return FeedbackOut(review_id=review_id, finding_id=finding_id, code=row.code, verdict=row.verdict, note=row.note,
                       author=row.author, updated_at=as_utc(row.updated_at))


# ----------------------------------------------------------------------------- rules and categories


@router.get("/v1/rules", tags=["quy tắc"], summary="Thư viện quy tắc", responses=ERRORS)
def list_rules(code: str | None = Query(None, max_length=32, description="Lọc theo mã (ví dụ A25.3)"),
               principal: Principal = Depends(current_principal)) -> dict:
    lib = rule_library()
    rules = [rule_dict(r) for r in lib.rules if code is None or r.code == code]
    return {"version": lib.version, "count": len(rules), "rules": rules}


@router.get("/v1/rules/{rule_id}", tags=["quy tắc"], summary="Một quy tắc, kèm ví dụ", responses=ERRORS)
def get_rule(rule_id: str = Path(..., max_length=120), principal: Principal = Depends(current_principal)) -> dict:
    rule = rule_library().by_id.get(rule_id)
    if rule is None:
        raise NotFound(f"Không có quy tắc «{rule_id[:120]}».")
    return rule_dict(rule, full=True)


@router.get("/v1/categories", tags=["quy tắc"], summary="Các mã phân loại và căn cứ pháp lý", responses=ERRORS)
def list_categories(principal: Principal = Depends(current_principal)) -> dict:
    from contract_review.analyze.categories import categories

    return {"categories": [category_dict(c) for c in categories().values()]}
