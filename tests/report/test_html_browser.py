"""The HTML report in a real headless browser (Debian's chromium; skipped when it is not installed).

It draws something, logs no console error, asks for no network; and for the acceptance runs (or the bundled examples
where those are absent) and a comparison, the conclusion, the first change and the checkpoint to resume from are
above the fold of a 1400x900 window, measured from the element positions in the page. The screenshots are kept in
``$TRAINMEDIC_SCREENSHOTS`` when it is set (1400x900 and a 390-pixel phone width), for people to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import pytest
from report_samples import failed_report

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")

ROOT = Path(__file__).resolve().parents[2]
ACCEPTANCE = ROOT.parent / "shared" / "acceptance"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--disable-extensions",
    "--mute-audio",
    "--force-device-scale-factor=1",
]
FOLD = (1400, 900)
HEADLINE = ("headline-conclusion", "headline-first", "headline-resume")
# Measures where the headline's parts are once the page is laid out; written into the page for --dump-dom to show.
# Only the copy the test loads carries it: the report itself has no script.
MEASURE = """<script>
window.addEventListener("load", () => {
  const out = {};
  for (const id of IDS) {
    const el = document.getElementById(id);
    if (el) { const r = el.getBoundingClientRect(); out[id] = [r.top, r.bottom, r.left, r.right]; }
  }
  out.viewport = [window.innerWidth, window.innerHeight];
  const pre = document.createElement("pre"); pre.id = "tm-measure"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>""".replace("IDS", json.dumps(list(HEADLINE)))


PHONE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" style="width:390px;height:844px;border:0" srcdoc="{srcdoc}"></iframe>
<script>
document.getElementById("f").addEventListener("load", () => {{
  const d = document.getElementById("f").contentDocument;
  const c = d.getElementById("headline-conclusion");
  const pre = document.createElement("pre"); pre.id = "tm-phone";
  pre.textContent = JSON.stringify([d.documentElement.clientWidth, d.documentElement.scrollWidth,
                                    c ? c.getBoundingClientRect().top : 1e9]);
  document.body.appendChild(pre);
}});
</script></body></html>"""


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    cmd = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, cwd=tmp_path)


def _measure(tmp_path: Path, html: str, window: tuple) -> dict:
    page = tmp_path / "measure.html"
    page.write_text(html.replace("</body>", MEASURE + "\n</body>"), encoding="utf-8")
    proc = chromium(
        tmp_path, f"--window-size={window[0]},{window[1]}", "--virtual-time-budget=5000", "--dump-dom", page.as_uri()
    )
    m = re.search(r'<pre id="tm-measure">(.*?)</pre>', proc.stdout, re.S)
    assert m, proc.stderr[-2000:]
    return json.loads(m.group(1).replace("&quot;", '"'))


_CHROME: dict = {}


def measure(tmp_path: Path, html: str, size: tuple = FOLD) -> dict:
    """Element positions in a viewport of ``size``: the window is made taller by whatever the browser keeps for
    itself (measured once), so the page sees exactly ``size``."""
    if "extra" not in _CHROME:
        probe = _measure(tmp_path, "<html><body></body></html>", size)
        _CHROME["extra"] = (size[0] - probe["viewport"][0], size[1] - probe["viewport"][1])
    dx, dy = _CHROME["extra"]
    return _measure(tmp_path, html, (size[0] + dx, size[1] + dy))


def screenshot(tmp_path: Path, html_path: Path, name: str, size: tuple) -> Path:
    folder = Path(os.environ.get("TRAINMEDIC_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"{name}-{size[0]}x{size[1]}.png"
    chromium(tmp_path, f"--window-size={size[0]},{size[1]}", f"--screenshot={shot}", html_path.as_uri())
    assert shot.exists() and shot.stat().st_size > 10_000, shot
    return shot


def cases() -> list:
    """(name, report factory): the acceptance runs when they are here, else the bundled examples; and a comparison."""
    from trainmedic import diagnose
    from trainmedic.compare import compare

    out = []
    if ACCEPTANCE.is_dir():
        for case in sorted(p.parent for p in ACCEPTANCE.glob("*/expected.json")):
            inputs = json.loads((case / "expected.json").read_text())["inputs"]
            out.append(pytest.param(lambda c=case, i=inputs: diagnose(*[c / p for p in i]), id=case.name))
        pair = sorted(p for p in ACCEPTANCE.glob("*/v17_*") if p.is_dir())
        if len(pair) == 2:
            out.append(pytest.param(lambda a=pair[0], b=pair[1]: compare(a, b), id="compare"))
    if not out:
        example = ROOT / "examples"
        out.append(pytest.param(lambda: diagnose(example / "hf_nan_lr"), id="hf_nan_lr"))
        out.append(pytest.param(lambda: compare(example / "healthy_lightning", example / "hf_nan_lr"), id="compare"))
    return out


@pytest.mark.parametrize("make", cases())
def test_conclusion_first_change_and_resume_checkpoint_are_above_the_fold(make, tmp_path, request):
    report = make()
    html = report.to_html()
    data = report.to_dict()
    expected = ["headline-conclusion"]
    if data.get("prescription", {}).get("changes") or any(d["fixes"] for d in data["diagnoses"]):
        expected.append("headline-first")
    if (data.get("checkpoints") or {}).get("last_healthy"):
        expected.append("headline-resume")
    if data["verdict"] == "failed":
        assert "headline-first" in expected, "a failed run must say what to change first"
    rects = measure(tmp_path, html)
    assert rects["viewport"] == list(FOLD)
    for element in expected:
        top, bottom, left, right = rects[element]
        assert 0 <= top < bottom <= FOLD[1], (element, rects[element])
        assert 0 <= left < right <= FOLD[0], (element, rects[element])
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    name = request.node.callspec.id
    screenshot(tmp_path, path, name, FOLD)
    # A phone: the page inside a 390-pixel frame (a browser window cannot be that narrow). Nothing may push the page
    # wider than the phone, and the headline still leads.
    phone = tmp_path / "phone.html"
    phone.write_text(PHONE.format(srcdoc=escape(html, quote=True)), encoding="utf-8")
    screenshot(tmp_path, phone, name + "-phone", (500, 900))
    proc = chromium(tmp_path, "--window-size=600,1000", "--virtual-time-budget=5000", "--dump-dom", phone.as_uri())
    m = re.search(r'<pre id="tm-phone">(.*?)</pre>', proc.stdout, re.S)
    assert m, proc.stderr[-2000:]
    width, scroll_width, first_top = json.loads(m.group(1))
    assert width == 390 and scroll_width <= 390, (width, scroll_width)
    assert first_top < 400  # the conclusion opens the phone's first screen


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
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
