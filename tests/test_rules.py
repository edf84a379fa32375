"""The rule library as tested data: every rule's own examples, coverage, citations, schema errors,
exceptions of the conditional / carved-out provisions, and robustness."""
import json
import subprocess
import sys
import time

import pytest
import yaml

from contract_review.analyze.categories import CLAUSE_CODES, categories
from contract_review.analyze.rule_examples import check_cure_example, check_example, iter_examples
from contract_review.analyze.rules import RuleLibrary, RuleSpecError, _data_dir

LIB = RuleLibrary.load()
EXAMPLES = list(iter_examples(LIB))


@pytest.mark.parametrize("rule,kind,text", EXAMPLES, ids=[f"{r.id}-{k}-{i}" for i, (r, k, _) in enumerate(EXAMPLES)])
def test_rule_examples(rule, kind, text):
    assert check_example(LIB, rule, kind, text) is None


CURE_EXAMPLES = [(c, kind, text) for c in LIB.cures
                 for kind, texts in (("cured", c.spec.examples.cured), ("not_cured", c.spec.examples.not_cured))
                 for text in texts]


@pytest.mark.parametrize("cure,kind,text", CURE_EXAMPLES, ids=[f"{c.id}-{k}-{i}" for i, (c, k, _) in enumerate(CURE_EXAMPLES)])
def test_cure_examples(cure, kind, text):
    assert check_cure_example(LIB, cure, kind, text) is None


def test_a_cure_silences_the_model_but_not_the_rules():
    from contract_review.analyze.fusion import decide
    from contract_review.model import ClauseScore, RuleHit, Severity

    score = ClauseScore(clause_id="x", scores={"A25.8": 0.97, "A25.1": 0.9})
    th = {"A25.8": 0.7, "A25.1": 0.7}
    assert decide([], score, th).labels == ["A25.1", "A25.8"]
    assert decide([], score, th, cured={"A25.8"}).labels == ["A25.1"]
    hit = RuleHit(rule_id="r", code="A25.8", clause_id="x", severity=Severity.high)
    assert decide([hit], score, th, cured={"A25.8"}).labels == ["A25.1", "A25.8"]


def test_interpretation_in_the_consumers_favour_is_not_flagged(engine):
    text = ("Trường hợp có cách hiểu khác nhau về nội dung của Điều kiện này, việc giải thích được thực hiện "
            "theo hướng có lợi cho Khách hàng.")
    assert "A25.8" not in engine.predict_texts([text])[0]["labels"]
    unfair = "Trường hợp có cách hiểu khác nhau về nội dung của Điều kiện này, cách giải thích của Công ty là căn cứ cuối cùng."
    assert "A25.8" in engine.predict_texts([unfair])[0]["labels"]


def test_malformed_cure_names_the_file(tmp_path):
    bad = GOOD + """cures:
  - id: C-1
    categories: [A25.3]
    basis: {article: 25, clause: 3}
    reason: "Một lý do đủ dài để giải thích vì sao hợp lệ."
    patterns: [{regex: "chỉ áp dụng"}]
    examples: {cured: [a, b], not_cured: [c]}
"""
    d = _write_rules(tmp_path, bad)
    with pytest.raises(RuleSpecError) as e:
        RuleLibrary.load(d)
    assert "x-bad.yaml" in str(e.value) and "not_cured" in str(e.value)


def test_coverage_of_every_clause_code():
    assert len(LIB.rules) >= 60
    per_code = {c: [r for r in LIB.rules if r.code == c] for c in CLAUSE_CODES}
    for code in [f"A25.{i}" for i in range(1, 16)]:
        assert len(per_code[code]) >= 2, code
    for code in ("P67", "F.A23.2-PRIO", "F.ND6.5-CLARITY"):
        assert per_code[code], code
    for r in LIB.rules:
        assert len(r.spec.examples.flag) >= 3 and len(r.spec.examples.pass_) >= 3, r.id


def test_basis_matches_the_taxonomy():
    cats = categories()
    shared = yaml.safe_load((_data_dir().parent.parent / "shared" / "taxonomy.yaml").read_text("utf-8")) \
        if (_data_dir().parent.parent / "shared" / "taxonomy.yaml").exists() else None
    for r in LIB.rules:
        assert r.code in cats and cats[r.code].level == "clause", r.id
        b, cb = r.spec.basis, cats[r.code].basis
        assert (b.law, b.article) == (cb.law, cb.article), r.id
        assert cb.clause is None or b.clause == cb.clause, r.id  # a rule may cite more precisely (Điều 67 khoản 2)
        assert r.spec.basis.citation().startswith(("Luật 19/2023/QH15, Điều", "NĐ 55/2024/NĐ-CP, Điều"))
    if shared:
        codes = {c["code"] for c in shared["categories"]}
        assert set(cats) <= codes | {"M23.3", "M27.2"}


