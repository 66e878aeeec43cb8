"""Checks of `unseg.segment`, `unseg.classical` and `unseg.oracle` that a notebook cannot do: worker processes,
the one-line baseline command in a fresh interpreter (a tiny end-to-end `run_baselines`)."""
import json
import subprocess
import sys

import pytest
import torch

from unseg.classical import Config, segment, two_objects


def test_classical_workers_match_serial():
    imgs = [two_objects(64, 64, seed=s)[0] for s in range(3)]
    serial = segment(Config(), imgs, top_k=5)
    par = segment(Config(workers=2), imgs, top_k=5)
    assert [len(p) for p in par] == [5, 5, 5]
    for a, b in zip(serial, par):
        assert torch.equal(a.masks, b.masks) and torch.equal(a.parents, b.parents)
        assert torch.allclose(a.scores, b.scores)


def test_run_baselines_command(tmp_path):
    "The command the lead runs on the GPU, at toy size on the CPU, in a fresh interpreter."
    code = (f"from unseg.segment import run_baselines; run_baselines(data={str(tmp_path / 'scenes')!r}, "
            f"out={str(tmp_path / 'out')!r}, n=8, size=64, "
            "overrides={'classical': {'workers': 2}, 'oracle': {'steps': 1, 'image_size': 64, 'fpn_channels': 32}})")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "| classical" in r.stdout and "| oracle" in r.stdout
    res = json.loads((tmp_path / "out" / "baselines.json").read_text())
    assert set(res) == {"classical", "oracle"}
    for m in res.values():
        assert 0 <= m["AP"] <= 1 and 0 <= m["AR100"] <= 1 and m["n_images"] == 2
    assert (tmp_path / "out" / "oracle" / "run" / "ckpt" / "last.pt").exists()
    assert res["oracle"]["run_dir"] and res["classical"]["run_dir"] is None


def test_unknown_method_is_named():
    from unseg.segment import resolve_method
    with pytest.raises(KeyError, match="unknown method 'nope'"): resolve_method("nope")
