"""Word output: comments anchored in the original DOCX (one per finding, on its clause, original untouched),
the rebuilt DOCX for other inputs, and the review memo."""
import io
import re
import zipfile

import docx
import pytest
from lxml import etree

import renderers
import render_support as rs
from contract_review.errors import ReviewError
from contract_review.render import render
from contract_review.render.docx_comments import AUTHOR, INITIALS

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _body_without_comments(data: bytes) -> bytes:
    """document.xml body, canonicalized, with comment range markers and reference runs removed."""
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    body = root.find(W + "body")
    for el in list(body.iter(W + "commentRangeStart", W + "commentRangeEnd")):
        el.getparent().remove(el)
    for ref in list(body.iter(W + "commentReference")):
        run = ref.getparent()
        run.getparent().remove(run)
    return etree.tostring(body, method="c14n")


def _paragraph_texts(data: bytes) -> list[str]:
    d = docx.Document(io.BytesIO(data))
    out = [p.text for p in d.paragraphs]
    for t in d.tables:
        out += [c.text for row in t.rows for c in row.cells]
    return out


def _check_comments(out: bytes, report) -> None:
    """Exactly one comment per finding, by contract-review, each anchored on text inside its clause."""
    d = docx.Document(io.BytesIO(out))
    comments = list(d.comments)
    assert len(comments) == len(report.findings)
    assert all(c.author == AUTHOR and c.initials == INITIALS for c in comments)
    anchors = rs.docx_comment_anchors(out)
    clauses = {c.id: c for c in report.clauses}
    by_id = {c.comment_id: c for c in comments}
    assert set(anchors) == set(by_id)
    # comments are created in finding order: pair them and check each one's anchor and text
    for f, cid in zip(report.findings, sorted(anchors)):
        anchored = rs.squash(anchors[cid])
        assert anchored, f"empty anchor for {f.id}"
        assert anchored in rs.squash(clauses[f.clause_id].text), (f.id, anchors[cid])
        text = by_id[cid].text
        assert f.code in text and f.category in text and f.provision.law in text
        assert f.explanation in text and f.suggestion in text and f"{f.confidence:.0%}" in text


@pytest.mark.parametrize("name", ["paytv-dkgdc", "apartment-hdmb"])
def test_docx_input_gets_one_comment_per_finding_on_its_clause(name):
    data = renderers.render_docx(name)  # real Word numbering, tables
    report = rs.rich_report(data, f"{name}.docx")
    assert len(report.findings) >= 3 and len({f.clause_id for f in report.findings}) < len(report.findings)
    out = render(report, "docx", data)
    _check_comments(out, report)
    assert _paragraph_texts(out) == _paragraph_texts(data)
    assert _body_without_comments(out) == _body_without_comments(data)


def test_tricky_docx_structures_keep_formatting_and_get_anchors():
    data = rs.crafted_docx()
    report = rs.rich_report(data, "dkgdc.docx", rs.CRAFTED_SPEC)
    assert [f.clause_id for f in report.findings] == ["D1.K1", "D1.K1", "D1.K2", "D1.K3", "D2.K1"]
    out = render(report, "docx", data)
    _check_comments(out, report)
    # nothing of the original changed: runs, formatting, the hyperlink, the table, the content control
    assert _body_without_comments(out) == _body_without_comments(data)
    # the commented copy still reads to the same contract text
    doc_in, _ = rs.read(data, "a.docx")
    doc_out, _ = rs.read(out, "a.docx")
    assert doc_out.text == doc_in.text


def test_anchor_found_by_text_when_paragraph_index_is_off():
    data = rs.crafted_docx()
    report = rs.rich_report(data, "dkgdc.docx", rs.CRAFTED_SPEC)
    for c in report.clauses:  # as if the reader had counted one paragraph more
        c.paragraphs = [i + 1 for i in c.paragraphs]
    _check_comments(render(report, "docx", data), report)


def test_docx_source_must_match_the_report():
    data = rs.crafted_docx()
    report = rs.rich_report(data, "dkgdc.docx", rs.CRAFTED_SPEC)
    with pytest.raises(ReviewError) as e:
        render(report, "docx", renderers.render_docx("paytv-dkgdc"))
    assert "SHA-256" in e.value.message


@pytest.mark.parametrize("kind", ["txt", "pdf"])
def test_other_inputs_get_a_rebuilt_document_with_the_same_comments(kind):
    report = rs.rich_report(renderers.render_txt("paytv-dkgdc"), "paytv-dkgdc.txt")
    report.document.kind = kind
    out = render(report, "docx", None)
    _check_comments(out, report)
    text = "\n".join(_paragraph_texts(out))
    for c in report.clauses:  # the whole document, every clause
        assert rs.squash(c.text) in rs.squash(text)
    assert report.document.sha256 in text


