"""Helpers shared by the browser tests (the server and the browser are fixtures in conftest.py)."""

from __future__ import annotations

# Collects Content-Security-Policy violations from inside the page.  Installed through
# the DevTools protocol, so the page's own CSP (no inline scripts) does not block it.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


class Problems:
    """Console errors, uncaught page errors, failed requests and CSP violations of one page."""

    def __init__(self, page):
        self.page = page
        self.items: list[str] = []
        page.on("console", lambda m: self.items.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.items.append(f"page error: {e}"))
        # ERR_ABORTED: a request (often the favicon) cut short by the next navigation.
        page.on("requestfailed", lambda r: self.items.append(f"request failed: {r.url} {r.failure}")
                if "ERR_ABORTED" not in (r.failure or "") else None)
        page.on("response", lambda r: self.items.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 else None)

    def check(self) -> None:
        violations = self.page.evaluate("window.__cspViolations || []")
        assert violations == [] and self.items == [], violations + self.items
