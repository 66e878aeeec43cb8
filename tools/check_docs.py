#!/usr/bin/env python
"""Check a built docs page in headless Chromium: it loads from file:// with no network, MathJax typesets the
maths (when the page has any), every figure saved in its notebook (nbs/<page>.ipynb) is on the page, and a screenshot
is saved.  Usage: check_docs.py PAGE.html SHOT.png"""
import json, re, shutil, subprocess, sys, tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]

def chromium(*args) -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe: sys.exit("chromium not found: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as prof:
        r = subprocess.run([exe, *FLAGS, f"--user-data-dir={prof}", *args], capture_output=True, text=True, timeout=120)
    return r.stdout

def main(page: str, shot: str):
    page = Path(page).resolve()
    if not page.exists(): sys.exit(f"{page}: page not found (run `make docs` first)")
    url = page.as_uri()
    dom = chromium("--virtual-time-budget=15000", "--dump-dom", url)
    if "<body" not in dom: sys.exit(f"{page}: chromium returned no DOM")
    src = page.read_text()
    has_math = bool(re.search(r"\$[^$\n]+\$", re.sub(r"<(script|style|pre|code)[\s\S]*?</\1>", "", src)))
    typeset = dom.count('class="MJX') + dom.count('class="mjx-chtml')
    if has_math and typeset == 0: sys.exit(f"{page}: the page has maths but MathJax typeset nothing")
    nb = Path(__file__).resolve().parents[1] / "nbs" / f"{page.stem}.ipynb"
    figs = sum("image/png" in o.get("data", {}) for c in json.loads(nb.read_text())["cells"] for o in c.get("outputs", [])) if nb.exists() else 0
    shown = len(re.findall(r"<img[^>]+src=\"data:image/png", dom))
    if shown < figs: sys.exit(f"{page}: {figs} figures saved in {nb.name} but {shown} rendered on the page")
    chromium("--window-size=1280,900", "--virtual-time-budget=15000", f"--screenshot={Path(shot).resolve()}", url)
    if not Path(shot).exists() or Path(shot).stat().st_size < 5000: sys.exit(f"{shot}: screenshot missing or blank")
    print(f"docs check ok: {page.name} ({typeset} maths elements typeset, {shown} of {figs} saved figures shown), screenshot {shot}")

if __name__ == "__main__":
    if len(sys.argv) != 3: sys.exit(__doc__)
    main(*sys.argv[1:])