def _write_rules(tmp_path, text, name="x-bad.yaml"):
    d = tmp_path / "rules"
    d.mkdir()
    (d / "macros.yaml").write_text((_data_dir() / "macros.yaml").read_text("utf-8"), "utf-8")
    (d / name).write_text(text, "utf-8")
    return d


GOOD = """rules:
  - id: T-1
    category: A25.3
    basis: {article: 25, clause: 3}
    severity: high
    message: "Một thông điệp đủ dài để giải thích vi phạm."
    suggestion: "Một gợi ý sửa đổi."
    patterns: [{regex: "đơn\\\\s+phương"}]
    examples: {flag: [a, b, c], pass: [d, e, f]}
"""


@pytest.mark.parametrize("mutation,needle", [
    (lambda s: s.replace("severity: high", "severity: critical"), "severity"),
    (lambda s: s.replace("    patterns: [{regex: \"đơn\\\\s+phương\"}]\n", ""), "patterns"),
    (lambda s: s.replace("pass: [d, e, f]", "pass: [d]"), "pass"),
    (lambda s: s.replace("{regex: \"đơn\\\\s+phương\"}", "{regex: \"(\\\\w+\\\\s*)+x\"}"), "nested quantifier"),
    (lambda s: s.replace("{regex: \"đơn\\\\s+phương\"}", "{regex: \"{NO_SUCH}\"}"), "unknown macro"),
    (lambda s: s.replace("{regex: \"đơn\\\\s+phương\"}", "{regex: \"a\", phrases: [b]}"), "exactly one"),
    (lambda s: s + "  - {id: T-1}\n", "T-1"),
])
def test_schema_errors_name_the_file(tmp_path, mutation, needle):
    d = _write_rules(tmp_path, mutation(GOOD))
    with pytest.raises(RuleSpecError) as e:
        RuleLibrary.load(d)
    assert "x-bad.yaml" in str(e.value) and needle.lower() in str(e.value).lower()


def test_duplicate_ids_across_files_refused(tmp_path):
    d = _write_rules(tmp_path, GOOD, "a.yaml")
    (d / "b.yaml").write_text(GOOD, "utf-8")
    with pytest.raises(RuleSpecError, match="already defined"):
        RuleLibrary.load(d)


def _fired_codes(text: str, scope: str | None = None) -> set[str]:
    from contract_review.text.normalize import normalize_text

    t = normalize_text(text)
    return {r.rule.code for r in LIB.evaluate(t, scope_text=normalize_text(scope) if scope else t)}


# (code, unfair clause, the same clause with the law's exception or the cure)
EXCEPTIONS = [
    ("A25.4",
     "Công ty có quyền sửa đổi Điều kiện giao dịch chung bất cứ lúc nào; việc Khách hàng tiếp tục sử dụng dịch vụ được hiểu là đã chấp nhận.",
     "Công ty có quyền sửa đổi Điều kiện giao dịch chung và thông báo cho Khách hàng trước ít nhất 30 ngày; Khách hàng không đồng ý có quyền chấm dứt hợp đồng mà không phải chịu phí và được hoàn lại phần cước chưa sử dụng."),
    ("A25.7",
     "Cước thuê bao hằng tháng có thể được Công ty điều chỉnh theo chính sách kinh doanh từng thời kỳ và áp dụng từ kỳ cước kế tiếp.",
     "Cước thuê bao hằng tháng có thể được Công ty điều chỉnh, được thông báo trước 30 ngày; Khách hàng không đồng ý có quyền chấm dứt hợp đồng mà không phải chịu phí và chỉ thanh toán phần dịch vụ đã sử dụng."),
    ("A25.13",
     "Hợp đồng tự động gia hạn thêm 12 tháng nếu Khách hàng không có ý kiến khi hết hạn.",
     "Hợp đồng tự động gia hạn thêm 12 tháng; Công ty thông báo cho Khách hàng ít nhất 07 ngày làm việc trước ngày hết hạn và Khách hàng có thể hủy gia hạn bằng cách gọi tổng đài hoặc nhắn tin theo hướng dẫn."),
    ("A25.1",
     "Công ty không chịu bất kỳ trách nhiệm nào đối với mọi thiệt hại phát sinh trong quá trình sử dụng dịch vụ.",
     "Công ty không chịu trách nhiệm đối với thiệt hại phát sinh do sự kiện bất khả kháng theo quy định của pháp luật."),
    ("A25.6",
     "Giá bán cuối cùng của sản phẩm được xác định tại thời điểm giao hàng.",
     "Giá điện được áp dụng theo biểu giá bán lẻ điện do cơ quan nhà nước có thẩm quyền ban hành, kể từ ngày văn bản có hiệu lực."),
    ("A25.11",
     "Công ty có quyền chuyển giao toàn bộ quyền và nghĩa vụ theo Hợp đồng cho bên thứ ba mà không cần sự đồng ý của Khách hàng.",
     "Công ty chỉ được chuyển giao quyền và nghĩa vụ theo Hợp đồng cho bên thứ ba khi có sự đồng ý bằng văn bản của Khách hàng."),
    ("A25.14",
     "Bằng việc ký Hợp đồng, Khách hàng đồng ý cho Công ty và các đối tác sử dụng thông tin cá nhân cho mục đích tiếp thị; nếu không đồng ý, Khách hàng không thể sử dụng dịch vụ.",
     "Công ty thu thập thông tin thuê bao theo quy định của pháp luật về viễn thông để thực hiện hợp đồng; việc nhận tin quảng cáo là tùy chọn, Khách hàng có thể từ chối bất cứ lúc nào."),
]


