"""Mandatory content (Luật 19/2023/QH15 Điều 23 khoản 3, Điều 42 khoản 2, Điều 27 khoản 2): each sample
contract with one item removed is flagged for exactly that item; complete contracts for none."""
from __future__ import annotations

import re

import pytest
import yaml

from conftest import prepared
from renderers import DOCS, render_txt, sample_names

from contract_review.analyze.formcheck import check_document
from contract_review.analyze.checkbook import load_checks
from contract_review.analyze.phrases import triggers
from contract_review.ingest import read_bytes
from contract_review.text import normalize_document
from contract_review.text.segment import segment

POINTS = ["a", "b", "c", "d", "đ", "e", "g", "h", "i", "k", "l"]


def meta(name: str) -> dict:
    return yaml.safe_load((DOCS / f"{name}.yaml").read_text("utf-8"))


CONTRACTS = [n for n in sample_names() if meta(n)["doc_kind"] == "hop_dong_theo_mau"]
CONDITIONS = [n for n in sample_names() if meta(n)["doc_kind"] == "dieu_kien_giao_dich_chung"]

# --------------------------------------------------------------------------- removing an item

_ARTICLE = re.compile(r"^(Điều|ĐIỀU)\s+\d+\s*[.:\-]")
_CHAPTER = re.compile(r"^(Chương|CHƯƠNG)\s+[IVXLC\d]+")
_APPENDIX = re.compile(r"^(PHỤ LỤC|Phụ lục)\b")
_TOP_NUMBERED = re.compile(r"^\d+\.\s+[A-ZĐÂĂÊÔƠƯ][A-ZĐÂĂÊÔƠƯÀ-Ỹ ,]+$")  # "16. HIỆU LỰC ÁP DỤNG"
_SIGNATURES = re.compile(r"^(ĐẠI DIỆN BÊN|BÊN [A-ZĐÀ-Ỹ ]+\s{2,}BÊN)")


def _rank(line: str) -> int | None:
    """How high a heading line sits: appendix 0, chapter 1, article 2; None for other lines."""
    if _APPENDIX.match(line):
        return 0
    if _CHAPTER.match(line):
        return 1
    if _ARTICLE.match(line) or _TOP_NUMBERED.match(line):
        return 2
    return None


def remove_lines(lines: list[str], prefixes: list[str]) -> list[str]:
    """Drop the lines starting with a prefix; a heading goes with its whole section (up to the next
    heading of the same or a higher rank, or the signature block)."""
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if any(line.startswith(p) for p in prefixes):
            rank = _rank(line)
            i += 1
            if rank is not None:
                while i < len(lines):
                    r = _rank(lines[i])
                    if (r is not None and r <= rank) or _SIGNATURES.match(lines[i]):
                        break
                    i += 1
            continue
        out.append(line)
        i += 1
    return out


def checks_of(text: str, name: str = "hop-dong.txt", sector_hint: str | None = None):
    doc = normalize_document(read_bytes(text.encode("utf-8"), name))
    return check_document(doc, segment(doc), sector_hint=sector_hint)


def failing(checks, prefix: str) -> list[str]:
    return sorted(fc.code for fc in checks if fc.code.startswith(prefix) and fc.status == "fail")


def test_removal_helper_takes_whole_sections():
    lines = ["Điều 1. A", "1. x", "a) y", "Điều 2. B", "1. z", "ĐẠI DIỆN BÊN A        ĐẠI DIỆN BÊN B"]
    assert remove_lines(lines, ["Điều 1."]) == ["Điều 2. B", "1. z", lines[-1]]
    assert remove_lines(lines, ["Điều 2."]) == ["Điều 1. A", "1. x", "a) y", lines[-1]]


@pytest.mark.parametrize("name", CONTRACTS)
def test_complete_contract_has_every_item(name):
    checks, _, kind = check_document(*prepared(name, "txt"))
    assert kind == "hop_dong_theo_mau"
    got = {fc.code: fc for fc in checks if fc.code.startswith("M23.3.")}
    assert sorted(got) == sorted(f"M23.3.{p}" for p in POINTS)
    assert failing(checks, "M23.3.") == [], {c: got[c].message for c in failing(checks, "M23.3.")}
    for fc in got.values():
        assert fc.locations and all(loc.clause_id for loc in fc.locations), fc.code
        assert fc.provision.citation == f"Luật 19/2023/QH15, Điều 23, khoản 3, điểm {fc.code[-1]}"


