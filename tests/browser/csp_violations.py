"""Content-Security-Policy violations seen by the browser tests.

Every context the tests open is watched: the browser's own console reports ("Refused
to ...", "... violates the following Content Security Policy directive ...") and the
``securitypolicyviolation`` events of every page and frame, which also cover refusals
the browser reports only to the page. conftest.py fails a test that caused any.
"""

from __future__ import annotations

import re
from typing import Any

# Runs in every page and frame before their own scripts (Playwright's init scripts are
# not subject to the page's policy), and reports through a binding rather than the
# console so that tests reading the console see only what the page itself wrote.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline code"} ` +
      `on ${event.documentURI} (${event.sourceFile || "page"}:${event.lineNumber})`,
  );
});
"""

# Refusals that are the policy doing its job on a page that works without what it refused.
TOLERATED = [
    # Scalar's schema library tries `new Function("")` once to learn whether it may compile
    # its validators, and validates without compiling when refused. The REST frame keeps
    # eval forbidden rather than allow it for a speed-up.
    re.compile(r"script-src refused eval on \S+ \(\S+/static/vendor/scalar/standalone\.js:\d+\)"),
]


class CspViolations:
    """The violations reported by the pages of the watched contexts since the last clear()."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self._contexts: list[Any] = []

    def watch(self, context: Any) -> None:
        context.expose_binding("reportCspViolation", lambda source, text: self._add(text))
        context.add_init_script(script=REPORT_VIOLATIONS)
        context.on("console", self._on_console)
        context.on("close", self._forget)
        self._contexts.append(context)

    def clear(self) -> None:
        self.found.clear()

    def take(self) -> list[str]:
        """The violations found so far, which no longer fail the test: for a test that causes one on purpose."""
        self.settle()
        found, self.found = self.found, []
        return found

    def settle(self) -> None:
        """Receive the reports still on their way: a page answers only after sending them."""
        from playwright.sync_api import Error

        for context in self._contexts:
            for page in context.pages:
                try:
                    page.evaluate("0")
                except Error:
                    pass  # closed or navigating: nothing more will come from it

    def _forget(self, context: Any) -> None:
        self._contexts.remove(context)

    def _on_console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self._add(f"{message.location.get('url') or 'page'}: {message.text}")

    def _add(self, report: str) -> None:
        if not any(pattern.search(report) for pattern in TOLERATED):
            self.found.append(report)


class WatchedBrowser:
    """The tests' Chromium, whose every new context is watched for violations."""

    def __init__(self, browser: Any, violations: CspViolations) -> None:
        self._browser = browser
        self._violations = violations

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        self._violations.watch(context)
        return context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)
