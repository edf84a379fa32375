"""Corpus checks: record format, codes, sectors, NFC, lengths, unique ids, near-duplicates
(token-set Jaccard > 0.9), and counts per code (`contract-review corpus check`)."""
from __future__ import annotations

import collections
import json
import re
import unicodedata
from pathlib import Path

import yaml

from contract_review.analyze.categories import CLAUSE_CODES
from contract_review.analyze.rules import _data_dir


def corpus_dir() -> Path:
    return _data_dir().parent / "corpus"


def clauses_path() -> Path:
    return corpus_dir() / "clauses.jsonl"


def load(path: Path | None = None) -> list[dict]:
    """The labeled clauses, each with `norm` (the normalized text the system analyzes)."""
    from contract_review.text.normalize import normalize_text

    rows = [json.loads(x) for x in (path or clauses_path()).read_text("utf-8").splitlines() if x.strip()]
    for r in rows:
        r["norm"] = normalize_text(r["text"])
    return rows


def summary(path: Path | None = None) -> str:
    rows = load(path)
    labels = collections.Counter(c for r in rows for c in r["labels"])
    fair = sum(1 for r in rows if not r["labels"])
    hard = sum(1 for r in rows if r.get("hard_negative"))
    out = [f"{len(rows)} điều khoản, {fair} hợp lệ ({hard} mẫu khó), {len({r['doc_id'] for r in rows})} tài liệu, "
           f"{len({r['sector'] for r in rows})} lĩnh vực"]
    out += [f"  {c:18} {labels.get(c, 0)}" for c in CLAUSE_CODES]
    out += [f"  {s:18} {n}" for s, n in sorted(collections.Counter(r["sector"] for r in rows).items())]
    return "\n".join(out)


CODES = set(CLAUSE_CODES)
KEYS = {"id", "text", "labels", "sector", "doc_kind", "doc_id", "note", "hard_negative"}
KINDS = {"hop_dong_theo_mau", "dieu_kien_giao_dich_chung"}
WORD = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> set[str]:
    return set(WORD.findall(text.lower()))


def check_files(paths: list[str], out=print) -> int:
    sectors = set(yaml.safe_load((corpus_dir() / "sectors.yaml").read_text("utf-8"))["sectors"])
    problems: list[str] = []
    records = []
    for p in paths:
        for n, line in enumerate(Path(p).read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{p}:{n}"
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"{where}: invalid JSON ({e})")
                continue
            if set(r) != KEYS:
                problems.append(f"{where}: keys {sorted(set(r) ^ KEYS)} missing/extra")
                continue
            if unicodedata.normalize("NFC", r["text"]) != r["text"]:
                problems.append(f"{where}: text not NFC")
            bad = [c for c in r["labels"] if c not in CODES]
            if bad:
                problems.append(f"{where}: unknown codes {bad}")
            if r["sector"] not in sectors:
                problems.append(f"{where}: unknown sector {r['sector']}")
            if r["doc_kind"] not in KINDS:
                problems.append(f"{where}: unknown doc_kind {r['doc_kind']}")
            if r["hard_negative"] and r["labels"]:
                problems.append(f"{where}: hard_negative but labeled")
            nw = len(r["text"].split())
            if not 4 <= nw <= 130:
                problems.append(f"{where}: {nw} words (want 5-120)")
            records.append((where, r))
    ids = collections.Counter(r["id"] for _, r in records)
    problems += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
    # near-duplicates: token Jaccard > 0.9 (inverted index on rare tokens keeps this fast)
    toks = [tokens(r["text"]) for _, r in records]
    index: dict[str, list[int]] = collections.defaultdict(list)
    for i, t in enumerate(toks):
        for w in t:
            index[w].append(i)
    seen = set()
    for i, t in enumerate(toks):
        cands = collections.Counter()
        for w in t:
            if len(index[w]) < 400:
                for j in index[w]:
                    if j > i:
                        cands[j] += 1
        for j, _ in cands.most_common(20):
            u = len(t | toks[j])
            if u and len(t & toks[j]) / u > 0.9 and (i, j) not in seen:
                seen.add((i, j))
                problems.append(f"near-duplicate: {records[i][0]} ~ {records[j][0]}")
    counts = collections.Counter(c for _, r in records for c in r["labels"])
    fair = sum(1 for _, r in records if not r["labels"])
    hard = sum(1 for _, r in records if r["hard_negative"])
    out(f"{len(records)} clauses, {fair} fair ({hard} hard negatives), "
          f"{len({r['doc_id'] for _, r in records})} documents, "
          f"sectors: {dict(collections.Counter(r['sector'] for _, r in records))}")
    for c in sorted(CODES, key=lambda c: (c[0] != "A", float(c[4:]) if c.startswith("A25") else 0, c)):
        out(f"  {c:18} {counts.get(c, 0)}")
    for p in problems:
        out(f"PROBLEM {p}")
    return 1 if problems else 0


