"""Access control: API keys with a role, sent as `Authorization: Bearer <key>` (the web page keeps the
key in an HttpOnly, SameSite=Strict cookie after the login form).

Roles: `inspector` sees every review and gives feedback; `business` sees only the reviews uploaded with
its own key. Keys come from CONTRACT_REVIEW_API_KEYS ("name:role:key,name:role:key") and/or the YAML
file CONTRACT_REVIEW_KEYS_FILE (a list of {name, role, key} or {name, role, key_sha256}, so the file
need not hold the key itself). With no key configured the server is in single-user local mode: every
request is the local inspector, and only loopback clients are served.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

import yaml

ROLES = ("inspector", "business")
COOKIE = "cr_key"
LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}  # "testclient": Starlette's in-process client


class KeyConfigError(ValueError):
    """The key configuration is malformed (the server refuses to start rather than run open)."""


@dataclass(frozen=True)
class Principal:
    name: str
    role: str

    @property
    def is_inspector(self) -> bool:
        return self.role == "inspector"

    def owner_filter(self) -> str | None:
        """Reviews this principal may see: None = all."""
        return None if self.is_inspector else self.name


LOCAL = Principal(name="local", role="inspector")


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _Entry:
    name: str
    role: str
    sha256: str


class KeyRing:
    def __init__(self, entries: list[_Entry]) -> None:
        names = [e.name for e in entries]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise KeyConfigError(f"duplicate API key names: {sorted(dup)}")
        self.entries = entries

    @property
    def local_mode(self) -> bool:
        return not self.entries

    def lookup(self, key: str) -> Principal | None:
        d = digest(key)
        found = None
        for e in self.entries:  # compare with every entry in constant time, no early exit
            if hmac.compare_digest(e.sha256, d):
                found = Principal(e.name, e.role)
        return found

    @classmethod
    def load(cls, env_value: str | None, file: Path | None) -> "KeyRing":
        entries: list[_Entry] = []
        if env_value:
            for item in env_value.split(","):
                item = item.strip()
                if not item:
                    continue
                parts = item.split(":", 2)
                if len(parts) != 3 or not all(p.strip() for p in parts):
                    raise KeyConfigError("CONTRACT_REVIEW_API_KEYS: each entry must be name:role:key")
                entries.append(_entry(parts[0].strip(), parts[1].strip(), key=parts[2].strip()))
        if file is not None:
            try:
                data = yaml.safe_load(Path(file).read_text("utf-8"))
            except (OSError, yaml.YAMLError) as e:
                raise KeyConfigError(f"cannot read keys file {file}: {e}") from e
            if isinstance(data, dict):
                data = data.get("keys")
            if not isinstance(data, list):
                raise KeyConfigError(f"{file}: expected a list of {{name, role, key}} entries")
            for n, item in enumerate(data, 1):
                if not isinstance(item, dict) or "name" not in item or "role" not in item:
                    raise KeyConfigError(f"{file}: entry {n} needs name and role")
                entries.append(_entry(str(item["name"]), str(item["role"]), key=item.get("key"),
                                      sha256=item.get("key_sha256")))
        return cls(entries)


def _entry(name: str, role: str, key: str | None = None, sha256: str | None = None) -> _Entry:
    if role not in ROLES:
        raise KeyConfigError(f"API key '{name}': role must be one of {ROLES}, not '{role}'")
    if key is not None:
        if len(str(key)) < 16:
            raise KeyConfigError(f"API key '{name}': key too short (at least 16 characters)")
        return _Entry(name, role, digest(str(key)))
    if sha256 and len(str(sha256)) == 64:
        return _Entry(name, role, str(sha256).lower())
    raise KeyConfigError(f"API key '{name}': give key or key_sha256 (64 hex characters)")


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
