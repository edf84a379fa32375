"""Security headers on every response; the web pages add their own Content-Security-Policy."""
from __future__ import annotations

HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
]

# The web pages: our own script and style files only (plus hashed inline scripts of the HTML report).
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'{extra}; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")


def page_csp(script_hashes: list[str] | None = None) -> str:
    extra = "".join(f" 'sha256-{h}'" for h in (script_hashes or []))
    return PAGE_CSP.format(extra=extra)


class SecurityHeaders:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)
