"""The rule library: YAML rules (one file per legal provision) compiled once, matched per clause.

A rule fires on a clause when one of its `patterns` matches the clause, none of its `unless`
patterns matches the clause, and none of its `requires_absent` patterns (the cure of a conditional
provision: termination right, prior notice, opt-out) occurs in its `scope` (the clause, or the
enclosing article). Patterns are regexes over the normalized text (case-insensitive, with macros
such as `{B}` for the business and `{C}` for the consumer), literal phrase lists, spaCy Matcher token
patterns over the underthesea word segmentation, or `all:` conjunctions of those.

Regexes run under a time limit (the `regex` module's timeout) and on bounded windows, so a
pathological pattern or a 1 MB clause without punctuation cannot hang a review.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import regex
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from contract_review.model import Match, Provision, RuleHit, Severity

LAW_19 = "Luật Bảo vệ quyền lợi người tiêu dùng số 19/2023/QH15"
REGEX_TIMEOUT = 0.05  # seconds per search
WINDOW = 4000  # characters per regex window on very long clauses
OVERLAP = 400


class RuleSpecError(ValueError):
    """A malformed rule file; the message names the file and the rule."""


# ----------------------------------------------------------------------------- schema


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BasisSpec(_Spec):
    law: str = "Luật 19/2023/QH15"
    article: str
    clause: str | None = None  # khoản
    point: str | None = None  # điểm

    @field_validator("article", "clause", "point", mode="before")
    @classmethod
    def _str(cls, v: Any) -> Any:
        return str(v) if v is not None else v

    def citation(self) -> str:
        parts = [self.law, f"Điều {self.article}"]
        if self.clause:
            parts.append(f"khoản {self.clause}")
        if self.point:
            parts.append(f"điểm {self.point}")
        return ", ".join(parts)

    def provision(self) -> Provision:
        law = LAW_19 if "19/2023" in self.law else self.law
        return Provision(law=law, article=self.article, clause=self.clause, point=self.point, citation=self.citation())


class PatternSpec(_Spec):
    regex: str | None = None
    phrases: list[str] | None = None
    tokens: list[dict[str, Any]] | None = None
    all: list["PatternSpec"] | None = None
    within: int | None = None  # for `all`: max characters between the first and last part

    @model_validator(mode="after")
    def _one_kind(self) -> "PatternSpec":
        kinds = [k for k in ("regex", "phrases", "tokens", "all") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a pattern needs exactly one of regex/phrases/tokens/all, got {kinds or 'none'}")
        if self.within is not None and self.all is None:
            raise ValueError("'within' only applies to 'all'")
        return self


class Examples(_Spec):
    flag: list[str] = Field(min_length=3)
    pass_: list[str] = Field(alias="pass", min_length=3)


class RuleSpec(_Spec):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]+$")
    category: str
    basis: BasisSpec
    severity: Severity
    message: str = Field(min_length=20)
    suggestion: str = Field(min_length=10)
    scope: Literal["clause", "article"] = "clause"
    patterns: list[PatternSpec] = Field(min_length=1)
    unless: list[PatternSpec] = Field(default_factory=list)
    requires_absent: list[PatternSpec] = Field(default_factory=list)
    examples: Examples
    note: str | None = None


class CureExamples(_Spec):
    cured: list[str] = Field(min_length=2)
    not_cured: list[str] = Field(min_length=2)


class CureSpec(_Spec):
    """Wording that makes a clause fair under a provision whatever else it says (the law's own carve-out
    or cure, e.g. "giải thích theo hướng có lợi cho người tiêu dùng" — Điều 24). A classifier score alone
    cannot outweigh it: a model-only finding of that code is dropped. Rule findings keep their own
    `unless` / `requires_absent`."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]+$")
    categories: list[str] = Field(min_length=1)
    basis: BasisSpec
    reason: str = Field(min_length=20)
    patterns: list[PatternSpec] = Field(min_length=1)
    examples: CureExamples


class RuleFile(_Spec):
    provision: str | None = None  # human title of the provision this file covers
    rules: list[RuleSpec]
    cures: list[CureSpec] = Field(default_factory=list)


@dataclass
class Cure:
    spec: CureSpec
    file: str
    patterns: list["_Compiled"]

    @property
    def id(self) -> str:
        return self.spec.id


# ----------------------------------------------------------------------------- compiled