@pytest.mark.parametrize("name,point", [(n, p) for n in CONTRACTS for p in POINTS])
def test_removed_item_is_flagged_alone(name, point):
    prefixes = meta(name)["mandatory_content"][point]
    lines = render_txt(name).decode("utf-8").split("\n")
    kept = remove_lines(lines, prefixes)
    assert len(kept) < len(lines)
    checks, _, kind = checks_of("\n".join(kept), f"{name}.txt")
    assert kind == "hop_dong_theo_mau"
    assert failing(checks, "M23.3.") == [f"M23.3.{point}"]
    fc = next(fc for fc in checks if fc.code == f"M23.3.{point}")
    assert fc.severity.value == "medium" and fc.message
    assert fc.provision.article == "23" and fc.provision.clause == "3" and fc.provision.point == point


@pytest.mark.parametrize("name", CONDITIONS)
def test_conditions_state_when_they_apply(name):
    doc, clauses = prepared(name, "txt")
    checks, _, kind = check_document(doc, clauses)
    assert kind == "dieu_kien_giao_dich_chung"
    m27 = [fc for fc in checks if fc.code == "M27.2"]
    assert [fc.status for fc in m27] == ["pass"]
    assert not any(fc.code.startswith("M23.3") for fc in checks)  # Điều 23 khoản 3 is for contracts
    heading = meta(name)["applies_from"]
    section = next(c.id for c in clauses if c.text.startswith(heading))
    assert m27[0].locations[0].clause_id == section


@pytest.mark.parametrize("name", CONDITIONS)
def test_conditions_without_time_of_application_are_flagged(name):
    lines = render_txt(name).decode("utf-8").split("\n")
    kept = remove_lines(lines, [meta(name)["applies_from"]])
    checks, _, kind = checks_of("\n".join(kept), f"{name}.txt")
    assert kind == "dieu_kien_giao_dich_chung"
    m27 = next(fc for fc in checks if fc.code == "M27.2")
    assert m27.status == "fail"
    assert m27.provision.citation == "Luật 19/2023/QH15, Điều 27, khoản 2"


def test_general_conditions_appended_to_a_contract_are_checked_too():
    checks, _, _ = check_document(*prepared("mobile-postpaid", "txt"))
    m27 = [fc for fc in checks if fc.code == "M27.2"]
    assert len(m27) == 1 and m27[0].status == "pass"
    assert m27[0].details["appendix"] and "kèm theo" in m27[0].message
    lines = render_txt("mobile-postpaid").decode("utf-8").split("\n")
    cut = [ln for ln in lines if not ln.startswith(("9. THỜI ĐIỂM ÁP DỤNG", "9.1.", "9.2."))]
    checks, _, _ = checks_of("\n".join(cut))
    assert [fc.status for fc in checks if fc.code == "M27.2"] == ["fail"]


# --------------------------------------------------------------------------- continuous services


def test_continuous_service_items():
    checks, _, _ = check_document(*prepared("electricity-hdmbd", "txt"))
    m42 = {fc.code: fc for fc in checks if fc.code.startswith("M42.2.")}
    assert sorted(m42) == ["M42.2.a", "M42.2.b", "M42.2.c", "M42.2.d", "M42.2.e", "M42.2.đ"]
    assert all(m42[c].status == "pass" for c in ("M42.2.a", "M42.2.b", "M42.2.c", "M42.2.d"))
    # an indefinite, post-paid supply contract has no expiry date to announce
    assert m42["M42.2.đ"].status == "not_applicable" and m42["M42.2.e"].status == "not_applicable"
    assert m42["M42.2.a"].details["continuous_service"]


def test_auto_renewed_membership_without_notice_fails_the_notice_items():
    checks, _, _ = check_document(*prepared("gym-membership", "txt"))
    m42 = {fc.code: fc.status for fc in checks if fc.code.startswith("M42.2.")}
    assert m42["M42.2.đ"] == "fail" and m42["M42.2.e"] == "fail"


def test_notice_seven_working_days_before_expiry_passes():
    checks, _, _ = check_document(*prepared("broadband-ftth", "txt"))
    m42 = {fc.code: fc for fc in checks if fc.code.startswith("M42.2.")}
    assert m42["M42.2.đ"].status == "pass" and m42["M42.2.e"].status == "pass"
    assert m42["M42.2.e"].locations[0].clause_id.startswith("D7")


def test_sale_of_goods_is_not_a_continuous_service():
    checks, _, _ = check_document(*prepared("apartment-hdmb", "txt"))
    assert not any(fc.code.startswith("M42.2") for fc in checks)


# --------------------------------------------------------------------------- other wordings

