"`unseg.bench` from outside a notebook: stdout must be nothing but JSON lines (one per measurement)."
import json
import subprocess
import sys

import pytest
import torch

KEYS = {"bench", "case", "device", "value", "unit", "baseline", "ratio", "torch"}


def _run(device: str) -> list[dict]:
    code = f"from unseg.bench import run_bench; run_bench(quick=True, device={device!r})"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def _check(recs: list[dict], device_prefix: str):
    assert {r["bench"] for r in recs} >= {"rle", "boxes", "mask_iou"}
    for r in recs:
        assert KEYS <= r.keys() and "error" not in r, r
        assert r["device"].startswith(device_prefix) and r["torch"] == torch.__version__ and r["quick"] is True
        assert r["value"] > 0 and r["baseline"] > 0 and r["ratio"] == pytest.approx(r["baseline"] / r["value"])


def test_quick_bench_prints_json_lines_cpu():
    _check(_run("cpu"), "cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_quick_bench_prints_json_lines_cuda():
    _check(_run("cuda"), "cuda:")
