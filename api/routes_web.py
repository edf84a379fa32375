"""The inspectors' web page (server-rendered Jinja2, small vanilla JS in /static/app.js).

Every flow works without JavaScript: the upload form posts to /reviews and redirects to the review
page; the Đúng / Sai buttons are ordinary forms. With JavaScript: drag-and-drop, an upload progress bar,
and feedback without reloading the page.
"""
from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth import COOKIE, Principal
from api.catalog import category_dict, rule_dict, rule_library, sectors
from api.errors import InvalidKey
from api.routes_api import record_feedback
from api.security import page_csp
from api.service import (
    RendererUnavailable, check_same_origin, identify, load_report, render_bytes, submit, visible_review,
)
from api.storage import as_utc
from contract_review.errors import ReviewError
from contract_review.model import Report

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
VERDICT_VI = {"ready": "Sẵn sàng", "needs_changes": "Cần sửa đổi", "unreadable": "Chưa đọc được hết"}
SEVERITY_VI = {"high": "Cao", "medium": "Trung bình", "low": "Thấp"}
FEEDBACK_VI = {"confirmed": "Đã xác nhận: phát hiện đúng", "rejected": "Đã bác bỏ: phát hiện sai"}


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


async def login_redirect(request: Request, exc: LoginRequired):
    resp = RedirectResponse(f"/login?next={quote(exc.next_url, safe='/')}", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


def page_principal(request: Request) -> Principal:
    try:
        principal = identify(request)
    except InvalidKey:  # revoked key in the cookie: log in again
        raise LoginRequired(request.url.path) from None
    if principal is None:
        raise LoginRequired(request.url.path)
    return principal


def page(request: Request, name: str, context: dict, status: int = 200, scripts: list[str] | None = None) -> HTMLResponse:
    templates = request.app.state.templates
    ctx = {"local_mode": request.app.state.keys.local_mode, **context}
    resp = templates.TemplateResponse(request, name, ctx, status_code=status)
    resp.headers["Content-Security-Policy"] = page_csp(scripts)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _date(dt) -> str:
    return as_utc(dt).astimezone().strftime("%d/%m/%Y %H:%M")


# ----------------------------------------------------------------------------- list + upload


def index_context(request: Request, principal: Principal, page_no: int, verdict: str | None, sector: str | None) -> dict:
    store = request.app.state.store
    verdict = verdict if verdict in VERDICT_VI else None
    sector = sector or None
    listing = store.list_reviews(owner=principal.owner_filter(), verdict=verdict, sector=sector,
                                 limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    pages = max(1, -(-listing.total // PAGE_SIZE))
    return {
        "principal": principal, "reviews": listing.items, "total": listing.total, "page_no": page_no, "pages": pages,
        "verdict": verdict, "sector": sector, "sectors": sectors(), "VERDICT_VI": VERDICT_VI,
        "SEVERITY_VI": SEVERITY_VI, "fmt_date": _date, "max_mb": request.app.state.settings.max_bytes / 1048576,
        "max_bytes": request.app.state.settings.max_bytes,
        "error": None,
    }


@router.get("/favicon.ico")
def favicon():
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, page_no: int = Query(1, alias="page", ge=1, le=100000), verdict: str | None = None,
          sector: str | None = Query(None, max_length=64)):
    principal = page_principal(request)
    return page(request, "index.html", index_context(request, principal, page_no, verdict, sector))


@router.post("/reviews", response_class=HTMLResponse)
async def upload(request: Request, file: UploadFile | None = File(None), profile: str | None = Form(None),
                 sector: str | None = Form(None)):
    principal = page_principal(request)
    check_same_origin(request)
    try:
        if file is None or not file.filename:
            raise ReviewError("Chưa chọn tệp hợp đồng để rà soát.")
        row, _ = await submit(request, file, profile or None, sector or None, principal)
    except ReviewError as e:
        ctx = await run_in_threadpool(index_context, request, principal, 1, None, None)
        ctx["error"] = e.message
        return page(request, "index.html", ctx, status=e.status if 400 <= e.status < 600 else 422)
    return RedirectResponse(f"/reviews/{row.id}", status_code=303)


# ----------------------------------------------------------------------------- review page


def _hash(script: str) -> str:
    return base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def review_page_html(request: Request, report: Report, row, principal: Principal) -> tuple[str, list[str]]:
    """The HTML report with our toolbar on top and Đúng / Sai forms under each finding.

    Returns the page and the hashes of its inline scripts (the report's own filter script), which the
    Content-Security-Policy allows by hash."""
    from bs4 import BeautifulSoup

    env = request.app.state.templates.env
    feedback = {f.finding_id: f for f in request.app.state.store.feedback_for(row.id)}
    toolbar = env.get_template("_toolbar.html").render(
        row=row, report=report, principal=principal, feedback=feedback, VERDICT_VI=VERDICT_VI,
        local_mode=request.app.state.keys.local_mode, fmt_date=_date)
    form = env.get_template("_feedback.html")
    try:
        html = render_bytes(report, "html", None).decode("utf-8")
    except RendererUnavailable:
        html = env.get_template("report_fallback.html").render(report=report, SEVERITY_VI=SEVERITY_VI)
    soup = BeautifulSoup(html, "lxml")
    for meta in soup.find_all("meta", attrs={"http-equiv": True}):
        if meta["http-equiv"].lower() == "content-security-policy":
            meta.decompose()  # replaced by our header, which also allows our script and forms
    head = soup.head or soup.new_tag("head")
    head.append(soup.new_tag("link", rel="icon", href="/static/favicon.svg", type="image/svg+xml"))
    head.append(soup.new_tag("link", rel="stylesheet", href="/static/app.css"))
    head.append(soup.new_tag("script", src="/static/app.js", defer=True))
    body = soup.body
    body["class"] = body.get("class", []) + ["with-toolbar"]
    body.insert(0, BeautifulSoup(toolbar, "html.parser"))
    for f in report.findings:
        target = soup.find(id=f.id)
        if target is None:
            continue
        target.append(BeautifulSoup(form.render(row=row, finding=f, fb=feedback.get(f.id), principal=principal,
                                                FEEDBACK_VI=FEEDBACK_VI), "html.parser"))
    scripts = [_hash(s.string or "") for s in soup.find_all("script") if not s.get("src")]
    return str(soup), scripts


@router.get("/reviews/{review_id}", response_class=HTMLResponse)
def review_page(request: Request, review_id: str):
    principal = page_principal(request)
    store = request.app.state.store
    row = visible_review(store, review_id, principal)
    report = load_report(store, review_id)
    html, scripts = review_page_html(request, report, row, principal)
    return HTMLResponse(html, headers={"Content-Security-Policy": page_csp(scripts), "Cache-Control": "no-store"})


@router.post("/reviews/{review_id}/findings/{finding_id}/feedback")
def feedback_form(request: Request, review_id: str, finding_id: str,
                  verdict: str = Form(...), note: str = Form("", max_length=2000)):
    principal = page_principal(request)
    check_same_origin(request)
    if verdict not in ("confirmed", "rejected"):
        raise ReviewError("Kết luận phải là «confirmed» (Đúng) hoặc «rejected» (Sai).")
    record_feedback(request.app.state.store, review_id, finding_id, verdict, note, principal)
    return RedirectResponse(f"/reviews/{review_id}#{finding_id}", status_code=303)


@router.post("/reviews/{review_id}/delete")
def delete_form(request: Request, review_id: str):
    principal = page_principal(request)
    check_same_origin(request)
    store = request.app.state.store
    visible_review(store, review_id, principal)
    store.delete_review(review_id)
    return RedirectResponse("/", status_code=303)


# ----------------------------------------------------------------------------- rules


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request):
    principal = page_principal(request)
    from contract_review.analyze.categories import categories

    lib = rule_library()
    by_code: dict[str, list[dict]] = {}
    for r in lib.rules:
        by_code.setdefault(r.code, []).append(rule_dict(r, full=True))
    cats = [category_dict(c) for c in categories().values()]
    return page(request, "rules.html", {"principal": principal, "categories": cats, "rules": by_code,
                                        "version": lib.version, "count": len(lib.rules), "SEVERITY_VI": SEVERITY_VI})


# ----------------------------------------------------------------------------- login


def _safe_next(next_url: str | None) -> str:
    # only local paths: never redirect to another site after login
    if not next_url or not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        return "/"
    return next_url


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = Query(None, max_length=500)):
    if request.app.state.keys.local_mode:
        return RedirectResponse("/", status_code=303)
    return page(request, "login.html", {"next": _safe_next(next), "error": None, "principal": None})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, key: str = Form("", max_length=500), next: str = Form("/", max_length=500)):
    check_same_origin(request)
    keys = request.app.state.keys
    principal = keys.lookup(key.strip()) if key.strip() else None
    if principal is None:
        return page(request, "login.html", {"next": _safe_next(next), "principal": None,
                                            "error": "Khóa API không đúng hoặc đã bị thu hồi."}, status=401)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(COOKIE, key.strip(), httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")
    return resp


@router.post("/logout")
def logout(request: Request) -> Response:
    check_same_origin(request)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp
