"""A real `kill -9` in the middle of a run: rerunning the same command continues and ends with the same weights."""
import os, signal, subprocess, sys, time
from pathlib import Path
import pytest
import torch
from torch import nn
from unseg.train import LoopConfig, Hook, fit, load_checkpoint, read_metrics

def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(24, 1, generator=g) * 2 - 1
    return torch.utils.data.TensorDataset(x, torch.sin(3 * x))

def _model():
    torch.manual_seed(0); return nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Dropout(0.1), nn.Linear(16, 1))

def _loss(model, b):
    x, y = b; return {"loss": (model(x) - y).pow(2).mean()}

CFG = LoopConfig(steps=8, batch_size=5, lr=1e-2, ckpt_every=3, log_every=1, progress=False, device="cpu")

class _Hang(Hook):
    "After step `at`, tell the parent (marker file) and wait to be killed."
    def __init__(self, at, marker): self.at, self.marker = at, Path(marker)
    def after_step(self, t, logs):
        if t.step == self.at:
            self.marker.write_text("ready")
            time.sleep(120)

def test_kill9_resume(tmp_path):
    run, marker = tmp_path/"run", tmp_path/"marker"
    p = subprocess.Popen([sys.executable, __file__, str(run), str(marker)])
    try:
        t0 = time.time()
        while not marker.exists():
            assert p.poll() is None and time.time() - t0 < 120, "child died or hung before step 7"
            time.sleep(0.1)
        os.kill(p.pid, signal.SIGKILL); p.wait(30)
    finally:
        if p.poll() is None: p.kill()
    assert load_checkpoint(run)["step"] == 6                    # ckpt_every=3: steps 3 and 6 were saved
    assert [r["step"] for r in read_metrics(run)] == list(range(1, 7))
    w = fit(_model(), _loss, _data(), CFG, run).state_dict()   # rerun: continues from step 6
    ref = fit(_model(), _loss, _data(), CFG, tmp_path/"ref").state_dict()
    for k in ref: assert torch.equal(w[k], ref[k]), k
    assert [r["step"] for r in read_metrics(run)] == list(range(1, 9))
    assert not [f for f in (run/"ckpt").iterdir() if f.name != "last.pt"]   # no temporary file left behind

if __name__ == "__main__":
    fit(_model(), _loss, _data(), CFG, Path(sys.argv[1]), hooks=[_Hang(7, sys.argv[2])])


def test_a_field_added_at_its_default_does_not_refuse_an_old_run(tmp_path):
    from dataclasses import dataclass
    from unseg.runs import RunConfigError, open_run, write_run
    @dataclass
    class Old:
        x: int = 1
    @dataclass
    class New:                                   # a later unseg added a switch whose default is the old behaviour
        x: int = 1
        y: bool = False
    write_run(tmp_path, Old(), status="done"); (tmp_path / "ckpt").mkdir(); (tmp_path / "ckpt" / "last.pt").write_bytes(b"x")
    assert open_run(tmp_path, New(), log=None) == "reuse"
    with pytest.raises(RunConfigError, match="y: \"<absent>\" -> true"): open_run(tmp_path, New(y=True), log=None)
    with pytest.raises(RunConfigError, match="x: 1 -> 2"): open_run(tmp_path, New(x=2), log=None)
