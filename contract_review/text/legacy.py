"""Legacy Vietnamese encodings (TCVN3/ABC, VNI) converted to Unicode before analysis.

Two signals: the font of a DOCX run (".VnTime", ".VnArial" -> TCVN3; "VNI-Times" -> VNI), which is
certain, and character statistics over the whole text (viparse's detector) for text and PDF input.

The conversion tables are our own and complete (every letter, every tone, both cases), built below
from the encodings' layout rather than typed letter by letter; viparse's tables, trained on a corpus,
miss the letters its corpus never showed (ẳ, ỵ in VNI) and are used only to detect.

TCVN3 (the ABC set, TCVN 5712:1993 VN3) has no uppercase toned letters: headings are typed with the
lowercase codes in an uppercase font (".VnTimeH"). A run in such a font is uppercased; without font
information, a word whose other letters are all capitals is read as a capitalised word.
"""
from __future__ import annotations

import functools
import re
import unicodedata

from contract_review.model import Block

# Unicode tone marks in table order: none, grave (huyền), hook (hỏi), tilde (ngã), acute (sắc), dot (nặng)
TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")

# ----------------------------------------------------------------------------- TCVN3

# Each row: the vowel without tone, then grave, hook, tilde, acute, dot (TCVN 5712:1993 VN3 code
# points, shown as the Latin-1 characters a reader sees when the bytes are taken as Unicode).
_TCVN3_ROWS = {
    "a": "a\xb5\xb6\xb7\xb8\xb9",
    "ă": "\xa8\xbb\xbc\xbd\xbe\xc6",
    "â": "\xa9\xc7\xc8\xc9\xca\xcb",
    "e": "e\xcc\xce\xcf\xd0\xd1",
    "ê": "\xaa\xd2\xd3\xd4\xd5\xd6",
    "i": "i\xd7\xd8\xdc\xdd\xde",
    "o": "o\xdf\xe1\xe2\xe3\xe4",
    "ô": "\xab\xe5\xe6\xe7\xe8\xe9",
    "ơ": "\xac\xea\xeb\xec\xed\xee",
    "u": "u\xef\xf1\xf2\xf3\xf4",
    "ư": "\xad\xf5\xf6\xf7\xf8\xf9",
    "y": "y\xfa\xfb\xfc\xfd\xfe",
}
_TCVN3_UPPER = {"Ă": "\xa1", "Â": "\xa2", "Ê": "\xa3", "Ô": "\xa4", "Ơ": "\xa5", "Ư": "\xa6", "Đ": "\xa7", "đ": "\xae"}

# ----------------------------------------------------------------------------- VNI

# VNI writes a toned vowel as its base letter followed by one mark character; the marks for
# â/ê/ô and for ă carry the tone too. i with a tone, and ỵ, are single characters of their own
# (the mark would collide with the dot of i and the tail of y).
_VNI_TONE = {"": "", "\u0300": "\xf8", "\u0309": "\xfb", "\u0303": "\xf5", "\u0301": "\xf9", "\u0323": "\xef"}
_VNI_CIRCUMFLEX = {"": "\xe2", "\u0300": "\xe0", "\u0309": "\xe5", "\u0303": "\xe3", "\u0301": "\xe1", "\u0323": "\xe4"}
_VNI_BREVE = {"": "\xea", "\u0300": "\xe8", "\u0309": "\xfa", "\u0303": "\xfc", "\u0301": "\xe9", "\u0323": "\xeb"}
_VNI_SINGLE = {"ơ": "\xf4", "ư": "\xf6", "đ": "\xf1", "ì": "\xec", "í": "\xed", "ỉ": "\xe6", "ĩ": "\xf3", "ị": "\xf2",
               "ỵ": "\xee"}
# Other spellings met in files (the base letter with the generic mark; viparse's ỵ), accepted when reading
_VNI_VARIANTS = {"iø": "ì", "iù": "í", "iû": "ỉ", "iõ": "ĩ", "iï": "ị", "yï": "ỵ"}


def _compose(base: str, tone: str) -> str:
    return unicodedata.normalize("NFC", base + tone)


def _vni_lower(base: str, tone: str) -> str:
    letter = _compose(base, tone)
    if letter in _VNI_SINGLE:
        return _VNI_SINGLE[letter]
    if base in ("â", "ê", "ô"):
        return base.replace("â", "a").replace("ê", "e").replace("ô", "o") + _VNI_CIRCUMFLEX[tone]
    if base == "ă":
        return "a" + _VNI_BREVE[tone]
    if base in ("ơ", "ư"):
        return _VNI_SINGLE[base] + _VNI_TONE[tone]
    return base + _VNI_TONE[tone]


