"""Registration duty (REG): is the form's sector on the list of products and services whose forms must
be registered before use (Luật 19/2023/QH15 Điều 28 khoản 1; NĐ 55/2024/NĐ-CP Điều 7), and what that
means in practice. The list, its legal source, effective date and the registering authority are data
(rules/registration.yaml), so a change of the list or of the authority is an edit, not a release.
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from contract_review.analyze.outline import fold
from contract_review.analyze.rules import _data_dir
from contract_review.analyze.sector import SectorGuess, load_sectors
from contract_review.errors import UnknownSector
from contract_review.model import Registration

ENV_FILE = "CONTRACT_REVIEW_REGISTRATION_FILE"


@dataclass(frozen=True)
class ListItem:
    item: int
    sector: str
    name_vi: str
    outside_scope: re.Pattern | None = None
    outside_note: str = ""
    requires: re.Pattern | None = None
    requires_note: str = ""


@dataclass(frozen=True)
class RegistrationList:
    version: str
    instrument: str
    effective_from: dt.date | None
    reissued_by: str | None
    citation: str
    authority: str
    authority_from: dt.date | None
    authority_basis: str
    procedure: str
    consequence: str
    not_listed: str
    items: dict[str, ListItem]  # by sector slug


def _date(v) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v))


def vi_date(d: dt.date | None) -> str:
    return f"{d.day:02d}/{d.month}/{d.year}" if d else ""


def load_registration_list(path: str | Path | None = None) -> RegistrationList:
    """The list in force: `path`, else the file named by $CONTRACT_REVIEW_REGISTRATION_FILE, else the
    packaged rules/registration.yaml."""
    return _load(str(path or os.environ.get(ENV_FILE) or _default_path()))


@functools.lru_cache(maxsize=1)
def _default_path() -> str:
    return str(_data_dir() / "registration.yaml")


@functools.lru_cache(maxsize=4)
def _load(path: str) -> RegistrationList:
    data = yaml.safe_load(Path(path).read_text("utf-8"))
    lst, auth = data["list"], data["authority"]
    items = {}
    for it in data["items"]:
        items[it["sector"]] = ListItem(
            item=int(it["item"]), sector=it["sector"], name_vi=it["name_vi"],
            outside_scope=re.compile(it["outside_scope"], re.I) if it.get("outside_scope") else None,
            outside_note=it.get("outside_note", ""),
            requires=re.compile(it["requires"], re.I) if it.get("requires") else None,
            requires_note=it.get("requires_note", ""),
        )
    re_by = lst.get("reissued_by") or {}
    return RegistrationList(
        version=str(data.get("version", "")), instrument=lst["instrument"], effective_from=_date(lst.get("effective_from")),
        reissued_by=re_by.get("instrument"), citation=lst["citation"], authority=auth["current"],
        authority_from=_date(auth.get("effective_from")), authority_basis=auth.get("basis", ""),
        procedure=data["procedure"], consequence=data["consequence"], not_listed=data["not_listed"], items=items,
    )


def check_sector_hint(hint: str | None) -> str | None:
    """The user's sector slug, validated (a typo must not silently turn into "no registration needed")."""
    if hint is None or not str(hint).strip():
        return None
    slug = str(hint).strip().lower().replace("-", "_")
    sectors = load_sectors()
    if slug not in sectors:
        raise UnknownSector(
            f"Lĩnh vực «{hint}» không có trong danh sách. Các mã hợp lệ: {', '.join(sorted(sectors))}.")
    return slug


def decide_registration(guess: SectorGuess, title: str, body: str, hint: str | None = None,
                        reg: RegistrationList | None = None) -> Registration:
    reg = reg or load_registration_list()
    sectors = load_sectors()
    if hint:
        slug = check_sector_hint(hint)
        guess = SectorGuess(slug, sectors[slug].name_vi, 1.0, ["lĩnh vực do người dùng chỉ định"], guess.scores)
    if guess.sector is None:
        return Registration(
            confidence=0.0, required=False,
            explanation=("Không xác định được lĩnh vực của văn bản, nên chưa kết luận được việc có phải đăng ký hay "
                         "không. Hãy chỉ định lĩnh vực (tùy chọn --sector). Danh mục phải đăng ký gồm: "
                         + "; ".join(f"{i.item}. {i.name_vi}" for i in sorted(reg.items.values(), key=lambda i: i.item))
                         + "."))
    item = reg.items.get(guess.sector)
    how = "theo chỉ định của người dùng" if hint else (
        f"nhận diện từ các từ ngữ: {', '.join(guess.evidence[:5])}" if guess.evidence else "")
    sector_line = f"Lĩnh vực: {guess.name_vi} ({how})." if how else f"Lĩnh vực: {guess.name_vi}."
    base = dict(sector=guess.sector, sector_name=guess.name_vi, confidence=guess.confidence, evidence=guess.evidence)
    if item is None:
        return Registration(**base, required=False, explanation=f"{sector_line} {reg.not_listed}")
    t, b = fold(title), (body if body.islower() else fold(body))
    if item.outside_scope is not None and t and item.outside_scope.search(t):
        return Registration(**base, required=False, item=item.item,
                            explanation=f"{sector_line} {item.outside_note} {reg.not_listed}")
    if item.requires is not None:
        scope = t if t and re.search(r"căn hộ|chung cư|nhà ở", t) else b
        if not item.requires.search(scope):
            return Registration(**base, required=False, item=item.item,
                                explanation=f"{sector_line} {item.requires_note}")
    listed = f"Danh mục ban hành kèm theo {reg.instrument}, hiệu lực từ {vi_date(reg.effective_from)}"
    if reg.reissued_by:
        listed += f", nay được ban hành lại tại {reg.reissued_by} với cùng danh mục"
    where = reg.authority
    if reg.authority_from:
        where += f" — áp dụng từ {vi_date(reg.authority_from)} theo {reg.authority_basis}"
    explanation = (
        f"{sector_line} Thuộc Danh mục phải đăng ký hợp đồng theo mẫu, điều kiện giao dịch chung, mục {item.item}: "
        f"{item.name_vi} ({listed}). {reg.consequence} Nơi đăng ký: {where}. {reg.procedure}")
    return Registration(**base, required=True, item=item.item, basis=reg.citation, explanation=explanation)