@dataclass
class _Compiled:
    """A compiled pattern: regex, or token-matcher key, or a conjunction of parts."""

    kind: str  # regex | tokens | all
    rx: Any = None
    key: str | None = None
    parts: list["_Compiled"] = field(default_factory=list)
    within: int | None = None
    source: str = ""
    # necessary literals in conjunctive form: the pattern cannot match unless, for every set, one of
    # its strings occurs in the lower-cased text. Checked before running the regex or the tokenizer.
    needs: tuple[frozenset[str], ...] = ()

    def may_match(self, present: frozenset[str]) -> bool:
        """`present`: the library's necessary literals that occur in the lower-cased text."""
        if self.kind == "all":
            return all(p.may_match(present) for p in self.parts)
        return all(not group.isdisjoint(present) for group in self.needs)


@dataclass
class Rule:
    spec: RuleSpec
    file: str
    patterns: list[_Compiled]
    unless: list[_Compiled]
    requires_absent: list[_Compiled]

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def code(self) -> str:
        return self.spec.category


@dataclass
class RuleResult:
    """Outcome of one rule on one text, kept for explanations (`rules check`)."""

    rule: Rule
    fired: bool
    matches: list[tuple[int, int]]
    decided_by: str | None = None  # "unless: ..." / "requires_absent: ..."


def _data_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    installed = here / "_data" / "rules"
    return installed if installed.is_dir() else here.parent / "rules"


