"""The FastAPI application: `uvicorn api.app:create_app --factory` (what `contract-review serve` runs).

At start-up: settings from the environment, API keys, the database (created / migrated), and the
analysis engine, loaded once (in worker processes by default) while the server already answers
/healthz; /readyz turns 200 when the engine is loaded.
"""
from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.analysis import make_analyzer
from api.auth import KeyRing
from api.body_limit import BodySizeLimit
from api.errors import install_error_handlers
from api.routes_api import router as api_router
from api.routes_web import LoginRequired, login_redirect
from api.routes_web import router as web_router
from api.security import SecurityHeaders
from api.settings import Settings
from api.storage import Store
from contract_review import __version__

HERE = Path(__file__).resolve().parent
log = logging.getLogger("contract_review.api")

DESCRIPTION = """Rà soát hợp đồng theo mẫu và điều kiện giao dịch chung theo Luật Bảo vệ quyền lợi người tiêu dùng
số 19/2023/QH15, Nghị định 55/2024/NĐ-CP và Bộ luật Dân sự.

Xác thực: `Authorization: Bearer <khóa API>` (vai trò `inspector` xem mọi bản rà soát và gửi phản hồi; `business`
chỉ xem bản rà soát của mình). Lỗi luôn có dạng `{"error": {"code": ..., "message": ...}}` với mã HTTP 4xx."""


def _setup_logging() -> None:
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def create_app(settings: Settings | None = None, *, engine=None) -> FastAPI:
    """Build the app. `engine`: an already loaded contract_review Engine to use in threads (tests)."""
    _setup_logging()
    settings = settings or Settings.from_env()
    keys = KeyRing.load(settings.api_keys, settings.keys_file)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store = Store(settings.resolved_database_url())
        analyzer = make_analyzer(settings, engine)
        app.state.store, app.state.analyzer = store, analyzer
        if keys.local_mode:
            log.warning("Chế độ một người dùng cục bộ: chưa cấu hình khóa API (CONTRACT_REVIEW_API_KEYS / "
                        "CONTRACT_REVIEW_KEYS_FILE) nên chỉ phục vụ yêu cầu từ 127.0.0.1.")
        else:
            log.info("Xác thực bằng khóa API: %d khóa (%s).", len(keys.entries),
                     ", ".join(f"{e.name}/{e.role}" for e in keys.entries))
        log.info("Lưu trữ: %s; giữ tệp tải lên: %s; giới hạn %.0f MB, %g giây mỗi tài liệu.",
                 store.engine.url.render_as_string(hide_password=True), "có" if settings.keep_uploads else "không",
                 settings.max_bytes / 1048576, settings.timeout)
        t = time.perf_counter()

        async def start() -> None:
            await analyzer.start()
            if analyzer.ready.is_set():
                st = analyzer.status()
                unit = "tiến trình" if st.mode == "process" else "luồng"
                log.info("Bộ phân tích sẵn sàng sau %.1f s (%d %s phân tích).", time.perf_counter() - t,
                         st.ready_workers, unit)

        starting = asyncio.create_task(start())
        try:
            yield
        finally:
            starting.cancel()
            await analyzer.close()
            store.close()

    app = FastAPI(title="contract-review — Rà soát hợp đồng theo mẫu", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings, app.state.keys = settings, keys
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    install_error_handlers(app)
    app.add_exception_handler(LoginRequired, login_redirect)
    _offline_docs(app)
    app.include_router(api_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, max_file_bytes=settings.max_bytes)
    return app


def _offline_docs(app: FastAPI) -> None:
    """OpenAPI docs at /docs with Swagger UI served from the installed package, not from a CDN."""
    from fastapi.openapi.docs import get_swagger_ui_html

    try:
        import fastapi_offline
    except ImportError:  # pragma: no cover - dependency missing: fall back to FastAPI's CDN page
        from fastapi.openapi.docs import get_swagger_ui_html as page

        @app.get("/docs", include_in_schema=False)
        def docs_cdn():
            return page(openapi_url="/openapi.json", title=app.title)
        return
    assets = Path(fastapi_offline.__file__).resolve().parent / "static"
    app.mount("/docs-static", StaticFiles(directory=str(assets)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} — API",
                                   swagger_js_url="/docs-static/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-static/swagger-ui.css",
                                   swagger_favicon_url="/docs-static/favicon.png")
