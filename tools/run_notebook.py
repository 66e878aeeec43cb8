#!/usr/bin/env python
"""Run a notebook's code cells in order in one plain Python namespace, like `nbdev_test`, for machines where nbdev
and Jupyter are not installed (the GPU box). Cells flagged with a `#|` directive in the skip set are left out:
by default `notest slow`, plus `cuda` unless --flags cuda. IPython magics (`%...`, `!...`) are dropped.
Usage: run_notebook.py NB.ipynb [NB ...] [--flags "cuda slow"]"""
import argparse, json, re, sys, time, traceback
from pathlib import Path
import matplotlib; matplotlib.use("Agg")

def cells(path: Path, flags: set[str]):
    for i, c in enumerate(json.loads(path.read_text())["cells"]):
        if c["cell_type"] != "code": continue
        src = "".join(c["source"])
        directives = {m.group(1) for m in re.finditer(r"^#\|\s*([\w-]+)", src, re.M)}
        if ({"notest", "slow", "cuda"} - flags) & directives or "eval: false" in src: continue
        if "nbdev_export" in src: continue
        yield i, "\n".join(l for l in src.splitlines() if not re.match(r"^\s*[%!]", l))

def run(path: Path, flags: set[str]) -> bool:
    ns = {"__name__": "__nb__"}; t0 = time.time()
    import os; cwd = os.getcwd(); os.chdir(path.parent)
    try:
        for i, src in cells(path, flags):
            try: exec(compile(src, f"{path.name}[cell {i}]", "exec"), ns)
            except Exception:
                traceback.print_exc(); print(f"FAILED {path} at cell {i}", flush=True); return False
    finally: os.chdir(cwd)
    print(f"ok {path} ({time.time() - t0:.1f} s)", flush=True); return True

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__); ap.add_argument("nbs", nargs="+"); ap.add_argument("--flags", default="")
    a = ap.parse_args()
    ok = [run(Path(p).resolve(), set(a.flags.split())) for p in a.nbs]
    sys.exit(0 if all(ok) else 1)