class RuleLibrary:
    """All rules, compiled once per process."""

    def __init__(self, rules: list[Rule], macros: dict[str, str], version: str, files: list[str],
                 cures: list[Cure] | None = None):
        self.rules = rules
        self.cures = cures or []
        self.macros = macros
        self.version = version
        self.files = files
        self.by_id = {r.id: r for r in rules}
        self._matcher = None
        self._token_patterns: dict[str, list[list[dict]]] = {}
        needs: set[str] = set()
        for r in rules:
            for group in (r.patterns, r.unless, r.requires_absent):
                for c in group:
                    self._collect_tokens(c)
                    _collect_needs(c, needs)
        for cure in self.cures:
            for c in cure.patterns:
                self._collect_tokens(c)
                _collect_needs(c, needs)
        self.needs = tuple(sorted(needs))  # every necessary literal, checked once per text

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, directory: str | Path | None = None) -> "RuleLibrary":
        d = Path(directory) if directory else _data_dir()
        if not d.is_dir():
            raise RuleSpecError(f"rules directory not found: {d}")
        macros_file = d / "macros.yaml"
        macros = yaml.safe_load(macros_file.read_text("utf-8")) if macros_file.exists() else {}
        macros = {str(k): str(v) for k, v in (macros or {}).get("macros", {}).items()}
        digest = hashlib.sha256()
        rules: list[Rule] = []
        cures: list[Cure] = []
        files = []
        seen: dict[str, str] = {}
        for path in sorted(d.glob("*.yaml")):
            if path.name in ("macros.yaml", "registration.yaml", "categories.yaml", "checks.yaml"):
                if path.name == "macros.yaml":
                    digest.update(path.read_bytes())
                continue
            raw = path.read_bytes()
            digest.update(path.name.encode() + raw)
            files.append(path.name)
            try:
                data = yaml.safe_load(raw.decode("utf-8"))
            except yaml.YAMLError as e:
                raise RuleSpecError(f"{path.name}: YAML không hợp lệ: {e}") from e
            try:
                rf = RuleFile.model_validate(data)
            except ValidationError as e:
                rid = _rule_id_of_error(data, e)
                raise RuleSpecError(f"{path.name}{' (rule ' + rid + ')' if rid else ''}: {_short(e)}") from e
            for spec in rf.rules:
                if spec.id in seen:
                    raise RuleSpecError(f"{path.name}: rule id '{spec.id}' already defined in {seen[spec.id]}")
                seen[spec.id] = path.name
                try:
                    rules.append(Rule(
                        spec=spec, file=path.name,
                        patterns=[_compile(p, macros, f"{spec.id}/p{i}") for i, p in enumerate(spec.patterns)],
                        unless=[_compile(p, macros, f"{spec.id}/u{i}") for i, p in enumerate(spec.unless)],
                        requires_absent=[_compile(p, macros, f"{spec.id}/r{i}") for i, p in enumerate(spec.requires_absent)],
                    ))
                except (regex.error, ValueError, KeyError) as e:
                    raise RuleSpecError(f"{path.name} (rule {spec.id}): {e}") from e
            for spec in rf.cures:
                if spec.id in seen:
                    raise RuleSpecError(f"{path.name}: id '{spec.id}' already defined in {seen[spec.id]}")
                seen[spec.id] = path.name
                try:
                    cures.append(Cure(spec=spec, file=path.name,
                                      patterns=[_compile(p, macros, f"{spec.id}/c{i}") for i, p in enumerate(spec.patterns)]))
                except (regex.error, ValueError, KeyError) as e:
                    raise RuleSpecError(f"{path.name} (cure {spec.id}): {e}") from e
        if not rules:
            raise RuleSpecError(f"no rules found in {d}")
        return cls(rules, macros, digest.hexdigest()[:12], files, cures)

    # ------------------------------------------------------------------ token matcher
    def _collect_tokens(self, c: _Compiled) -> None:
        if c.kind == "tokens":
            self._token_patterns.setdefault(c.key, []).append(c.rx)
        for p in c.parts:
            self._collect_tokens(p)

    def _get_matcher(self):
        if self._matcher is None and self._token_patterns:
            from spacy.matcher import Matcher

            nlp = _blank_vi()
            m = Matcher(nlp.vocab, validate=True)
            for key, pats in self._token_patterns.items():
                try:
                    m.add(key, pats)
                except Exception as e:  # spaCy's validation error: name the rule
                    raise RuleSpecError(f"token pattern {key}: {e}") from e
            self._matcher = m
        return self._matcher

    def token_spans(self, text: str, tokens=None) -> dict[str, list[tuple[int, int]]]:
        """Run all token patterns over the clause once: key -> character spans."""
        if not self._token_patterns:
            return {}
        from spacy.tokens import Doc

        from contract_review.text.tokenize import tokenize

        toks = tokens if tokens is not None else tokenize(text[:WINDOW * 4])
        if not toks:
            return {}
        words = [t.text for t in toks]
        spaces = [(toks[i + 1].start > toks[i].end) if i + 1 < len(toks) else False for i in range(len(toks))]
        doc = Doc(_blank_vi().vocab, words=words, spaces=spaces)
        out: dict[str, list[tuple[int, int]]] = {}
        vocab = doc.vocab.strings
        for match_id, s, e in self._get_matcher()(doc):
            out.setdefault(vocab[match_id], []).append((toks[s].start, toks[e - 1].end))
        return out

    # ------------------------------------------------------------------ matching
    def _find(self, c: _Compiled, text: str, tok: dict[str, list[tuple[int, int]]] | None,
              present: frozenset[str] | None = None) -> list[tuple[int, int]]:
        if present is not None and not c.may_match(present):
            return []
        if c.kind == "regex":
            return _regex_spans(c.rx, text)
        if c.kind == "tokens":
            return (tok or {}).get(c.key, [])
        found = []
        for part in c.parts:
            spans = self._find(part, text, tok, present)
            if not spans:
                return []
            found.append(spans)
        if c.within is None:
            return [s[0] for s in found]
        # choose one span per part so that all lie within `within` characters
        first = found[0]
        for anchor in first:
            chosen = [anchor]
            for spans in found[1:]:
                near = [s for s in spans if abs(s[0] - anchor[0]) <= c.within]
                if not near:
                    break
                chosen.append(min(near, key=lambda s: abs(s[0] - anchor[0])))
            else:
                if max(s[1] for s in chosen) - min(s[0] for s in chosen) <= c.within + 200:
                    return chosen
        return []

    def evaluate(self, text: str, scope_text: str | None = None, tokens=None,
                 rules: list[Rule] | None = None, explain: bool = False) -> list[RuleResult]:
        """Apply rules to one clause. Returns fired results (and, with explain, the suppressed ones)."""
        ctx = _Lazy(self, text, tokens)
        scope = None
        results = []
        for rule in rules or self.rules:
            spans: list[tuple[int, int]] = []
            for c in rule.patterns:
                spans = ctx.find(c)
                if spans:
                    break
            if not spans:
                continue
            decided = None
            for i, c in enumerate(rule.unless):
                if ctx.find(c):
                    decided = f"unless[{i}]: {c.source}"
                    break
            if decided is None and rule.requires_absent:
                target = ctx
                if rule.spec.scope == "article" and scope_text and scope_text != text:
                    scope = scope or _Lazy(self, scope_text, None)
                    target = scope
                for i, c in enumerate(rule.requires_absent):
                    if target.find(c):
                        decided = f"requires_absent[{i}]: {c.source}"
                        break
            if decided is None:
                results.append(RuleResult(rule, True, _merge(spans)))
            elif explain:
                results.append(RuleResult(rule, False, _merge(spans), decided))
        return results

    def cures_in(self, text: str, tokens=None, cures: list[Cure] | None = None) -> dict[str, list[str]]:
        """Code -> ids of the cures whose wording occurs in the text."""
        ctx = _Lazy(self, text, tokens)
        out: dict[str, list[str]] = {}
        for cure in cures if cures is not None else self.cures:
            if any(ctx.find(c) for c in cure.patterns):
                for code in cure.spec.categories:
                    out.setdefault(code, []).append(cure.id)
        return out

    def hits(self, clause_id: str, text: str, offset: int, scope_text: str | None = None, tokens=None) -> list[RuleHit]:
        """Fired rules on a clause as RuleHits with absolute offsets (clause starts at `offset`)."""
        out = []
        for res in self.evaluate(text, scope_text, tokens):
            out.append(RuleHit(
                rule_id=res.rule.id, code=res.rule.code, clause_id=clause_id, severity=res.rule.spec.severity,
                matches=[Match(text=text[s:e], start=offset + s, end=offset + e) for s, e in res.matches],
            ))
        return out


