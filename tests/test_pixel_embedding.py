"Install-level checks of unseg.pixel_embedding: the `python -m` benchmark entry point, bench registration, the unseg CLI."
import json, subprocess, sys
from pathlib import Path
import pytest
import unseg.pixel_embedding as pe


def test_module_bench_cli_prints_json_lines():
    cmd = [sys.executable, "-m", "unseg.pixel_embedding", "bench", "--device", "cpu", "--quick",
           "--n-small", "128", "--n-large", "256", "--loops", "2", "--dim", "8"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    recs = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    assert recs and all({"bench", "case", "device", "value", "unit", "baseline", "ratio"} <= set(x) for x in recs)
    cases = [x["case"] for x in recs]
    assert any("naive fp32 fwd+bwd" in c for c in cases) and any("fused fp32 auto fwd+bwd" in c for c in cases)
    assert any(c.startswith("N=256") for c in cases)
    diff = [x for x in recs if "max|dZ|" in x["case"]]
    assert diff and all(x["value"] < x["baseline"] for x in diff)


def test_module_cli_rejects_unknown_command():
    r = subprocess.run([sys.executable, "-m", "unseg.pixel_embedding", "nope"], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "invalid choice" in r.stderr


def test_registered_with_unseg_bench():
    from unseg.bench import BENCHES
    assert BENCHES["gbms"] is pe.bench_gbms


def test_unseg_cli_train_and_segment(tmp_path):
    from unseg.cli import main
    run = tmp_path / "run"
    main(["train", "pixel-embedding", "--set", f"run_dir={run}", "synth_n=6", "synth_size=32", "image_size=32",
          "width=8", "steps=2", "batch_size=2", "device=cpu", "test_loops=3"])
    ckpt = run / "ckpt" / "last.pt"
    assert ckpt.exists() and (run / "metrics.jsonl").exists()
    out = tmp_path / "seg"
    main(["segment", "pixel-embedding", "--ckpt", str(ckpt), "--images", str(run / "data" / "images"),
          "--out", str(out), "--device", "cpu"])
    files = {p.name for p in out.rglob("*")}
    assert any(f.endswith(".json") and "result" in f for f in files), files
    assert any(f.endswith(".png") for f in files), files