def _upper_vni(seq: str) -> str:
    # VNI's capital marks sit 0x20 below the small ones, exactly as Latin-1 capitals do
    return seq.upper()


@functools.lru_cache(maxsize=1)
def tables() -> dict[str, dict[str, str]]:
    """Unicode letter -> legacy spelling, per encoding: 12 vowels x 6 tones and đ, both cases.

    TCVN3 capitals with a tone have no code of their own: they map to the lowercase code (drawn
    as a capital by the ".VnTimeH" family of fonts)."""
    tcvn3: dict[str, str] = {}
    vni: dict[str, str] = {}
    for base in VOWELS:
        for k, tone in enumerate(TONES):
            lower = _compose(base, tone)
            upper = lower.upper()
            tcvn3[lower] = _TCVN3_ROWS[base][k]
            tcvn3[upper] = _TCVN3_UPPER.get(upper, tcvn3[lower])
            vni[lower] = _vni_lower(base, tone)
            vni[upper] = _upper_vni(vni[lower])
    tcvn3["đ"], tcvn3["Đ"] = _TCVN3_UPPER["đ"], _TCVN3_UPPER["Đ"]
    vni["đ"], vni["Đ"] = _VNI_SINGLE["đ"], _upper_vni(_VNI_SINGLE["đ"])
    # plain ASCII letters stand for themselves
    for t in (tcvn3, vni):
        for ch in list(t):
            if ch.isascii():
                del t[ch]
    return {"tcvn3": tcvn3, "vni": vni}


def encode(text: str, encoding: str) -> str:
    """Unicode -> the legacy spelling (what a legacy font shows when read as Latin-1)."""
    table = tables()[encoding]
    text = unicodedata.normalize("NFC", text)
    return "".join(table.get(ch, ch) for ch in text)


@functools.lru_cache(maxsize=None)
def _decoder(encoding: str) -> dict[str, str]:
    """Legacy spelling -> Unicode letter, including the variants met in real files."""
    out: dict[str, str] = {}
    for letter, seq in tables()[encoding].items():
        if encoding == "tcvn3" and letter.isupper() and seq == tables()[encoding].get(letter.lower()):
            continue  # a capital without a code of its own: the code reads as the small letter
        out.setdefault(seq, letter)
    if encoding == "vni":
        for seq, letter in _VNI_VARIANTS.items():
            out.setdefault(seq, letter)
            out.setdefault(seq.upper(), letter.upper())
        # a capital base with a small mark (or the reverse) was typed on purpose: keep the base's case
        for seq, letter in list(out.items()):
            if len(seq) == 2 and seq[0].isascii():
                out.setdefault(seq[0] + seq[1].swapcase(), letter.upper() if seq[0].isupper() else letter.lower())
    return out


# PDF text layers put out these code points in place of two TCVN3 bytes (ư's soft-hyphen slot
# and ã); they are letters only next to a letter
_PDF_GLYPHS = {"\u2212": "\xad", "\u2219": "\xb7"}


def _letter_like(ch: str, table: dict[str, str]) -> bool:
    return ch.isalpha() or ch in table  # "®" (đ in TCVN3) is a letter there


def decode(text: str, encoding: str, caps: bool = False, restore: bool = True) -> tuple[str, list[int]]:
    """Legacy spelling -> Unicode (NFC), with the source index of every output character.

    `caps`: the run is set in an all-capitals TCVN3 font (".VnTimeH"): everything is uppercased.
    `restore`: restore TCVN3 capitals from context here (off when the caller does it on the whole
    paragraph)."""
    table = _decoder(encoding)
    longest = max(len(k) for k in table)
    out: list[str] = []
    src: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if encoding == "tcvn3" and ch in _PDF_GLYPHS and (
                (i > 0 and _letter_like(text[i - 1], table)) or (i + 1 < n and _letter_like(text[i + 1], table))):
            ch = _PDF_GLYPHS[ch]
            text = text[:i] + ch + text[i + 1:]
        for size in range(min(longest, n - i), 0, -1):
            letter = table.get(text[i:i + size])
            if letter is not None:
                out.append(letter)
                src.append(i)
                i += size
                break
        else:
            out.append(ch)
            src.append(i)
            i += 1
    result = "".join(out)
    if encoding == "tcvn3":
        result = _upper(result) if caps else restore_caps(result) if restore else result
    return result, src


def _upper(text: str) -> str:
    """Uppercase without changing the length (offsets depend on it)."""
    return "".join(u if len(u := ch.upper()) == 1 else ch for ch in text)


def convert(text: str, encoding: str) -> str:
    if encoding not in ("tcvn3", "vni"):  # another legacy table viparse knows (VISCII, VPS)
        return _viparse().fix(text, encoding=encoding)
    return decode(text, encoding)[0]


