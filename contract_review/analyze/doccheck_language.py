"""Language of the form (Luật 19/2023/QH15 Điều 23 khoản 2; NĐ 55/2024/NĐ-CP Điều 6 khoản 1): the
contract must be in Vietnamese; another language may be added (bilingual forms pass).

No language model: Vietnamese is recognised by its letters. Almost every other Vietnamese syllable
carries a diacritic found in no other Latin-script language (ă â đ ê ô ơ ư and the five tone marks on
vowels), so each paragraph is classified by the share of its letters that carry one, and the check looks
at how much of the text is Vietnamese, how much is in another language, and where the foreign part is.
"""
from __future__ import annotations

import re
import unicodedata

from contract_review.analyze.categories import categories
from contract_review.analyze.outline import Outline
from contract_review.model import FormCheck, Location, Severity

CODE = "F.A23.2-VI"
_WORD = re.compile(r"[^\W\d_]+")
_VI_ONLY = set("ăâđêôơư")
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # grave, acute, tilde, hook above, dot below
# syllable shapes that exist in Vietnamese without any mark ("hai", "theo", "cho", "tin"): typed
# without diacritics, Vietnamese still looks like Vietnamese; English words mostly do not fit
_BARE_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
    r"(ieu|yeu|oai|oay|oeo|uay|uoi|uou|uya|uye|uyu|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ye"
    r"|a|e|i|o|u|y)"
    r"(ng|nh|ch|[cmnpt])?$")
_EN_HINTS = {"the", "and", "of", "to", "shall", "will", "agreement", "contract", "party", "parties", "be",
             "with", "for", "this", "any", "by", "or", "in", "is", "are", "such", "service", "services",
             "customer", "company", "terms", "conditions", "payment", "which", "that", "not", "may"}

MIN_VIETNAMESE_PART = 0.25  # a bilingual form: at least a quarter of the running text is Vietnamese


def _marked_letters() -> str:
    """Every letter that carries a Vietnamese diacritic: đ, ă â ê ô ơ ư, and the 12 vowels with a tone."""
    out = {"đ", "Đ"}
    for v in "aăâeêioôơuưy":
        for tone in ("", *sorted(_TONES)):
            ch = unicodedata.normalize("NFC", v + tone)
            if ch != "a" and len(ch) == 1 and (tone or v in _VI_ONLY):
                out |= {ch, ch.upper()}
    return "".join(sorted(out))


_NON_LETTER = re.compile(r"[\W\d_]+")
_MARKED_LETTER = re.compile(f"[{_marked_letters()}]")
# Vietnamese running text has about one marked letter in four; English has none
VI_LETTER_SHARE = 0.08
FOREIGN_LETTER_SHARE = 0.02


def classify(text: str) -> tuple[str, int]:
    """('vi' | 'vi_bare' | 'foreign' | 'neutral', number of letters) for one paragraph."""
    letters = _NON_LETTER.sub("", text)
    n = len(letters)
    if n < 12:
        return "neutral", n
    share = len(_MARKED_LETTER.findall(letters)) / n
    if share >= VI_LETTER_SHARE:
        return "vi", n
    if share <= FOREIGN_LETTER_SHARE:
        words = [w.lower() for w in _WORD.findall(text) if len(w) > 1]  # "Bên B": single letters say nothing
        if len(words) < 3:
            return "neutral", n
        bare = sum(1 for w in words if _BARE_SYLLABLE.match(w))
        english = sum(1 for w in words if w in _EN_HINTS)
        if bare / len(words) >= 0.85 and english / len(words) < 0.1:
            return "vi_bare", n
        return "foreign", n
    return "neutral", n


def check_language(outline: Outline) -> FormCheck:
    cat = categories()[CODE]
    counts = {"vi": 0, "vi_bare": 0, "foreign": 0, "neutral": 0}
    english = foreign_words = 0
    foreign_blocks = []
    for b in outline.doc.blocks:
        cells = b.text.split(" | ") if b.kind == "table_row" else [b.text]
        for cell in cells:
            kind, n = classify(cell)
            counts[kind] += n
            if kind == "foreign":
                foreign_blocks.append(b)
                words = _WORD.findall(cell)
                foreign_words += len(words)
                english += sum(1 for w in words if w.lower() in _EN_HINTS)
    vi = counts["vi"]
    total = vi + counts["vi_bare"] + counts["foreign"]
    details = {"letters": counts, "vietnamese_share": round(vi / total, 3) if total else None,
               "foreign_share": round(counts["foreign"] / total, 3) if total else None}

    def result(status: str, message: str, severity: Severity = cat.severity, locations=()) -> FormCheck:
        return FormCheck(code=CODE, name="Ngôn ngữ của hợp đồng là tiếng Việt", provision=cat.provision,
                         status=status, severity=severity, message=message,  # type: ignore[arg-type]
                         locations=list(locations), details=details)

    if total == 0:
        return result("unknown", "Văn bản quá ít chữ để xác định ngôn ngữ.")
    # English function words make up a fifth or more of any English text
    lang = "tiếng Anh" if foreign_words and english / foreign_words >= 0.12 else "tiếng nước ngoài"
    share_vi = vi / total
    if share_vi >= MIN_VIETNAMESE_PART:
        if counts["foreign"] / total >= 0.1:
            where = _where(outline, foreign_blocks)
            return result("pass", f"Văn bản bằng tiếng Việt, có thêm phần {lang} (khoảng {counts['foreign'] / total:.0%} "
                                  f"nội dung{where}). Luật cho phép dùng thêm tiếng nước ngoài; khi có khác biệt giữa "
                                  "các bản, bản có lợi hơn cho người tiêu dùng được ưu tiên áp dụng.")
        return result("pass", f"Văn bản được thể hiện bằng tiếng Việt ({share_vi:.0%} nội dung là tiếng Việt có dấu).")
    if counts["vi_bare"] > counts["foreign"]:
        return result("fail", "Văn bản là tiếng Việt không dấu: khó đọc, dễ hiểu sai, không bảo đảm yêu cầu thể hiện "
                              "rõ ràng, dễ hiểu. Cần soạn lại bằng tiếng Việt có đầy đủ dấu.", Severity.medium)
    locs = [_loc(outline, b) for b in foreign_blocks[:5]]
    return result("fail", f"Văn bản không được thể hiện bằng tiếng Việt: chỉ khoảng {share_vi:.0%} nội dung là tiếng "
                          f"Việt, phần còn lại là {lang}. Hợp đồng theo mẫu, điều kiện giao dịch chung phải dùng "
                          "tiếng Việt (có thể kèm bản tiếng nước ngoài); hồ sơ đăng ký cũng phải là dự thảo bằng tiếng "
                          "Việt (NĐ 55/2024/NĐ-CP Điều 8).", locations=locs)


def _loc(outline: Outline, b) -> Location:
    c = outline.block_clause.get(b.index)
    return Location(clause_id=c.id if c else None, page=b.page, paragraph=b.paragraph, excerpt=b.text[:160])


def _where(outline: Outline, blocks) -> str:
    """', từ trang 7' / ', từ Điều 25': where a foreign-language part starts."""
    if not blocks:
        return ""
    b = blocks[0]
    if b.page:
        return f", từ trang {b.page}"
    c = outline.block_clause.get(b.index)
    if c is not None:
        return f", từ {outline.unit_of[c.id].label if c.id in outline.unit_of else c.id}"
    return ""