def test_docx_report_without_source_falls_back_to_rebuilt():
    data = rs.crafted_docx()
    report = rs.rich_report(data, "dkgdc.docx", rs.CRAFTED_SPEC)
    _check_comments(render(report, "docx", None), report)


def test_xml_unsafe_characters_do_not_break_word_output():
    report = rs.rich_report("Điều 1. Phạm vi\n1. Công ty không chịu trách nhiệm bồi thường thiệt hại phát sinh.\n"
                            .encode("utf-8"), "a.txt", rs.DEFAULT_SPEC[:1])
    report.findings[0].explanation = "Lý do\x0bcó ký tự điều khiển\x01."
    report.clauses[-1].text += "\x0c"
    out = render(report, "docx")
    assert len(list(docx.Document(io.BytesIO(out)).comments)) == 1
    assert render(report, "memo")


# ----------------------------------------------------------------------------- memo


def _memo_text(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        parts += [p.text for row in t.rows for c in row.cells for p in c.paragraphs]
    parts += [p.text for p in d.sections[0].header.paragraphs]
    return "\n".join(parts)


def test_memo_layout_and_content():
    report = rs.rich_report(renderers.render_txt("paytv-dkgdc"), "paytv-dkgdc.txt")
    out = render(report, "memo")
    text = _memo_text(out)
    for must in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số:", "V/v: yêu cầu sửa đổi",
                 "Kính gửi:", "Căn cứ Luật Bảo vệ quyền lợi người tiêu dùng số 19/2023/QH15",
                 "Căn cứ Nghị định số 55/2024/NĐ-CP", "ĐIỀU KHOẢN CẦN SỬA ĐỔI", "Nơi nhận:", "DỰ THẢO",
                 "khoản 3 Điều 15 Nghị định số 55/2024/NĐ-CP", report.document.sha256):
        assert must in text, must
    flagged = list(dict.fromkeys(f.clause_id for f in sorted(report.findings, key=lambda f: f.start)))
    body = [p.text for p in docx.Document(io.BytesIO(out)).paragraphs]
    items = [t for t in body if re.match(r"\d+\. Điều khoản tại ", t)]
    assert len(items) == len(flagged)  # one numbered item per flagged clause, in document order
    for n, (item, cid) in enumerate(zip(items, flagged), 1):
        assert item.startswith(f"{n}. ") and f"(mã {cid})" in item
    clauses = {c.id: c for c in report.clauses}
    for cid in flagged:  # each item quotes its clause
        assert rs.squash(clauses[cid].text)[:60] in rs.squash(text)
    for f in report.findings:
        assert f.suggestion in text and f"Điều {f.provision.article}" in text
    fail = next(fc for fc in report.form_checks if fc.status == "fail")
    assert fail.message in text and "Điều 6 Nghị định số 55/2024/NĐ-CP" in text
    assert "điểm c khoản 1 Điều 13 Nghị định số 55/2024/NĐ-CP" in text  # registration required -> re-register
    # placeholders stand out for the inspector
    d = docx.Document(io.BytesIO(out))
    marked = [r.text for p in d.paragraphs for r in p.runs if r.font.highlight_color is not None]
    assert any("[Tên tổ chức, cá nhân kinh doanh]" in t for t in marked)


def test_memo_without_findings_says_so():
    report = rs.rich_report("Điều 1. Hiệu lực\n1. Điều kiện này có hiệu lực từ ngày ký.\n".encode("utf-8"), "a.txt", [])
    report.form_checks = []
    text = _memo_text(render(report, "memo"))
    assert "Không có điều khoản nào được đề nghị sửa đổi." in text
    assert "cần kiểm tra thủ công" in text


def test_existing_comments_of_the_author_are_kept():
    d = docx.Document(io.BytesIO(rs.crafted_docx()))
    d.add_comment(d.paragraphs[0].runs, text="Ghi chú của doanh nghiệp", author="Pháp chế", initials="PC")
    buf = io.BytesIO()
    d.save(buf)
    data = buf.getvalue()
    report = rs.rich_report(data, "dkgdc.docx", rs.CRAFTED_SPEC)
    out = render(report, "docx", data)
    comments = list(docx.Document(io.BytesIO(out)).comments)
    assert len(comments) == 1 + len(report.findings)
    assert [c.author for c in comments].count(AUTHOR) == len(report.findings)
    assert len({c.comment_id for c in comments}) == len(comments)
