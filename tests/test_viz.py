"Checks of unseg.viz that need a fresh process: what importing it pulls in, and plotting with no display."
import subprocess, sys, textwrap

def test_fresh_process_import_and_headless_figures(tmp_path):
    """Importing unseg.viz/report loads neither umap (a ~20 s numba compile), plotly nor pyplot; scripts (the CLI) make
    many figures with no display, and none is left registered with pyplot."""
    code = f"""
        import sys, unseg.viz, unseg.report
        print(sorted(m for m in ("umap", "plotly", "matplotlib.pyplot", "numba") if m in sys.modules))
        import numpy as np, torch
        from unseg.core import Instances
        from unseg.viz import show_instances, poincare_disk, fig_to_png, save_overlay
        m = torch.zeros(1, 16, 16, dtype=torch.bool); m[0, 4:9, 4:9] = True
        for i in range(30): fig_to_png(show_instances([torch.rand(3, 16, 16)], [Instances(m)]), r"{tmp_path}/f.png")
        fig_to_png(poincare_disk(np.array([[0.1, 0.2], [0.5, -0.3]]), links=[(0, 1)]), r"{tmp_path}/p.png")
        save_overlay(r"{tmp_path}/o.png", torch.rand(3, 16, 16), Instances(m))
        import matplotlib.pyplot as plt
        print(len(plt.get_fignums()))
    """
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=180,
                       env={"MPLBACKEND": "", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == ["[]", "0"], r.stdout
    assert {p.name for p in tmp_path.iterdir()} == {"f.png", "p.png", "o.png"}