_TONED = set()
for _b in VOWELS:
    for _t in TONES[1:]:
        _TONED.add(_compose(_b, _t))
_WORDS = re.compile(r"[^\W\d_]+")


def _caps_kind(word: str) -> str:
    """'caps': a word typed in capitals, the toned letters TCVN3 cannot capitalise aside ("HợP",
    "áP"); 'maybe': one leading capital or none, then only such letters ("Xã" or "XÃ", "ở" or "Ở");
    'no': anything else."""
    if not any(ch in _TONED for ch in word):
        return "no"
    others = [ch for ch in word if ch not in _TONED]
    if not all(ch.isupper() for ch in others):
        return "no"
    if len(others) >= 2 or (others and word[0] in _TONED):
        return "caps"
    return "maybe"


_ADJACENT = re.compile(r"^[\s,;:\-\"'()/&]*$")  # words separated by spaces or light punctuation
_SENTENCE_START = re.compile(r"(?:^|(?<![.\d])[.?!]\s+)[(\"'\s]*$")


# institution names written with a capital though mid-sentence ("của Ủy ban nhân dân tỉnh")
_INSTITUTIONS = re.compile(r"(?<![^\W\d_])ủy ban(?![^\W\d_])")


def restore_caps(text: str, eligible: list[bool] | None = None) -> str:
    """Capitalise the toned letters TCVN3 could not: words typed in capitals ("HợP ĐồNG" -> "HỢP
    ĐỒNG"), one-capital words ("Xã", "ở") between capitalised neighbours, and a toned letter that
    starts a paragraph or a sentence ("áp dụng" -> "Áp dụng"). `eligible` (per character) limits the
    changes to the characters that came from TCVN3 (the rest of a mixed paragraph is left as it is)."""
    if not any(ch in _TONED for ch in text):
        return text
    out = []
    offset = 0
    for line in text.split("\n"):
        base = offset
        offset += len(line) + 1

        def ok(i: int) -> bool:
            return eligible is None or eligible[base + i]

        words = list(_WORDS.finditer(line))
        kinds = [_caps_kind(m.group(0)) for m in words]
        # evidence of capitals: 2 for a word with a toned capital or in capitals with a Vietnamese
        # letter ("BÊN"), 1 for capitals in ASCII ("TY", but also an acronym: "CCCD"), 0 otherwise
        level = [2 if k == "caps" or (m.group(0).isupper() and len(m.group(0)) >= 2 and not m.group(0).isascii())
                 else 1 if m.group(0).isupper() and len(m.group(0)) >= 2 else 0
                 for m, k in zip(words, kinds)]
        adjacent = [bool(_ADJACENT.match(line[a.end():b.start()])) for a, b in zip(words, words[1:])]
        chars = list(line)
        k = 0
        while k < len(words):
            if kinds[k] != "maybe":
                k += 1
                continue
            j = k  # the run of adjacent one-capital words k..j
            while j + 1 < len(words) and kinds[j + 1] == "maybe" and adjacent[j]:
                j += 1
            # the style of the phrase carries forward: the word before decides when it is clear
            left = level[k - 1] if k > 0 and adjacent[k - 1] else None
            right = level[j + 1] if j + 1 < len(words) and adjacent[j] else None
            upper = left == 2 or (left in (1, None) and right == 2) or (left == 1 and right == 1)
            if upper:
                for n in range(k, j + 1):
                    kinds[n] = "caps"
            k = j + 1
        for m, kind in zip(words, kinds):
            w = m.group(0)
            if kind == "caps":
                for i in range(m.start(), m.end()):
                    if ok(i):
                        chars[i] = _upper(chars[i])
            elif w[0] in _TONED and ok(m.start()) and _SENTENCE_START.search(line[:m.start()]):
                chars[m.start()] = w[0].upper()
        for m in _INSTITUTIONS.finditer(line):
            if ok(m.start()):
                chars[m.start()] = chars[m.start()].upper()
        out.append("".join(chars))
    return "\n".join(out)


# ----------------------------------------------------------------------------- detection


@functools.lru_cache(maxsize=1)
def _viparse():
    import viparse

    return viparse


def font_encoding(font: str | None) -> str | None:
    """'tcvn3' for the ABC fonts (.VnTime, .VnArialH, VnTime...), 'vni' for VNI-Times and kin."""
    if not font:
        return None
    f = re.sub(r"^[A-Z]{6}\+", "", font.strip()).lower()  # PDF subset tag "ABCDEF+"
    if f.startswith(("vni-", "vni ", "vni_")):
        return "vni"
    if f.startswith(".vn") or re.match(r"vn(time|arial|avant|book|century|helv|courier|times)", f) or f.startswith("abc "):
        return "tcvn3"
    return None


