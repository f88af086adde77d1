"""Screenshots of each role's main page at phone and desktop sizes, for the README (docs/screenshots/).

Run against the demo (`make prepare`, then this script starts its own server on a free port):
    .venv/bin/python scripts/screenshots.py
Uses Debian's Chromium through Playwright, as the browser tests do.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}
PAGES = [
    ("inspector", "inspector", "/inspector/report/", ("phone", "desktop")),
    ("inspector-verify", "inspector", "/inspector/verify/?lat=37.165&lng=122.48", ("phone",)),
    ("dispatcher", "dispatcher", "/dispatch/", ("desktop", "phone")),
    ("dispatcher-search", "dispatcher", "/search/", ("desktop",)),
    ("handler", "yatou", "/unit/", ("phone", "desktop")),
    ("leader", "leader", "/dashboard/", ("desktop", "phone")),
    ("leader-wall", "leader", "/dashboard/wall/", ("wall",)),
]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer at {url}")


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, RENJU_DEBUG="0")
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "renju.wsgi", "--bind", f"127.0.0.1:{port}",
                               "--workers", "2"], cwd=ROOT, env=env)
    try:
        wait_until_up(base + "/login/")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for name, username, path, sizes in PAGES:
                for size in sizes:
                    viewport = {"width": 1920, "height": 1080} if size == "wall" else SIZES[size]
                    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai",
                                                  geolocation={"latitude": 37.165, "longitude": 122.48},
                                                  permissions=["geolocation"], is_mobile=size == "phone")
                    page = context.new_page()
                    page.goto(base + "/login/")
                    page.fill("#id_username", username)
                    page.fill("#id_password", "demo")
                    page.click("button[type=submit]")
                    page.wait_for_load_state("networkidle")
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    page.wait_for_timeout(800)  # charts and map layers finish drawing
                    target = OUT / f"{name}-{size}.png"
                    page.screenshot(path=str(target), full_page=size == "phone")
                    print(target.relative_to(ROOT))
                    context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
