#!/usr/bin/env python3
"""First-view weight of a tracking page: HTML plus every stylesheet and script it references.

In-process with the Flask test client by default (throwaway SQLite database, migrated and seeded
with demo shipments frozen mid-journey), or against a running server with --base-url and --token.
Images are excluded (listed, not counted). Each resource is reported raw and gzipped at level 6,
as a server or proxy compressing on the fly would send it; the total gzip is compared with the
50 KB target. The htmx partial (what the page refreshes with) is reported too.
Always exits 0: the figures are for reading, not for gating.
"""
import argparse
import gzip
import sys
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import _fixture

TARGET_BYTES = 50 * 1000  # 50 KB, decimal (the stricter reading of "KB")


class References(HTMLParser):
    """Stylesheets, scripts and images a page references, in document order."""

    def __init__(self):
        super().__init__()
        self.css, self.js, self.images, self.inline_styles, self.inline_scripts = [], [], [], 0, 0
        self._in = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        rel = (a.get("rel") or "").lower().split()
        if tag == "link" and "stylesheet" in rel and a.get("href"):
            self.css.append(a["href"])
        elif tag == "link" and ("preload" in rel or "modulepreload" in rel) and a.get("href"):
            (self.js if a.get("as") == "script" or "modulepreload" in rel else
             self.css if a.get("as") == "style" else self.images).append(a["href"])
        elif tag == "script" and a.get("src"):
            self.js.append(a["src"])
        elif tag == "script":
            self.inline_scripts += 1
        elif tag == "style":
            self.inline_styles += 1
        elif tag == "img" and a.get("src"):
            self.images.append(a["src"])
        elif tag == "source" and a.get("srcset"):
            self.images.append(a["srcset"])


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


class InProcess:
    def __init__(self, app):
        self.client = app.test_client()
        self.base = "http://localhost/"

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        r = self.client.get(path, headers=headers or {})
        body = r.get_data()
        r.close()
        return r.status_code, dict(r.headers), body


class Remote:
    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/") + "/"

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        # No Accept-Encoding: raw bytes are measured here and gzipped below, the same way for all.
        req = urllib.request.Request(urljoin(self.base, path), headers=headers or {})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()


def local_path(url: str, base: str) -> str | None:
    """The path to request for a same-origin reference; None for another origin."""
    parts = urlsplit(urljoin(base, url))
    if parts.netloc and parts.netloc != urlsplit(base).netloc:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", help="measure a running server instead (e.g. http://127.0.0.1:5000)")
    ap.add_argument("--token", help="tracking page token (required with --base-url)")
    ap.add_argument("--database-url", help="in-process: use this database instead of a temp SQLite file")
    ap.add_argument("--seed", type=int, default=2, help="in-process: demo orders per scenario (default 2)")
    ap.add_argument("--lang", help="add ?lang= to the page URL (e.g. de, ja)")
    args = ap.parse_args()
    rerun = _fixture.rerun_command(__file__, sys.argv[1:])

    print("== page_weight: first view of a tracking page (HTML + CSS + JS, no images) ==")
    fx = None
    if args.base_url:
        if not args.token:
            ap.error("--token is required with --base-url")
        client, token = Remote(args.base_url), args.token
        print(f"server:   {args.base_url}")
    else:
        app, fx = _fixture.prepare(args.database_url, args.seed)
        client, token = InProcess(app), fx.token
        print("client:   Flask test client, in-process")

    query = f"?lang={args.lang}" if args.lang else ""
    page_path = f"/t/{token}{query}"
    rows, notes = [], []
    try:
        status, headers, html = client.get(page_path)
        if status != 200:
            print(f"GET {page_path} answered {status}; nothing to measure.")
            print(f"\nrerun: {rerun}")
            return 0
        if headers.get("Content-Encoding"):
            notes.append(f"the page came {headers['Content-Encoding']}-encoded; sizes are of the decoded body")
        rows.append(("html", page_path, html))
        refs = References()
        refs.feed(html.decode("utf-8", "replace"))
        for kind, urls in (("css", refs.css), ("js", refs.js)):
            for url in urls:
                path = local_path(url, client.base)
                if path is None:
                    notes.append(f"{kind} {url} is on another origin: not fetched, not counted")
                    continue
                s, h, body = client.get(path)
                if s != 200:
                    notes.append(f"{kind} {url} answered {s}: not counted")
                    continue
                rows.append((kind, path, body))
        _, _, partial = client.get(f"/t/{token}{query}", headers={"HX-Request": "true"})
        _, _, status_partial = client.get(f"/t/{token}/status{query}", headers={"HX-Request": "true"})
    finally:
        if fx is not None:
            fx.cleanup()

    width = max(len(r[1]) for r in rows) + 2
    header = f"{'kind':<5} {'resource':<{width}} {'raw B':>8} {'gzip-6 B':>9}"
    print()
    print(header)
    print("-" * len(header))
    total_raw = total_gz = 0
    for kind, path, body in rows:
        g = gz(body)
        total_raw += len(body)
        total_gz += g
        print(f"{kind:<5} {path:<{width}} {len(body):>8} {g:>9}")
    print("-" * len(header))
    print(f"{'total':<5} {f'{len(rows)} resources':<{width}} {total_raw:>8} {total_gz:>9}")
    print()
    print(f"first view, gzip level 6: {total_gz} B = {total_gz / 1000:.1f} KB   "
          f"target <= {TARGET_BYTES / 1000:g} KB   {'MET' if total_gz <= TARGET_BYTES else 'MISSED'}"
          f"   ({total_gz / TARGET_BYTES:.0%} of budget)")
    print(f"inline in the HTML: {refs.inline_styles} <style>, {refs.inline_scripts} <script>; "
          f"excluded images ({len(refs.images)}): {', '.join(refs.images) or 'none'}")
    print()
    print(f"htmx partial  GET /t/<token> with HX-Request: {len(partial):>6} B raw, {gz(partial):>5} B gzip-6")
    print(f"status partial GET /t/<token>/status:         {len(status_partial):>6} B raw, "
          f"{gz(status_partial):>5} B gzip-6")
    if partial != status_partial:
        notes.append("the two partials differ (only the 'Updated at' minute should)")
    for n in notes:
        print("note: " + n)
    print()
    print(f"rerun: {rerun}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