def font_is_caps(font: str | None) -> bool:
    """The all-capitals TCVN3 fonts end in "H": .VnTimeH, .VnArial NarrowH, .VnBook-AntiquaH."""
    if font_encoding(font) != "tcvn3":
        return False
    name = re.sub(r"[\s,]*(bold|italic|regular)\s*$", "", font.strip(), flags=re.I)
    return name.endswith("H")


def detect(text: str) -> str | None:
    """'tcvn3', 'vni' (or another legacy name viparse knows) when the text is mis-decoded Vietnamese."""
    sample = text[:20000]
    if len(sample) < 40:
        return None
    return _viparse().detect_text_encoding(sample)


# ----------------------------------------------------------------------------- blocks


def _convert_with_map(text: str, pieces: list[tuple[int, int, str | None, bool]]) -> tuple[str, list[int]]:
    """Convert the pieces (start, end, encoding or None, caps) covering `text`; return the new text
    and, for every old position 0..len(text), the new position."""
    out: list[str] = []
    eligible: list[bool] = []  # characters whose TCVN3 capitals are restored from the paragraph
    old_to_new = [0] * (len(text) + 1)
    pos = 0
    for start, end, enc, caps in pieces:
        seg = text[start:end]
        if enc:
            new, src = decode(seg, enc, caps=caps, restore=False)
        else:
            new, src = seg, list(range(len(seg)))
        eligible += [enc == "tcvn3" and not caps] * len(new)
        # an old position maps to the first new character made from it or after it
        k = len(new)
        for i in range(len(seg) - 1, -1, -1):
            while k > 0 and src[k - 1] >= i:
                k -= 1
            old_to_new[start + i] = pos + k
        out.append(new)
        pos += len(new)
    old_to_new[len(text)] = pos
    new_text = "".join(out)
    if any(eligible):
        new_text = restore_caps(new_text, eligible)
    return new_text, old_to_new


def _pieces(block: Block) -> list[tuple[int, int, str | None, bool]]:
    """Maximal stretches of the block text in one encoding (runs of one legacy font are merged, so
    a letter whose mark is in the next run still converts), unstyled gaps left as they are."""
    marks: list[tuple[str | None, bool]] = [(None, False)] * len(block.text)
    for s in block.styles:
        enc = font_encoding(s.font)
        for i in range(max(0, s.start), min(s.end, len(block.text))):
            marks[i] = (enc, font_is_caps(s.font))
    pieces: list[tuple[int, int, str | None, bool]] = []
    for i, m in enumerate(marks):
        if pieces and (pieces[-1][2], pieces[-1][3]) == m:
            pieces[-1] = (pieces[-1][0], i + 1, *m)
        else:
            pieces.append((i, i + 1, *m))
    return pieces


def convert_block(block: Block, encoding: str) -> Block:
    """Convert a whole block (text and PDF input detected by content), keeping its style spans on
    the same characters."""
    if encoding not in tables():  # VISCII, VPS: one character for one, offsets unchanged
        return block.model_copy(update={"text": convert(block.text, encoding)})
    return _apply(block, [(0, len(block.text), encoding, False)])


def convert_block_by_fonts(block: Block) -> tuple[Block, str | None]:
    """Convert the runs of a DOCX block whose font is a legacy Vietnamese font."""
    encs = {font_encoding(s.font) for s in block.styles} - {None}
    if not encs:
        return block, None
    pieces = _pieces(block)
    legacy_text = "".join(block.text[a:b] for a, b, enc, _ in pieces if enc)
    if any(ch.isalpha() and ord(ch) > 0xFF for ch in legacy_text):
        # Vietnamese letters beyond Latin-1 ("ợ", "ư"): the text was converted to Unicode and the
        # legacy font name left behind; converting again would turn "không" into "khơng"
        return block, None
    return _apply(block, pieces), sorted(encs)[0]


def _apply(block: Block, pieces: list[tuple[int, int, str | None, bool]]) -> Block:
    text, old_to_new = _convert_with_map(block.text, pieces)
    spans = []
    for s in block.styles:
        a, b = old_to_new[max(0, min(s.start, len(block.text)))], old_to_new[max(0, min(s.end, len(block.text)))]
        if b > a:
            spans.append(s.model_copy(update={"start": a, "end": b}))
    update: dict = {"text": text, "styles": spans}
    if block.numbering and block.text.startswith(block.numbering):
        update["numbering"] = text[:old_to_new[len(block.numbering)]]
    return block.model_copy(update=update)
