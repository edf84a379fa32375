"""Clause-level metrics: per-code precision/recall/F1, macro-F1 over the specific unfair points,
binary unfair-vs-fair F1, and the false-positive rate on fair clauses."""
from __future__ import annotations

from contract_review.analyze.categories import CLAUSE_CODES, UNFAIR_CODES


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn,
            "tp": tp, "fp": fp, "fn": fn}


def evaluate(gold: list[list[str]], pred: list[list[str]], codes: list[str] | None = None) -> dict:
    codes = codes or CLAUSE_CODES
    per_code = {}
    for code in codes:
        tp = sum(1 for g, p in zip(gold, pred) if code in g and code in p)
        fp = sum(1 for g, p in zip(gold, pred) if code not in g and code in p)
        fn = sum(1 for g, p in zip(gold, pred) if code in g and code not in p)
        per_code[code] = _prf(tp, fp, fn)
    unfair = [c for c in UNFAIR_CODES if c in per_code and per_code[c]["support"] > 0]
    macro = sum(per_code[c]["f1"] for c in unfair) / len(unfair) if unfair else 0.0
    present_all = [c for c in codes if per_code[c]["support"] > 0]
    macro_all = sum(per_code[c]["f1"] for c in present_all) / len(present_all) if present_all else 0.0
    btp = sum(1 for g, p in zip(gold, pred) if g and p)
    bfp = sum(1 for g, p in zip(gold, pred) if not g and p)
    bfn = sum(1 for g, p in zip(gold, pred) if g and not p)
    fair = sum(1 for g in gold if not g)
    micro_tp = sum(v["tp"] for v in per_code.values())
    micro_fp = sum(v["fp"] for v in per_code.values())
    micro_fn = sum(v["fn"] for v in per_code.values())
    return {
        "n": len(gold),
        "fair": fair,
        "macro_f1_a25_1_14": round(macro, 4),
        "macro_f1_all_codes": round(macro_all, 4),
        "micro": _prf(micro_tp, micro_fp, micro_fn),
        "binary": _prf(btp, bfp, bfn),
        "fair_false_positive_rate": round(bfp / fair, 4) if fair else 0.0,
        "per_code": per_code,
    }


def format_table(result: dict, by_code: bool = True) -> str:
    lines = [
        f"Số điều khoản: {result['n']} (hợp lệ: {result['fair']})",
        f"Macro-F1 (A25.1–A25.14): {result['macro_f1_a25_1_14']:.3f}   Macro-F1 (mọi mã có mặt): {result['macro_f1_all_codes']:.3f}",
        f"Nhị phân vi phạm/hợp lệ: P={result['binary']['precision']:.3f} R={result['binary']['recall']:.3f} F1={result['binary']['f1']:.3f}",
        f"Tỉ lệ báo nhầm trên điều khoản hợp lệ: {result['fair_false_positive_rate']:.3%}",
    ]
    if by_code:
        lines.append("")
        lines.append(f"{'mã':18} {'P':>6} {'R':>6} {'F1':>6} {'hỗ trợ':>7}")
        for code, m in result["per_code"].items():
            if m["support"] or m["fp"]:
                lines.append(f"{code:18} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['support']:7d}")
    return "\n".join(lines)
