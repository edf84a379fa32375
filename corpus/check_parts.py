"""Check corpus JSONL files: format, codes, sectors, NFC, lengths, ids, near-duplicates; print counts.

Usage: python corpus/check_parts.py corpus/parts/*.jsonl   (or corpus/clauses.jsonl)
Exit code 1 when a problem is found.
"""
from __future__ import annotations

import collections
import json
import re
import sys
import unicodedata
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
CODES = {
    *(f"A25.{i}" for i in range(1, 16)),
    "P67", "F.A23.2-PRIO", "F.ND6.5-CLARITY",
}
KEYS = {"id", "text", "labels", "sector", "doc_kind", "doc_id", "note", "hard_negative"}
KINDS = {"hop_dong_theo_mau", "dieu_kien_giao_dich_chung"}
WORD = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> set[str]:
    return set(WORD.findall(text.lower()))


def main(paths: list[str]) -> int:
    sectors = set(yaml.safe_load((HERE / "sectors.yaml").read_text("utf-8"))["sectors"])
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
    print(f"{len(records)} clauses, {fair} fair ({hard} hard negatives), "
          f"{len({r['doc_id'] for _, r in records})} documents, "
          f"sectors: {dict(collections.Counter(r['sector'] for _, r in records))}")
    for c in sorted(CODES, key=lambda c: (c[0] != "A", float(c[4:]) if c.startswith("A25") else 0, c)):
        print(f"  {c:18} {counts.get(c, 0)}")
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
