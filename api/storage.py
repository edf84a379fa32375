"""Persistence (SQLAlchemy 2): review metadata, the report JSON, reviewers' feedback and, only when
CONTRACT_REVIEW_KEEP_UPLOADS=1, the uploaded file. SQLite by default, PostgreSQL (or any SQLAlchemy
URL) via CONTRACT_REVIEW_DATABASE_URL. The schema is created / upgraded by Alembic at start-up
(api/migrations). Also `export_feedback`, used by `contract-review feedback export`.
"""
from __future__ import annotations

import json
import logging
import threading
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import (
    DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, create_engine, delete,
    event, func, select,
)
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from contract_review.errors import ReviewError
from contract_review.model import Report

log = logging.getLogger("contract_review.api")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_migrate_lock = threading.Lock()


class DatabaseNotFound(ReviewError):
    code = "database_not_found"
    status = 404
    default_message = "Không tìm thấy cơ sở dữ liệu của máy chủ rà soát."


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


# ----------------------------------------------------------------------------- tables


class Base(DeclarativeBase):
    pass


class ReviewRow(Base):
    __tablename__ = "reviews"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # insertion order
    id: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    owner: Mapped[str] = mapped_column(String(100), index=True)  # API key name that uploaded it
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    size_bytes: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer, nullable=True)
    profile: Mapped[str] = mapped_column(String(16))
    sector_hint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sector: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    verdict: Mapped[str] = mapped_column(String(32), index=True)
    findings: Mapped[int] = mapped_column(Integer)
    max_severity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    seconds: Mapped[float] = mapped_column(Float)
    schema_version: Mapped[str] = mapped_column(String(16))


class ReportRow(Base):
    __tablename__ = "reports"

    review_id: Mapped[str] = mapped_column(String(32), ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True)
    report_json: Mapped[str] = mapped_column(Text)