class _Lazy:
    """One text under evaluation: lower-cased once; tokenized only when a token pattern may match."""

    def __init__(self, lib: RuleLibrary, text: str, tokens) -> None:
        self.lib, self.text, self.tokens = lib, text, tokens
        lowered = text.lower()
        self.present = frozenset(n for n in lib.needs if n in lowered)
        self._tok: dict[str, list[tuple[int, int]]] | None = None

    def token_spans(self) -> dict[str, list[tuple[int, int]]]:
        if self._tok is None:
            self._tok = self.lib.token_spans(self.text, self.tokens)
        return self._tok

    def find(self, c: _Compiled) -> list[tuple[int, int]]:
        if not c.may_match(self.present):
            return []
        if c.kind == "regex":
            return _regex_spans(c.rx, self.text)
        if c.kind == "tokens":
            return self.token_spans().get(c.key, [])
        return self.lib._find(c, self.text, self.token_spans() if _has_tokens(c) else {}, self.present)


def _collect_needs(c: _Compiled, out: set[str]) -> None:
    for group in c.needs:
        out |= group
    for p in c.parts:
        _collect_needs(p, out)


def _has_tokens(c: _Compiled) -> bool:
    return c.kind == "tokens" or any(_has_tokens(p) for p in c.parts)


def _regex_needs(pattern: str) -> tuple[frozenset[str], ...]:
    """Necessary literals of a regex (case-insensitive) in conjunctive form, found by walking the
    parsed pattern: every element of a sequence is needed; an alternation needs one of its branches'
    most selective literal set; optional parts need nothing. Unparseable patterns need nothing."""
    try:
        import re._parser as sre_parse  # Python >= 3.11
        from re._constants import BRANCH, LITERAL, MAX_REPEAT, MIN_REPEAT, SUBPATTERN
    except ImportError:  # pragma: no cover
        return ()
    try:
        parsed = sre_parse.parse(pattern, 0)
    except Exception:
        return ()  # regex-module-only syntax: always run the regex

    def seq(items) -> list[frozenset[str]]:
        out: list[frozenset[str]] = []
        run = ""
        for op, av in items:
            if op is LITERAL:
                run += chr(av).lower()
                continue
            if len(run) >= 2:
                out.append(frozenset([run]))
            run = ""
            out += node(op, av)
        if len(run) >= 2:
            out.append(frozenset([run]))
        return out

    def best(groups: list[frozenset[str]]) -> frozenset[str] | None:
        return max(groups, key=lambda g: (min(map(len, g)), -len(g)), default=None)

    def node(op, av) -> list[frozenset[str]]:
        if op is SUBPATTERN:
            return seq(av[-1])
        if op is BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                b = best(seq(branch))
                if b is None:
                    return []
                union |= b
            return [frozenset(union)]
        if op in (MAX_REPEAT, MIN_REPEAT):
            lo, _, body = av
            return seq(body) if lo >= 1 else []
        return []

    groups = [g for g in seq(parsed) if g]
    return tuple(dict.fromkeys(groups))


