"""Phrases for the document checks: regular expressions on lower-cased text that are tried only where
one of the literal words they start with occurs.

A contract of 20 pages is 40 000 characters; a pattern such as r"\\b(bán|cung cấp)\\s+cho …" would make
the regex engine try every position. Starting the match only at the few places where "bán" or
"cung cấp" occurs keeps all the mandatory-content checks within a few milliseconds.
"""
from __future__ import annotations

import re

FLAGS = re.I | re.M
_SPECIAL = set("\\()[]{}*+?.|^$")


def _literal_prefix(pattern: str) -> str:
    """Plain characters at the start of a pattern (an optional last letter dropped)."""
    k = 0
    while k < len(pattern) and pattern[k] not in _SPECIAL:
        k += 1
    word = pattern[:k]
    if pattern[k:k + 1] in ("?", "*", "{"):
        word = word[:-1]
    return word.strip()


def _group_end(pattern: str, start: int) -> int:
    """Index just after the group opening at `start` (pattern[start] == "(")."""
    depth, i, in_class = 0, start, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def triggers(pattern: str) -> tuple[str, ...] | None:
    """Literal words one of which any match must start with ("(bán|cung cấp)…" -> ("bán", "cung cấp")), or
    None when the pattern does not begin with plain words. A text without any of them cannot match, which
    spares the regex engine a scan of the whole contract for most phrases."""
    branches = _top_level_branches(pattern)
    if len(branches) > 1:
        found = [triggers(b) for b in branches]
        return None if any(f is None for f in found) else tuple(w for f in found for w in f)  # type: ignore[union-attr]
    p = pattern
    while p.startswith(("\\b", "^")):  # zero-width starts: the match still begins with the words
        p = p[2:] if p.startswith("\\b") else p[1:]
    if p.startswith("("):
        end = _group_end(p, 0)
        if end < 0 or p[end:end + 1] in ("?", "*", "{") or p.startswith("(?"):
            return None
        alts = _top_level_branches(p[1:end - 1])
        words = [_literal_prefix(a) for a in alts]
        return None if any(len(w) < 2 for w in words) else tuple(words)
    word = _literal_prefix(p)
    return (word,) if len(word) >= 2 else None


def _top_level_branches(pattern: str) -> list[str]:
    out, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


class Phrase:
    """One or more regular expressions on lower-cased text. A pattern that starts with plain words is tried
    only where one of those words occurs (an anchored match there); one with explicit `needs` words only on
    texts containing one of them. Long contracts stay fast: most phrases start with a word that occurs a
    few times, and the engine never walks the whole text for them."""

    def __init__(self, patterns: list):
        self.parts: list[tuple[re.Pattern, tuple[str, ...] | None, bool]] = []
        for p in patterns:
            if isinstance(p, dict):  # {pattern: …, needs: [words]} when the pattern does not start with words
                self.parts.append((re.compile(p["pattern"], FLAGS), tuple(w.lower() for w in p["needs"]), False))
            else:
                words = triggers(p)
                self.parts.append((re.compile(p, FLAGS), tuple(w.lower() for w in words) if words else None, True))

    def search(self, text: str) -> re.Match | None:
        for rx, words, anchored in self.parts:
            if words is None:
                m = rx.search(text)
            elif anchored:
                m = _first_anchored(rx, words, text)
            elif any(w in text for w in words):
                m = rx.search(text)
            else:
                continue
            if m:
                return m
        return None


def _first_anchored(rx: re.Pattern, words: tuple[str, ...], text: str) -> re.Match | None:
    best = None
    for w in words:
        i = text.find(w)
        while i >= 0 and (best is None or i < best.start()):
            m = rx.match(text, i)
            if m:
                best = m
                break
            i = text.find(w, i + 1)
    return best


def compile_phrase(patterns) -> Phrase | None:
    """A Phrase from one pattern, a list of patterns, or nothing (None)."""
    if not patterns:
        return None
    if isinstance(patterns, str):
        patterns = [patterns]
    return Phrase(list(patterns))
