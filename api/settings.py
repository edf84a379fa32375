"""Server settings, read once from the environment (CONTRACT_REVIEW_*)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from contract_review.ingest.limits import Limits

MB = 1024 * 1024


def _env_bool(name: str, default: bool = False) -> bool:
    v = os.environ.get(name)
    if v is None or not v.strip():
        return default
    return v.strip().lower() in ("1", "true", "yes", "on")


def _env_float(name: str, default: float) -> float:
    v = os.environ.get(name, "").strip()
    try:
        return float(v) if v else default
    except ValueError:
        raise ValueError(f"{name}={v!r} is not a number") from None


def _env_int(name: str, default: int) -> int:
    return int(_env_float(name, default))


def default_workers() -> int:
    # Analysis is CPU-bound Python: one process per core, at most 4 (each holds its own engine).
    return max(1, min(4, os.cpu_count() or 1))


@dataclass
class Settings:
    data_dir: Path = field(default_factory=lambda: Path("data"))
    database_url: str | None = None  # None -> SQLite file under data_dir
    keep_uploads: bool = False
    timeout: float = 60.0  # seconds of analysis per document
    max_bytes: int = 20 * MB
    workers: int = field(default_factory=default_workers)  # 0 -> analyse in threads of this process
    max_pending: int = 64  # uploads waiting for a worker before the server answers 503
    api_keys: str | None = None  # "name:role:key,..." (CONTRACT_REVIEW_API_KEYS)
    keys_file: Path | None = None  # YAML list of {name, role, key | key_sha256}
    profile: str = "business"  # default review profile for uploads that do not name one

    @classmethod
    def from_env(cls) -> "Settings":
        keys_file = os.environ.get("CONTRACT_REVIEW_KEYS_FILE", "").strip()
        return cls(
            data_dir=Path(os.environ.get("CONTRACT_REVIEW_DATA_DIR", "").strip() or "data"),
            database_url=os.environ.get("CONTRACT_REVIEW_DATABASE_URL", "").strip() or None,
            keep_uploads=_env_bool("CONTRACT_REVIEW_KEEP_UPLOADS"),
            timeout=_env_float("CONTRACT_REVIEW_TIMEOUT", 60.0),
            max_bytes=_env_int("CONTRACT_REVIEW_MAX_BYTES", 20 * MB),
            workers=_env_int("CONTRACT_REVIEW_WORKERS", default_workers()),
            api_keys=os.environ.get("CONTRACT_REVIEW_API_KEYS", "").strip() or None,
            keys_file=Path(keys_file) if keys_file else None,
            profile=os.environ.get("CONTRACT_REVIEW_PROFILE", "").strip() or "business",
        )

    @property
    def limits(self) -> Limits:
        return Limits(max_bytes=self.max_bytes)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'contract-review.db').resolve()}"