def _token_needs(tokens: list[dict]) -> tuple[frozenset[str], ...]:
    out = []
    for t in tokens:
        op = str(t.get("OP", ""))
        if op not in ("", "+", "!") and not op.startswith("{1"):
            continue
        if op == "!":
            continue
        v = t.get("LOWER")
        vals = [v] if isinstance(v, str) else (v.get("IN") if isinstance(v, dict) else None)
        if vals:
            out.append(frozenset(x.lower() for x in vals))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _blank_vi():
    import spacy

    # a blank Vocab is enough: Docs are built from underthesea tokens, pyvi is never called
    return spacy.blank("xx")


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(set(spans)):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _regex_spans(rx, text: str) -> list[tuple[int, int]]:
    if len(text) <= WINDOW:
        windows = [(0, text)]
    else:
        windows = [(i, text[i:i + WINDOW]) for i in range(0, len(text), WINDOW - OVERLAP)]
    for off, chunk in windows:
        try:
            m = rx.search(chunk, timeout=REGEX_TIMEOUT)
        except TimeoutError:
            continue
        if m:
            return [(off + m.start(), off + m.end())]
    return []


_MACRO = regex.compile(r"\{([A-Z][A-Z0-9_]*)\}")


def expand_macros(pattern: str, macros: dict[str, str], depth: int = 0) -> str:
    if depth > 8:
        raise ValueError("macro recursion too deep")

    def sub(m: regex.Match) -> str:
        name = m.group(1)
        if name not in macros:
            raise KeyError(f"unknown macro {{{name}}}")
        return "(?:" + expand_macros(macros[name], macros, depth + 1) + ")"

    return _MACRO.sub(sub, pattern)


# "(x+)+" style nesting: an unbounded quantifier on a group that itself repeats unboundedly
_NESTED_QUANT = regex.compile(r"\((?:[^()\\]|\\.)*[+*](?:[^()\\]|\\.)*\)[+*]")


def _compile(p: PatternSpec, macros: dict[str, str], key: str) -> _Compiled:
    if p.regex is not None:
        src = expand_macros(p.regex, macros)
        if _NESTED_QUANT.search(src):
            raise ValueError(f"nested quantifier (catastrophic backtracking risk) in regex: {p.regex}")
        return _Compiled("regex", regex.compile(src, regex.IGNORECASE | regex.UNICODE), source=p.regex,
                         needs=_regex_needs(src))
    if p.phrases is not None:
        alt = "|".join(regex.escape(x).replace(r"\ ", r"\s+") for x in sorted(p.phrases, key=len, reverse=True))
        return _Compiled("regex", regex.compile(rf"(?<!\w)(?:{alt})(?!\w)", regex.IGNORECASE),
                         source="phrases: " + ", ".join(p.phrases[:4]), needs=_regex_needs(rf"(?:{alt})"))
    if p.tokens is not None:
        for t in p.tokens:
            op = str(t.get("OP", ""))
            if set(t) == {"OP"}:  # a wildcard token: bound it, or the Matcher explodes on long clauses
                m = regex.fullmatch(r"\{(\d*),(\d+)\}", op)
                if op in ("*", "+") or (m and int(m.group(2)) > 8) or (op.startswith("{") and not m and op != "{1}"):
                    raise ValueError(f"unbounded or wide wildcard token {t} (use at most {{0,8}})")
        pattern = _lower_token_pattern(p.tokens)
        return _Compiled("tokens", rx=pattern, key=key, source="tokens", needs=_token_needs(pattern))
    parts = [_compile(sub, macros, f"{key}.{i}") for i, sub in enumerate(p.all or [])]
    return _Compiled("all", parts=parts, within=p.within, source="all: " + " & ".join(x.source for x in parts))


def _lower_token_pattern(tokens: list[dict]) -> list[dict]:
    """Token patterns match on LOWER; write values in lower case so authors need not remember it."""
    out = []
    for t in tokens:
        t2 = {}
        for k, v in t.items():
            if k in ("LOWER", "TEXT") and isinstance(v, str):
                t2["LOWER"] = v.lower()
            elif k in ("LOWER", "TEXT") and isinstance(v, dict):
                t2["LOWER"] = {op: ([x.lower() for x in vals] if isinstance(vals, list) else vals) for op, vals in v.items()}
            else:
                t2[k] = v
        out.append(t2)
    return out


def _short(e: ValidationError) -> str:
    errs = e.errors()[:3]
    return "; ".join(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in errs)


def _rule_id_of_error(data: Any, e: ValidationError) -> str | None:
    try:
        loc = e.errors()[0]["loc"]
        if loc[0] == "rules" and isinstance(loc[1], int):
            return data["rules"][loc[1]].get("id")
    except Exception:
        return None
    return None


@functools.lru_cache(maxsize=4)
def default_library(directory: str | None = None) -> RuleLibrary:
    return RuleLibrary.load(directory)