class UploadRow(Base):
    __tablename__ = "uploads"

    review_id: Mapped[str] = mapped_column(String(32), ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class FeedbackRow(Base):
    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("review_id", "finding_id", name="uq_feedback_finding"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[str] = mapped_column(String(32), ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[str] = mapped_column(String(16))
    clause_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(32))
    verdict: Mapped[str] = mapped_column(String(16))  # confirmed | rejected
    note: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# ----------------------------------------------------------------------------- store


@dataclass
class Page:
    items: list[ReviewRow]
    total: int


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA secure_delete=ON")  # DELETE overwrites a review's pages: contracts can be confidential
    cur.close()


def make_engine(url: str) -> SAEngine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: SAEngine) -> None:
    """Create or upgrade the schema to the latest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with _migrate_lock, engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        migrate(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        return self._session()

    # ------------------------------------------------------------------ reviews
    def add_review(self, report: Report, *, owner: str, size_bytes: int, seconds: float,
                   sector_hint: str | None, upload: bytes | None) -> ReviewRow:
        """Store a new review; sets `report.id`."""
        review_id = uuid.uuid4().hex
        report.id = review_id
        row = ReviewRow(
            id=review_id, created_at=utcnow(), owner=owner, name=report.document.name[:255],
            sha256=report.document.sha256, kind=report.document.kind, size_bytes=size_bytes,
            pages=report.document.pages, profile=report.profile, sector_hint=sector_hint,
            sector=report.registration.sector or sector_hint, verdict=report.summary.verdict,
            findings=report.summary.findings,
            max_severity=report.summary.max_severity.value if report.summary.max_severity else None,
            seconds=round(seconds, 3), schema_version=report.schema_version,
        )
        with self.session() as s, s.begin():
            s.add(row)
            s.flush()  # the review row must exist before rows that reference it
            s.add(ReportRow(review_id=review_id, report_json=report.model_dump_json()))
            if upload is not None:
                s.add(UploadRow(review_id=review_id, data=upload))
        return row

    def list_reviews(self, *, owner: str | None = None, verdict: str | None = None, sector: str | None = None,
                     limit: int = 20, offset: int = 0) -> Page:
        q = select(ReviewRow)
        if owner is not None:
            q = q.where(ReviewRow.owner == owner)
        if verdict:
            q = q.where(ReviewRow.verdict == verdict)
        if sector:
            q = q.where(ReviewRow.sector == sector)
        with self.session() as s:
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            items = list(s.scalars(q.order_by(ReviewRow.seq.desc()).limit(limit).offset(offset)))
        return Page(items=items, total=total)

    def get_review(self, review_id: str) -> ReviewRow | None:
        with self.session() as s:
            return s.scalar(select(ReviewRow).where(ReviewRow.id == review_id))

    def get_report(self, review_id: str) -> Report | None:
        """The stored report with each finding's current feedback filled in."""
        with self.session() as s:
            raw = s.scalar(select(ReportRow.report_json).where(ReportRow.review_id == review_id))
            if raw is None:
                return None
            fb = {f.finding_id: f.verdict for f in s.scalars(select(FeedbackRow).where(FeedbackRow.review_id == review_id))}
        report = Report.model_validate_json(raw)
        for f in report.findings:
            f.feedback = fb.get(f.id)  # type: ignore[assignment]
        return report

    def get_upload(self, review_id: str) -> bytes | None:
        with self.session() as s:
            return s.scalar(select(UploadRow.data).where(UploadRow.review_id == review_id))

    def delete_review(self, review_id: str) -> bool:
        """Remove everything of a review: feedback, upload, report, metadata."""
        with self.session() as s, s.begin():
            for table in (FeedbackRow, UploadRow, ReportRow):
                s.execute(delete(table).where(table.review_id == review_id))
            return s.execute(delete(ReviewRow).where(ReviewRow.id == review_id)).rowcount > 0

    # ------------------------------------------------------------------ feedback
    def set_feedback(self, review_id: str, finding_id: str, *, verdict: str, note: str, author: str,
                     code: str, clause_id: str) -> FeedbackRow:
        """One verdict per finding; a later verdict replaces the earlier one."""
        now = utcnow()
        with self.session() as s, s.begin():
            row = s.scalar(select(FeedbackRow).where(FeedbackRow.review_id == review_id,
                                                     FeedbackRow.finding_id == finding_id))
            if row is None:
                row = FeedbackRow(review_id=review_id, finding_id=finding_id, created_at=now)
                s.add(row)
            row.verdict, row.note, row.author, row.code, row.clause_id, row.updated_at = (
                verdict, note, author, code, clause_id, now)
        return row

    def feedback_for(self, review_id: str) -> list[FeedbackRow]:
        with self.session() as s:
            return list(s.scalars(select(FeedbackRow).where(FeedbackRow.review_id == review_id)
                                  .order_by(FeedbackRow.id)))

    def reviews_with_feedback(self) -> Iterator[tuple[ReviewRow, Report, list[FeedbackRow]]]:
        with self.session() as s:
            ids = list(s.scalars(select(FeedbackRow.review_id).distinct()))
        for rid in sorted(ids):
            row, report = self.get_review(rid), self.get_report(rid)
            if row is not None and report is not None:
                yield row, report, self.feedback_for(rid)


# ----------------------------------------------------------------------------- feedback export


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def feedback_records(store: Store) -> Iterator[dict[str, Any]]:
    """Reviewed findings as labeled clauses in the corpus record format (corpus/README.md).

    One record per reviewed clause: labels are the confirmed codes; a clause whose findings were all
    rejected gets `labels: []` and is marked a hard negative (a fair clause our system mistook for an
    unfair one). The note says who decided what, for the person merging it into the corpus.
    """
    for row, report, feedback in store.reviews_with_feedback():
        findings = {f.id: f for f in report.findings}
        by_clause: dict[str, list[FeedbackRow]] = {}
        for fb in feedback:
            if fb.finding_id in findings:
                by_clause.setdefault(findings[fb.finding_id].clause_id, []).append(fb)
        doc_id = f"feedback-{row.id[:12]}"
        for n, (clause_id, fbs) in enumerate(sorted(by_clause.items(), key=lambda kv: findings[kv[1][0].finding_id].start), 1):
            first = findings[fbs[0].finding_id]
            confirmed = sorted({findings[f.finding_id].code for f in fbs if f.verdict == "confirmed"})
            parts = []
            for f in fbs:
                action = "xác nhận" if f.verdict == "confirmed" else "bác bỏ"
                part = f"{action} {findings[f.finding_id].code} ({f.finding_id}, {f.author})"
                if f.note.strip():
                    part += f": {f.note.strip()}"
                parts.append(part)
            yield {
                "id": f"{doc_id}-{n:03d}",
                "text": _nfc(first.text.strip()),
                "labels": confirmed,
                "sector": row.sector or "",
                "doc_kind": report.document.contract_kind,
                "doc_id": doc_id,
                "note": _nfc(f"Phản hồi người rà soát cho «{row.name}», điều khoản {clause_id}: " + "; ".join(parts)),
                "hard_negative": not confirmed,
            }


def export_feedback(out_path: str | Path, database_url: str | None = None) -> int:
    """Write reviewed findings to `out_path` (JSONL, corpus format); returns the number of records."""
    from api.settings import Settings

    settings = Settings.from_env()
    url = database_url or settings.database_url
    if url is None:
        db = settings.data_dir / "contract-review.db"
        if not db.exists():
            raise DatabaseNotFound(f"Không tìm thấy cơ sở dữ liệu {db} (đặt CONTRACT_REVIEW_DATA_DIR hoặc "
                                   "CONTRACT_REVIEW_DATABASE_URL, hoặc dùng --database).")
        url = f"sqlite:///{db.resolve()}"
    elif url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        raise DatabaseNotFound(f"Không tìm thấy cơ sở dữ liệu {url[len('sqlite:///'):]}.")
    store = Store(url)
    try:
        out = Path(out_path)
        out.parent.mkdir(parents=True, exist_ok=True)
        n = 0
        with out.open("w", encoding="utf-8") as fh:
            for rec in feedback_records(store):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
        return n
    finally:
        store.close()
