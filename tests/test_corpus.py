"""The labeled corpus: sizes and balance the product promises, format, no near-duplicates, and the
committed model trained on exactly this corpus."""
import collections
import json

import pytest

from contract_review.analyze.categories import CLAUSE_CODES
from contract_review.corpus import check_files, clauses_path, load

ROWS = load()


def test_sizes_and_balance():
    assert len(ROWS) >= 3000
    sectors = {r["sector"] for r in ROWS}
    assert len(sectors) >= 14
    assert {r["doc_kind"] for r in ROWS} == {"hop_dong_theo_mau", "dieu_kien_giao_dich_chung"}
    counts = collections.Counter(c for r in ROWS for c in r["labels"])
    for i in range(1, 15):
        assert counts[f"A25.{i}"] >= 120, f"A25.{i}"
    for code in ("A25.15", "P67", "F.ND6.5-CLARITY"):
        assert counts[code] >= 60, code
    fair = [r for r in ROWS if not r["labels"]]
    assert len(fair) >= 1500
    assert sum(1 for r in fair if r["hard_negative"]) >= 500
    lengths = [len(r["text"].split()) for r in ROWS]
    assert min(lengths) <= 8 and max(lengths) >= 100


def test_format_codes_and_no_near_duplicates():
    lines: list[str] = []
    assert check_files([str(clauses_path())], out=lines.append) == 0, [x for x in lines if x.startswith("PROBLEM")][:5]
    assert all(set(r["labels"]) <= set(CLAUSE_CODES) for r in ROWS)


def test_committed_model_was_trained_on_this_corpus():
    from contract_review.analyze.classifier import ClauseClassifier, models_dir
    from contract_review.training import file_sha256

    clf = ClauseClassifier.load()
    if clf is None:
        pytest.fail("no trained model in models/: run `make train`")
    assert clf.corpus_sha256 == file_sha256(clauses_path()), "corpus changed since training: run `make train`"
    metrics = json.loads((models_dir() / "metrics.json").read_text("utf-8"))
    assert metrics["corpus_sha256"] == clf.corpus_sha256
