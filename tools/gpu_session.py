"""Run the GPU measurements the issues ask for, as named, time-boxed jobs (one device call = one invocation).

The device tool gives 30 minutes of GPU time a session and at most 10 minutes a call, so the jobs are small and
ordered by priority. Each job runs in its own process under `timeout`, tees its output to `$OUT/<job>.log`
(a time-out still returns the log) and appends one JSON line to `$OUT/summary.jsonl`.

    python tools/gpu_session.py --list
    python tools/gpu_session.py --budget 560 foundation-bench pe-bench hkmeans-bench freesolo-bench exact-bench
    python tools/gpu_session.py --budget 560 baselines

Jobs whose estimate does not fit in what is left of `--budget` are skipped (and say so), so a call never loses
its log to the device's own limit. `--device cpu --quick` runs the benchmark jobs at CPU size (to check the
runner itself on a machine without a GPU).
"""
from __future__ import annotations
import argparse, json, os, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name: (estimated seconds on the H100, python code; {dev} and {quick} are filled in)
JOBS: dict[str, tuple[int, str]] = {
    "foundation-bench": (60, "from unseg.bench import run_bench; run_bench(['rle', 'boxes', 'mask_iou'], device='{dev}', quick={quick})"),
    "pe-bench": (120, "from unseg.bench import run_bench; import unseg.pixel_embedding; run_bench('gbms', device='{dev}', quick={quick})"),
    "hkmeans-bench": (60, "from unseg.bench import run_bench; import unseg.hyperbolic; run_bench('hkmeans', device='{dev}', quick={quick})"),
    "freesolo-bench": (150, "from unseg.bench import run_bench; import unseg.freesolo; "
                            "run_bench(['freesolo_freemask', 'freesolo_solo_train', 'freesolo_solo_infer'], device='{dev}', quick={quick})"),
    "exact-bench": (90, "from unseg.bench import run_bench; import unseg.exact; run_bench(['exact_paste', 'exact_train'], device='{dev}', quick={quick})"),
    "hierarchy": (330, "from unseg.hierarchy import gpu_run; gpu_run(minutes=3.5, quick={quick})"),
    "baselines": (540, "from unseg.segment import run_baselines; "
                       "run_baselines(preset='gpu', overrides={{'oracle': {{'steps': 600}}}})"),
    "freesolo": (560, "from unseg.freesolo import gpu_run; gpu_run(benches=False)"),
    "longtail": (520, "from unseg.longtail import gpu_run; gpu_run(bench=False)"),
    "exact": (520, "from unseg.exact import gpu_run; gpu_run()"),
}

def run_job(name: str, out: Path, dev: str, quick: bool, limit: float) -> dict:
    "Run one job under `timeout limit`, teeing to `out/<name>.log`; returns its summary record."
    code = "if __name__ == '__main__':\n    " + JOBS[name][1].format(dev=dev, quick=quick)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
               PYTHONUNBUFFERED="1")
    log, t0 = out / f"{name}.log", time.perf_counter()
    with open(log, "w") as f:
        p = subprocess.Popen(["timeout", "-k", "10", str(int(limit)), sys.executable, "-c", code], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in p.stdout:
            f.write(line); f.flush(); sys.stdout.write(f"[{name}] {line}"); sys.stdout.flush()
        rc = p.wait()
    rec = dict(job=name, rc=rc, timed_out=rc in (124, 137), seconds=round(time.perf_counter() - t0, 1), log=str(log))
    rec["json_lines"] = [json.loads(l) for l in log.read_text().splitlines() if l.startswith("{") and _is_json(l)]
    return rec

def _is_json(line: str) -> bool:
    try: json.loads(line); return True
    except ValueError: return False

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("jobs", nargs="*", help=f"jobs to run in order: {', '.join(JOBS)}")
    p.add_argument("--list", action="store_true", help="print the jobs and their estimates")
    p.add_argument("--budget", type=float, default=560, help="seconds this invocation may use (default 560)")
    p.add_argument("--out", default=os.environ.get("OUT", "runs/gpu_session"), help="log folder (default $OUT)")
    p.add_argument("--device", default="cuda"); p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    if a.list or not a.jobs:
        for k, (est, code) in JOBS.items(): print(f"{k:18s} ~{est:4d} s  {code}")
        return 0
    bad = [j for j in a.jobs if j not in JOBS]
    if bad: p.error(f"unknown job(s) {bad}; expected some of {list(JOBS)}")
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    t_end = time.perf_counter() + a.budget
    for j in a.jobs:
        left = t_end - time.perf_counter()
        est = JOBS[j][0] if not a.quick else 30
        if left < min(est, 60):
            rec = dict(job=j, skipped=f"{left:.0f} s left of --budget, estimate {est} s")
        else:
            rec = run_job(j, out, a.device, a.quick, limit=left - 5)
        with open(out / "summary.jsonl", "a") as f: f.write(json.dumps(rec) + "\n")
        print(json.dumps({k: v for k, v in rec.items() if k != "json_lines"}), flush=True)
    return 0

if __name__ == "__main__":
    sys.exit(main())
