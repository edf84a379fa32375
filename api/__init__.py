"""The HTTP face of contract-review: FastAPI app (`api.app:create_app`), storage, access control and
the inspectors' web page. It stands on `contract_review.pipeline`; the library never imports it."""
