"""The HTML report in a real headless browser: it draws something, logs no console error, asks for no network."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from report_samples import failed_report

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--disable-extensions", "--mute-audio"]


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=tmp_path)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("html")
    html = failed_report().to_html()
    path = tmp / "report.html"
    path.write_text(html, encoding="utf-8")
    return tmp, path, html


def test_screenshot_is_not_blank(page):
    tmp, path, _ = page
    shot = tmp / "shot.png"
    proc = chromium(tmp, "--window-size=1200,1400", f"--screenshot={shot}", path.as_uri())
    assert shot.exists(), proc.stderr[-2000:]
    from matplotlib.image import imread

    pixels = imread(str(shot))[..., :3]
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    assert pixels.std() > 0.05  # a white page has none
    # The verdict bar is red: some pixels are strongly red.
    red = (pixels[..., 0] > 0.7) & (pixels[..., 1] < 0.3) & (pixels[..., 2] < 0.3)
    assert red.sum() > 200


def test_dom_holds_the_plots_and_no_console_error(page):
    tmp, path, _ = page
    proc = chromium(tmp, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=2000", "--dump-dom", path.as_uri())
    dom = proc.stdout
    assert dom.count("<svg") == 4
    assert "Training run diagnosis" in dom and "max_grad_norm: 0 → 1" in dom
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console


def test_no_network_request_is_possible(page):
    _, _, html = page
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", html, re.I)
    assert all(u.startswith("#") for u in urls), [u for u in urls if not u.startswith("#")]
    assert not re.search(r"""url\(\s*["']?(?!#)|@import|<link|<script|<iframe""", html, re.I)  # url(#clip) is local
    # The only absolute URLs are the SVG namespace names, which are identifiers, never fetched.
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg",
                                                              "http://www.w3.org/1999/xlink"}
