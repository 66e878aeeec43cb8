"An unseg report opens offline in a real browser and its plotly figures render (skipped without chromium)."
import re, shutil, subprocess, sys, textwrap
import pytest

BUILD = """
import numpy as np, torch
from unseg.core import Instances
from unseg.viz import poincare_disk, plot_curves
from unseg.report import Report
m = torch.zeros(2, 32, 48, dtype=torch.bool); m[0, 4:20, 4:20] = True; m[1, 10:30, 25:45] = True
rep = (Report("offline check").add_text("**metrics**").add_table({"AP": 0.5})
       .add_instances(torch.rand(3, 32, 48), Instances(m), caption="overlay")
       .add_image(plot_curves([{"step": i, "loss": 1 / (i + 1)} for i in range(10)]))
       .add_plotly(poincare_disk(np.array([[0.0, 0.0], [0.6, 0.3]]), links=[(0, 1)], names=["a", "b"], interactive=True)))
rep.write(r"{path}")
"""

@pytest.fixture(scope="module")
def report(tmp_path_factory):
    "One report written by a script in a fresh process (as `unseg demo` does)."
    p = tmp_path_factory.mktemp("report") / "report.html"
    r = subprocess.run([sys.executable, "-c", BUILD.replace("{path}", str(p))], capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    return p

def test_report_written_by_a_script(report):
    page = report.read_text()
    assert not re.search(r"<script[^>]*\ssrc=", page) and not re.search(r"<link[^>]*href", page)
    html_only = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)    # plotly.js itself holds data: strings
    assert html_only.count("data:image/png;base64,") == 2 and page.count('class="plotly-graph-div"') == 1

@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed")
def test_report_renders_offline(report, tmp_path):
    p = report
    dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--no-first-run", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
                          "--virtual-time-budget=5000", "--dump-dom", p.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert "main-svg" in dom, "plotly did not draw: plotly.js missing or broken"   # plotly.js ran from the inline copy
    assert dom.count("<img") == 2
