"""DDP through torchrun: 2 CPU processes (gloo) end with the weights of 1 process on the global batch, and resume."""
import os, subprocess, sys
from pathlib import Path
import torch
from torch import nn
from unseg.train import LoopConfig, Hook, Trainer, fit, load_checkpoint, read_metrics

STEPS, N = 6, 16          # 16 items, global batch 4: 4 steps per epoch, so the run crosses an epoch boundary

def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, 4, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.1 * torch.randn(N, 1, generator=g)
    return torch.utils.data.TensorDataset(x, y)

def _model():
    torch.manual_seed(0); return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))

def _loss(model, b):
    x, y = b; return {"loss": (model(x) - y).pow(2).mean()}   # a mean over the batch: DDP's gradient average is exact

def _cfg(bs):
    return LoopConfig(steps=STEPS, batch_size=bs, lr=0.05, optimizer="sgd", clip_grad=1.0, log_every=2, ckpt_every=3,
                      progress=False, device="cpu")

class _Kill(Hook):
    def after_step(self, t, logs):
        if t.step == 5: raise KeyboardInterrupt("simulated kill")

def _worker(out: Path):
    "Run under torchrun: an uninterrupted run, then a run killed after step 5 and resumed (from step 3)."
    ref = fit(_model(), _loss, _data(), _cfg(2), out/"ref")
    try: fit(_model(), _loss, _data(), _cfg(2), out/"res", hooks=[_Kill()])
    except KeyboardInterrupt: pass
    t = Trainer(_model(), _loss, _data(), _cfg(2), out/"res"); res = t.fit()
    if t.rank == 0:
        assert t.world_size == 2 and type(t.wrapped).__name__ == "DistributedDataParallel"
        torch.save({"ref": ref.state_dict(), "res": res.state_dict()}, out/"weights.pt")

def test_ddp_matches_one_process(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    env["OMP_NUM_THREADS"] = "1"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--standalone", __file__, str(tmp_path)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    w2 = torch.load(tmp_path/"weights.pt")
    w1 = fit(_model(), _loss, _data(), _cfg(4), tmp_path/"one").state_dict()   # 1 process, batch 2 x 2
    for k in w1:
        torch.testing.assert_close(w2["ref"][k], w1[k], rtol=0, atol=1e-6)
        assert torch.equal(w2["res"][k], w2["ref"][k]), k                      # DDP resume is exact
    assert [r["step"] for r in read_metrics(tmp_path/"ref")] == [2, 4, 6]       # rank 0 writes, once
    assert [r["step"] for r in read_metrics(tmp_path/"res")] == [2, 4, 6]
    ck = load_checkpoint(tmp_path/"res")
    assert ck["step"] == STEPS and ck["world_size"] == 2 and len(ck["rng"]) == 2

if __name__ == "__main__":
    _worker(Path(sys.argv[1]))
