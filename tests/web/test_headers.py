"""What the server sends the browser: the page, its modules and the security headers."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

from tests.conftest import create_invites
from tests.servers import HuddleProcess


def test_index_is_served_with_a_strict_csp(server: HuddleProcess) -> None:
    with urllib.request.urlopen(server.url + "/", timeout=10) as response:
        headers = response.headers
        body = response.read().decode()
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    # No inline script or style anywhere: every script is a module file.
    assert "<script>" not in body and "<style" not in body and "style=" not in body
    assert '<script type="module" src="/static/js/app/main.js">' in body
    with urllib.request.urlopen(server.url + "/static/js/app/main.js", timeout=10) as response:
        assert "javascript" in response.headers["Content-Type"]


def test_invites_are_single_use_for_the_page_too(server: HuddleProcess) -> None:
    code = create_invites(server.url)[0]
    body = json.dumps({"invite": code}).encode()
    for expected in (201, 401):
        request = urllib.request.Request(
            server.url + "/api/register",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        assert status == expected


def test_the_client_has_no_html_sinks_and_no_inline_code() -> None:
    """User text can only become text: no HTML-parsing or code-evaluating API appears."""
    from tests.servers import REPO

    sinks = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(")
    sinks += ("new Function", 'setAttribute("on', "srcdoc")
    for path in sorted((REPO / "web" / "js" / "app").glob("*.js")):
        code = "\n".join(
            line for line in path.read_text().splitlines() if not line.lstrip().startswith("//")
        )
        found = [sink for sink in sinks if sink in code]
        assert found == [], f"{path.name}: {found}"
    index = (REPO / "web" / "index.html").read_text()
    assert re.search(r"\son[a-z]+\s*=", index) is None  # no inline handlers (onclick=...)
