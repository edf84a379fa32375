"""Review memo: an editable DOCX letter skeleton asking the business to amend its standard-form
contract or general trading conditions, in the usual Vietnamese administrative layout (cơ quan and
số hiệu on the left, quốc hiệu and tiêu ngữ on the right, V/v, Kính gửi, căn cứ, content, nơi nhận and
signature). Placeholders in [brackets] are highlighted for the inspector to fill in; the page header
marks the file as a draft. Nothing is ever sent.
"""
from __future__ import annotations

import io

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from contract_review.model import Clause, Finding, Report
from contract_review.render.labels import failed_checks, provision_text, registration_line, xml_safe

FONT = "Times New Roman"
BODY_PT = 14
LAW_19 = "Luật Bảo vệ quyền lợi người tiêu dùng số 19/2023/QH15 ngày 20 tháng 6 năm 2023"
DECREE_55 = ("Nghị định số 55/2024/NĐ-CP ngày 16 tháng 5 năm 2024 của Chính phủ quy định chi tiết một số điều "
             "của Luật Bảo vệ quyền lợi người tiêu dùng")
CIVIL_CODE = "Bộ luật Dân sự số 91/2015/QH13 ngày 24 tháng 11 năm 2015"
# Which instrument carries the registration list today is for the inspector to confirm (Circular
# 42/2025/TT-BCT re-issued the list of Decision 07/2024/QĐ-TTg; whether it repealed it is unconfirmed).
LIST_INSTRUMENT = ("[Thông tư số 42/2025/TT-BCT ngày 22 tháng 6 năm 2025 của Bộ trưởng Bộ Công Thương / Quyết định "
                   "số 07/2024/QĐ-TTg ngày 20 tháng 6 năm 2024 của Thủ tướng Chính phủ: chọn văn bản đang có hiệu lực] "
                   "ban hành Danh mục sản phẩm, hàng hóa, dịch vụ phải đăng ký hợp đồng theo mẫu, điều kiện giao dịch chung")
QUOTE_LIMIT = 1500
DOC_NAME = {"hop_dong_theo_mau": "hợp đồng theo mẫu", "dieu_kien_giao_dich_chung": "điều kiện giao dịch chung",
            "unknown": "hợp đồng theo mẫu, điều kiện giao dịch chung"}
BUSINESS = "[Tên tổ chức, cá nhân kinh doanh]"
AGENCY = "[Tên cơ quan]"