EDUCATION = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
HỢP ĐỒNG ĐÀO TẠO TIẾNG ANH
Hôm nay, ngày ... tháng ... năm ..., tại Trung tâm Anh ngữ Sao Mai, chúng tôi gồm:
Bên A (Trung tâm): TRUNG TÂM ANH NGỮ SAO MAI - CÔNG TY TNHH GIÁO DỤC SAO MAI
Trụ sở: Số 12 đường Lê Lợi, phường Bến Thành, thành phố Hồ Chí Minh
ĐT: 028 3822 1234 - Email: lienhe@saomai.edu.vn
Bên B (Học viên): Ông/Bà ..........................................
Địa chỉ thường trú: ..........................................
Số điện thoại: ......................... Email: .........................
Điều 1. Nội dung hợp đồng
1. Bên A đồng ý cung cấp và Bên B đồng ý sử dụng khóa học tiếng Anh giao tiếp trình độ B1 gồm 48 buổi học, mỗi buổi 90 phút.
2. Giáo trình, giáo viên và chuẩn đầu ra của khóa học theo Phụ lục kèm theo.
Điều 2. Học phí và phương thức thanh toán
1. Học phí toàn khóa là 12.000.000 đồng (đã bao gồm giáo trình).
2. Bên B thanh toán bằng tiền mặt hoặc chuyển khoản trong vòng 05 ngày kể từ ngày ký hợp đồng.
Điều 3. Thời gian và địa điểm học
Khóa học khai giảng ngày ..../..../20.... tại cơ sở số 12 Lê Lợi, học vào tối thứ Ba, thứ Năm hằng tuần.
Điều 4. Trách nhiệm của các bên
1. Bên A bố trí giáo viên có chứng chỉ giảng dạy, phòng học đạt chuẩn.
2. Bên B tham gia học đầy đủ và tuân thủ nội quy của Trung tâm.
Điều 5. Bảo mật thông tin
Bên A bảo mật thông tin cá nhân của Bên B, chỉ sử dụng để quản lý học viên và không cung cấp cho bên thứ ba khi chưa có sự đồng ý của Bên B.
Điều 6. Đơn phương chấm dứt hợp đồng
1. Bên B được chấm dứt hợp đồng trước khi khóa học bắt đầu và được hoàn lại 100% học phí.
2. Bên A được chấm dứt hợp đồng nếu Bên B vi phạm nghiêm trọng nội quy sau khi đã nhắc nhở bằng văn bản hai lần.
Điều 7. Sự kiện bất khả kháng
Trường hợp bất khả kháng như thiên tai, dịch bệnh, các bên được miễn trách nhiệm và Bên A bố trí học bù.
Điều 8. Luật áp dụng và giải quyết tranh chấp
Tranh chấp được giải quyết bằng thương lượng; không thành thì một trong hai bên có quyền khởi kiện tại Tòa án có thẩm quyền.
Điều 9. Hiệu lực hợp đồng
Hợp đồng có hiệu lực kể từ ngày ký đến khi kết thúc khóa học.
ĐẠI DIỆN BÊN A        BÊN B
"""

# everything after the goods article sits in one "general commitments" article, one khoản per item
SALE_OF_GOODS = """HỢP ĐỒNG MUA BÁN HÀNG HÓA
BÊN BÁN: CÔNG TY TNHH THƯƠNG MẠI PHÚ GIA
Địa chỉ: 45 Trần Phú, phường Hải Châu, thành phố Đà Nẵng. Hotline: 1900 6868
BÊN MUA: Ông/Bà ....................................
Địa chỉ: .........................................; Điện thoại: ......................
ĐIỀU 1: HÀNG HÓA
Bên bán đồng ý bán và Bên mua đồng ý mua 01 (một) chiếc xe máy nhãn hiệu ......, số khung ......, màu ......, xuất xứ Việt Nam, mới 100%.
ĐIỀU 2: GIÁ CẢ VÀ PHƯƠNG THỨC THANH TOÁN
Giá bán: ............ đồng (đã gồm thuế VAT). Bên mua thanh toán bằng tiền mặt hoặc chuyển khoản một lần ngay khi ký hợp đồng.
ĐIỀU 3: GIAO NHẬN XE
Bên bán giao xe tại cửa hàng trong vòng 03 ngày kể từ ngày nhận đủ tiền, kèm hóa đơn và giấy tờ đăng ký xe.
ĐIỀU 4: QUYỀN VÀ NGHĨA VỤ CỦA HAI BÊN
Bên bán giao xe đúng chủng loại, chất lượng; Bên mua nhận xe và thanh toán đầy đủ.
ĐIỀU 5: CAM KẾT CHUNG
1. Bên bán có trách nhiệm bảo mật thông tin cá nhân của Bên mua và chỉ sử dụng cho việc đăng ký xe, bảo hành.
2. Hợp đồng chấm dứt khi hai bên hoàn thành nghĩa vụ hoặc khi một bên vi phạm nghĩa vụ giao xe, thanh toán; bên vi phạm phải hoàn trả tiền đã nhận và bồi thường thiệt hại.
3. Sự kiện bất khả kháng là sự kiện xảy ra khách quan, không thể lường trước; bên gặp sự kiện bất khả kháng được miễn trách nhiệm.
4. Mọi tranh chấp được giải quyết bằng thương lượng, nếu không thành sẽ đưa ra Tòa án có thẩm quyền.
5. Hợp đồng có hiệu lực từ ngày ký và tự thanh lý khi hai bên hoàn thành nghĩa vụ.
BÊN MUA        BÊN BÁN
"""


@pytest.mark.parametrize("text", [EDUCATION, SALE_OF_GOODS], ids=["education", "sale-of-goods"])
def test_other_wordings_are_recognised(text):
    checks, _, kind = checks_of(text)
    assert kind == "hop_dong_theo_mau"
    assert failing(checks, "M23.3.") == [], [fc.message for fc in checks if fc.status == "fail"]


def test_item_stated_inside_another_article_points_to_its_clause():
    checks, _, _ = checks_of(SALE_OF_GOODS)
    by = {fc.code: fc for fc in checks}
    assert by["M23.3.g"].locations[0].clause_id == "D5.K1"
    assert by["M23.3.k"].locations[0].clause_id == "D5.K4"
    assert "ĐIỀU 5" in by["M23.3.k"].message and "khoản 4" in by["M23.3.k"].message


def test_partial_item_names_what_is_missing():
    text = EDUCATION.replace("Hợp đồng có hiệu lực kể từ ngày ký đến khi kết thúc khóa học.",
                             "Hợp đồng có hiệu lực kể từ ngày ký.")
    checks, _, _ = checks_of(text)
    fc = next(fc for fc in checks if fc.code == "M23.3.l")
    assert fc.status == "fail"
    assert "thời điểm giao kết" in fc.message and "chưa thấy thời hạn của hợp đồng" in fc.message
    assert fc.details["aspects"] == {"conclusion": True, "term": False}


def test_chapter_titles_alone_do_not_cover_an_item():
    # "Chương II. PHÍ HỘI VIÊN, THANH TOÁN …" names payment, but the article on payment is gone
    lines = render_txt("gym-membership").decode("utf-8").split("\n")
    kept = remove_lines(lines, ["Điều 4."])
    assert any("THANH TOÁN" in ln for ln in kept)
    checks, _, _ = checks_of("\n".join(kept))
    assert failing(checks, "M23.3.") == ["M23.3.d"]


# --------------------------------------------------------------------------- the data


def test_checks_file_covers_the_law():
    book = load_checks()
    codes = set(book.items)
    assert {f"M23.3.{p}" for p in POINTS} <= codes
    assert {f"M42.2.{p}" for p in ["a", "b", "c", "d", "đ", "e"]} <= codes
    assert "M27.2" in codes
    for spec in book.items.values():
        assert spec.missing, spec.code  # every failure tells how to fix it
        assert spec.basis.provision().citation.startswith("Luật 19/2023/QH15, Điều ")


def test_phrase_triggers():
    assert triggers(r"\b(bán|cung cấp)\s+cho") == ("bán", "cung cấp")
    assert triggers(r"\bđối tượng (của )?hợp đồng\b") == ("đối tượng",)
    assert triggers(r"\b(học phí|giá cước)\b|^cước\b") == ("học phí", "giá cước", "cước")
    assert triggers(r"(^|\n)\s*bên") is None  # no leading words: always tried
    assert triggers(r"\bgiá?\b") == ("gi",)  # the optional last letter is not required


def test_parties_side_by_side_in_a_table():
    head = """HỢP ĐỒNG CUNG CẤP DỊCH VỤ INTERNET
| BÊN CUNG CẤP (Bên A) | BÊN SỬ DỤNG (Bên B) |
| CÔNG TY CỔ PHẦN MẠNG SAO VIỆT | Ông/Bà .......... |
| Địa chỉ: 12 Lý Thường Kiệt, Hà Nội | Địa chỉ: .......... |
| Điện thoại: 024 3333 4444 | {phone} |
Điều 1. Dịch vụ cung cấp
Bên A cung cấp cho Bên B dịch vụ truy nhập Internet cáp quang.
"""
    checks, _, _ = checks_of(head.format(phone="Điện thoại: .........."))
    fc = next(fc for fc in checks if fc.code == "M23.3.a")
    assert fc.status == "pass" and len(fc.details["parties"]) == 2
    checks, _, _ = checks_of(head.format(phone="Thư điện tử: .........."))
    fc = next(fc for fc in checks if fc.code == "M23.3.a")
    assert fc.status == "fail" and "BÊN SỬ DỤNG" in fc.message and "số điện thoại" in fc.message
