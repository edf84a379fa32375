"""The HTTP face of contract-review: FastAPI app (`api.app:create_app`, run by `contract-review serve`),
storage, access control and the inspectors' web page. It stands on `contract_review.pipeline`; the
library never imports it.

Configuration (environment):

| variable | default | meaning |
|---|---|---|
| CONTRACT_REVIEW_DATA_DIR | ./data | directory of the SQLite database (created on first run) |
| CONTRACT_REVIEW_DATABASE_URL | SQLite in the data dir | any SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@host/db (`pip install contract-review[postgres]`) |
| CONTRACT_REVIEW_KEEP_UPLOADS | 0 | 1 = keep the uploaded file (the Word download is then the original with comments) |
| CONTRACT_REVIEW_TIMEOUT | 60 | seconds of analysis per document; over it -> 422 `timeout` |
| CONTRACT_REVIEW_MAX_BYTES | 20971520 | upload limit, enforced while the body streams in -> 413 |
| CONTRACT_REVIEW_WORKERS | CPU cores (max 4) | analysis worker processes; 0 = threads in the server process |
| CONTRACT_REVIEW_API_KEYS | — | `name:role:key,...` with role inspector or business |
| CONTRACT_REVIEW_KEYS_FILE | — | YAML list of {name, role, key} or {name, role, key_sha256} |
| CONTRACT_REVIEW_PROFILE | business | review profile for uploads that name none (inspector keys default to inspector) |

With no key configured the server runs in single-user local mode and serves loopback clients only.
Schema migrations (Alembic) live in api/migrations and run at start-up.
"""