class _Writer:
    def __init__(self) -> None:
        self.doc = docx.Document()
        st = self.doc.styles["Normal"]
        st.font.name = FONT
        st.font.size = Pt(BODY_PT)
        fonts = st.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:eastAsia", "w:cs"):
            fonts.set(qn(attr), FONT)
        pf = st.paragraph_format
        pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(6), 1.15
        sec = self.doc.sections[0]
        sec.page_width, sec.page_height = Mm(210), Mm(297)
        # margins of an administrative document: top/bottom 20 mm, left 30 mm, right 15 mm
        sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(20), Mm(20), Mm(30), Mm(15)

    # ------------------------------------------------------------------ text helpers
    def runs(self, p, text: str, bold=False, italic=False, size: float | None = None, underline=False):
        """Add `text`, highlighting every [placeholder] so it is not forgotten."""
        text = xml_safe(text)
        pos = 0
        while pos < len(text):
            a = text.find("[", pos)
            b = text.find("]", a) if a >= 0 else -1
            if a < 0 or b < 0:
                chunks = [(text[pos:], False)]
                pos = len(text)
            else:
                chunks = [(text[pos:a], False), (text[a:b + 1], True)]
                pos = b + 1
            for chunk, placeholder in chunks:
                if not chunk:
                    continue
                r = p.add_run(chunk)
                r.bold, r.italic, r.underline = bold, italic, underline
                if size:
                    r.font.size = Pt(size)
                if placeholder:
                    r.font.highlight_color = WD_COLOR_INDEX.YELLOW
        return p

    def para(self, text: str = "", *, bold=False, italic=False, size=None, align=None, indent_first=True,
             left: float | None = None, after: float | None = None, container=None):
        p = (container or self.doc).add_paragraph()
        if align is not None:
            p.alignment = align
        else:
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            if indent_first:
                p.paragraph_format.first_line_indent = Cm(1.27)
        if left is not None:
            p.paragraph_format.left_indent = Cm(left)
        if after is not None:
            p.paragraph_format.space_after = Pt(after)
        if text:
            self.runs(p, text, bold=bold, italic=italic, size=size)
        return p

    def labelled(self, label: str, text: str, left: float = 1.0):
        p = self.para(indent_first=False, left=left, after=3)
        self.runs(p, label, bold=True)
        self.runs(p, text)
        return p

    # ------------------------------------------------------------------ blocks
    def borderless_table(self, cols: int, widths_cm: list[float]):
        t = self.doc.add_table(rows=1, cols=cols)  # the default table style draws no borders
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        for col, w in zip(t.columns, widths_cm):
            col.width = Cm(w)
        for cell, w in zip(t.rows[0].cells, widths_cm):
            cell.width = Cm(w)
        return t.rows[0].cells

    def cell_par(self, cell, text: str, first: bool = False, **kw):
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.first_line_indent = None
        self.runs(p, text, **kw)
        return p

    def header_block(self, contract_kind: str) -> None:
        left, right = self.borderless_table(2, [6.0, 10.5])
        self.cell_par(left, "[TÊN CƠ QUAN CHỦ QUẢN]", first=True, size=13)
        self.cell_par(left, "[TÊN CƠ QUAN BAN HÀNH]", bold=True, size=13)
        self.cell_par(left, "¯¯¯¯¯¯¯", size=10)
        self.cell_par(left, "Số: [   ]/[   ]-[   ]", size=13)
        self.cell_par(left, f"V/v: yêu cầu sửa đổi {DOC_NAME.get(contract_kind, DOC_NAME['unknown'])}", size=12)
        self.cell_par(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", first=True, bold=True, size=12)
        self.cell_par(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=14, underline=True)
        self.cell_par(right, "")
        self.cell_par(right, "[Địa danh], ngày [  ] tháng [  ] năm [    ]", italic=True, size=14)
        self.para(after=6)

    def draft_header(self) -> None:
        p = self.doc.sections[0].header.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        r = p.add_run("DỰ THẢO do contract-review tạo từ báo cáo rà soát tự động: "
                      "kiểm tra, chỉnh sửa trước khi ký ban hành. Không tự động gửi.")
        r.italic = True
        r.font.size = Pt(9)
        r.font.color.rgb = RGBColor(0x80, 0x80, 0x80)

    def signature_block(self) -> None:
        self.para(after=6)
        left, right = self.borderless_table(2, [7.5, 9.0])
        p = left.paragraphs[0]
        p.paragraph_format.space_after = Pt(0)
        self.runs(p, "Nơi nhận:", bold=True, italic=True, size=12)
        for line in ("- Như trên;", "- [Cơ quan quản lý ngành, lĩnh vực (nếu cần)];", "- Lưu: VT, [đơn vị soạn thảo]."):
            q = left.add_paragraph()
            q.paragraph_format.space_after = Pt(0)
            self.runs(q, line, size=11)
        self.cell_par(right, "[QUYỀN HẠN, CHỨC VỤ CỦA NGƯỜI KÝ]", first=True, bold=True, size=14)
        self.cell_par(right, "(Chữ ký của người có thẩm quyền, dấu của cơ quan)", italic=True, size=12)
        for _ in range(4):
            self.cell_par(right, "")
        self.cell_par(right, "[Họ và tên]", bold=True, size=14)

    def save(self) -> bytes:
        buf = io.BytesIO()
        self.doc.save(buf)
        return buf.getvalue()


def _quote(text: str) -> str:
    t = " ".join(text.split())
    if len(t) > QUOTE_LIMIT:
        t = t[:QUOTE_LIMIT].rsplit(" ", 1)[0] + " […]"
    return f"“{t}”"


def _grouped(report: Report) -> list[tuple[Clause | None, list[Finding]]]:
    """Findings grouped by clause, in document order (a letter follows the document)."""
    by_id = {c.id: c for c in report.clauses}
    groups: dict[str, list[Finding]] = {}
    for f in sorted(report.findings, key=lambda f: (f.start, -f.severity.rank)):
        groups.setdefault(f.clause_id, []).append(f)
    return [(by_id.get(cid), fs) for cid, fs in groups.items()]


def _bases(report: Report) -> list[str]:
    out = [LAW_19, DECREE_55]
    laws = " ".join(f.provision.law + " " + f.provision.citation for f in report.findings)
    laws += " ".join(fc.provision.law + " " + fc.provision.citation for fc in report.form_checks)
    if "Dân sự" in laws or "BLDS" in laws:
        out.append(CIVIL_CODE)
    if report.registration.required:
        out.append(LIST_INSTRUMENT)
    out.append("[Văn bản quy định chức năng, nhiệm vụ, quyền hạn của cơ quan]")
    return out


def render_memo(report: Report) -> bytes:
    w = _Writer()
    d = report.document
    kind = DOC_NAME.get(d.contract_kind, DOC_NAME["unknown"])
    w.draft_header()
    w.header_block(d.contract_kind)

    p = w.para(align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    w.runs(p, "Kính gửi: ")
    w.runs(p, BUSINESS, bold=True)

    for basis in _bases(report):
        w.para(f"Căn cứ {basis};", italic=True, after=3)
    w.para(f"Căn cứ kết quả rà soát {kind} «{d.name}».", italic=True)

    groups = _grouped(report)
    failures = failed_checks(report)
    w.para(
        f"{AGENCY} nhận thấy {kind} do {BUSINESS} sử dụng để giao kết với người tiêu dùng "
        + ("có nội dung chưa phù hợp với quy định của pháp luật về bảo vệ quyền lợi người tiêu dùng. "
           "Căn cứ khoản 2 Điều 28 Luật Bảo vệ quyền lợi người tiêu dùng và Điều 15 Nghị định số 55/2024/NĐ-CP, "
           f"{AGENCY} đề nghị {BUSINESS} sửa đổi, hủy bỏ các nội dung sau:"
           if groups or failures else
           "qua rà soát tự động chưa phát hiện nội dung cần sửa đổi. [Nội dung ý kiến của cơ quan]")
    )

    p = w.para(indent_first=False, align=WD_ALIGN_PARAGRAPH.LEFT, size=12)
    w.runs(p, "Văn bản được rà soát: ", bold=True, size=12)
    w.runs(p, f"tệp «{d.name}» ({d.kind.upper()}" + (f", {d.pages} trang" if d.pages else "")
           + f", {d.clause_count} đơn vị điều khoản); mã SHA-256: {d.sha256}.", size=12)

    w.para("I. ĐIỀU KHOẢN CẦN SỬA ĐỔI", bold=True, indent_first=False)
    if not groups:
        w.para("Không có điều khoản nào được đề nghị sửa đổi.", italic=True)
    for n, (clause, fs) in enumerate(groups, 1):
        f0 = fs[0]
        place = " › ".join(f0.heading) if f0.heading else f0.clause_id
        page = f", trang {f0.page}" if f0.page else ""
        p = w.para(indent_first=False, after=3)
        w.runs(p, f"{n}. Điều khoản tại {place}{page}", bold=True)
        w.runs(p, f" (mã {f0.clause_id}):")
        w.para(_quote(clause.text if clause else f0.text), italic=True, indent_first=False, left=1.0)
        for f in fs:
            w.labelled("Quy định bị vi phạm: ", f"{provision_text(f.provision)} — {f.category}.")
            w.labelled("Lý do: ", f.explanation)
            w.labelled("Yêu cầu sửa đổi: ", f.suggestion)

    w.para("II. HÌNH THỨC, NỘI DUNG BẮT BUỘC VÀ ĐĂNG KÝ", bold=True, indent_first=False)
    items = 0
    for fc in failures:
        items += 1
        p = w.para(indent_first=False, left=0.5, after=3)
        w.runs(p, f"- {fc.name}: ", bold=True)
        w.runs(p, f"{fc.message} (căn cứ {provision_text(fc.provision, capital=False)}).")
    unknown = [fc for fc in report.form_checks if fc.status == "unknown"]
    if unknown:
        items += 1
        w.para("[Cần kiểm tra thủ công trước khi ban hành: "
               + "; ".join(f"{fc.name} ({fc.provision.citation})" for fc in unknown) + "]", indent_first=False, left=0.5)
    status, text = registration_line(report, with_explanation=False)
    if status == "required":
        items += 1
        w.para(f"- Đăng ký: {text} Sau khi sửa đổi theo yêu cầu tại văn bản này, {BUSINESS} thực hiện đăng ký "
               "lại theo điểm c khoản 1 Điều 13 Nghị định số 55/2024/NĐ-CP.", indent_first=False, left=0.5)
    elif status == "unknown":
        items += 1
        w.para(f"[Nghĩa vụ đăng ký: {text}]", indent_first=False, left=0.5)
    if not report.form_checks:
        items += 1
        w.para("[Chưa có kết quả kiểm tra tự động về hình thức và nội dung bắt buộc (Điều 23 Luật Bảo vệ quyền lợi "
               "người tiêu dùng, Điều 6 Nghị định số 55/2024/NĐ-CP): cần kiểm tra thủ công]", indent_first=False, left=0.5)
    if not items:
        w.para("Không có nội dung cần sửa đổi về hình thức, nội dung bắt buộc.", italic=True)
    for notice in report.notices:
        w.para(f"[Lưu ý cho người soạn: {notice.message}]", indent_first=False, left=0.5)

    w.para("III. THỜI HẠN THỰC HIỆN", bold=True, indent_first=False)
    w.para(f"{BUSINESS} sửa đổi, hủy bỏ nội dung vi phạm trong thời hạn 30 ngày kể từ ngày nhận được văn bản này "
           "(khoản 3 Điều 15 Nghị định số 55/2024/NĐ-CP); trong thời hạn 05 ngày làm việc kể từ ngày hoàn thành việc "
           f"sửa đổi, hủy bỏ, công khai {kind} đã sửa đổi và thông báo cho người tiêu dùng đã giao kết theo quy định, "
           f"đồng thời báo cáo kết quả về {AGENCY}.")
    w.para(f"Trong quá trình thực hiện, nếu có vướng mắc, đề nghị liên hệ [đầu mối, số điện thoại] để được hướng dẫn./.")
    w.signature_block()
    w.doc.core_properties.title = f"Yêu cầu sửa đổi {kind}"[:250]
    w.doc.core_properties.author = "contract-review (dự thảo)"
    return w.save()