@pytest.mark.parametrize("code,unfair,fair", EXCEPTIONS, ids=[e[0] for e in EXCEPTIONS])
def test_exception_or_cure_cancels_the_rule(code, unfair, fair):
    assert code in _fired_codes(unfair)
    assert code not in _fired_codes(fair)


def test_cure_elsewhere_in_the_same_article_counts():
    article = ("Điều 6. Thay đổi giá cước\n1. Công ty có thể điều chỉnh cước thuê bao hằng tháng theo chính sách kinh doanh từng thời kỳ.\n"
               "2. Trường hợp không đồng ý với mức cước mới, Khách hàng có quyền chấm dứt hợp đồng mà không phải chịu phí.")
    clause = "1. Công ty có thể điều chỉnh cước thuê bao hằng tháng theo chính sách kinh doanh từng thời kỳ."
    assert "A25.7" in _fired_codes(clause)
    assert "A25.7" not in _fired_codes(clause, scope=article)


def test_rule_findings_reach_the_report_with_provision_and_words(engine):
    text = ("HỢP ĐỒNG CUNG CẤP DỊCH VỤ\nĐiều 1. Sửa đổi hợp đồng\n"
            "Công ty có quyền điều chỉnh, sửa đổi, bổ sung các điều khoản của Hợp đồng vào bất kỳ thời điểm nào mà không cần thông báo trước cho Khách hàng.\n")
    report = engine.review_text(text, "hd.txt")
    f = next(f for f in report.findings if f.code == "A25.3")
    assert f.provision.citation == "Luật 19/2023/QH15, Điều 25, khoản 3"
    assert f.evidence.rule_ids and f.evidence.matches
    m = f.evidence.matches[0]
    assert report.clauses and m.text in f.text and f.source in ("rule", "both")


def test_one_megabyte_clause_without_punctuation_does_not_hang():
    text = ("bên a có quyền thay đổi " * 45000)[:1_000_000]
    t = time.perf_counter()
    LIB.evaluate(text)
    assert time.perf_counter() - t < 60  # a hang guard, not a benchmark (see benchmarks/)


def test_cli_rules_list_json_and_check():
    r = subprocess.run([sys.executable, "-m", "contract_review.cli", "rules", "list", "--format", "json"],
                       capture_output=True, text=True, timeout=120)
    rows = json.loads(r.stdout)
    assert len(rows) >= 60 and {"id", "category", "basis", "severity"} <= set(rows[0])
    r = subprocess.run([sys.executable, "-m", "contract_review.cli", "rules", "check",
                        "Công ty có quyền sửa đổi Điều khoản sử dụng bất cứ lúc nào; việc tiếp tục sử dụng được hiểu là chấp nhận."],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "A25.4" in r.stdout


def test_a_lead_in_finding_is_not_repeated_on_every_point(engine):
    text = ("HỢP ĐỒNG CUNG CẤP DỊCH VỤ TRUYỀN HÌNH\n"
            "Điều 1. Trách nhiệm của Công ty\n"
            "1. Công ty không chịu bất kỳ trách nhiệm nào trong các trường hợp sau:\n"
            "a) Đường truyền Internet của Khách hàng do doanh nghiệp khác cung cấp bị gián đoạn;\n"
            "b) Thiết bị của Khách hàng không tương thích với ứng dụng;\n"
            "c) Dịch vụ bị gián đoạn kể cả do lỗi của Công ty.\n")
    report = engine.review_text(text, name="t.txt")
    a1 = {f.clause_id for f in report.findings if f.code == "A25.1"}
    assert "D1.K1" in a1  # the lead-in carries the finding once
    assert "D1.K1.a" not in a1 and "D1.K1.b" not in a1  # not repeated on points that add nothing
    assert "D1.K1.c" in a1  # a point whose own words are unfair keeps its finding
