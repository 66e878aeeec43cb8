"""Every trainable method trains under `torchrun --nproc_per_node 2` (gloo, CPU) for a couple of steps.

FreeSOLO's SOLO is also run the two ways that used to crash DDP ("Expected to have finished reduction"): with
`sem_weight=0` and on targets without `emb` (every self-training round), and the whole pipeline with a
self-training round. Each case is one torchrun call of this file."""
import json, os, subprocess, sys
from pathlib import Path
import pytest

CASES = ["oracle", "oracle-solo", "pixel-embedding", "hierarchical-grouping", "longtail", "exact",
         "solo-sem0", "solo-no-emb", "solo-paper-recipe", "freesolo-pipeline"]

def _worker(case: str, data: Path, out: Path):
    import torch, torch.distributed as dist
    from unseg.core import make_config
    torch.set_num_threads(1)
    common = dict(run_dir=str(out / "run"), device="cpu", seed=0)
    if case == "oracle":
        from unseg import oracle; oracle.train(make_config(oracle.Config, "smoke", data=str(data), steps=2, batch_size=2, image_size=64, **common))
    elif case == "oracle-solo":
        from unseg import oracle_solo as m; m.train(make_config(m.Config, "smoke", data=str(data), steps=2, batch_size=2, image_size=64, test_size=64, **common))
    elif case == "pixel-embedding":
        from unseg import pixel_embedding as m; m.train(make_config(m.PixelEmbeddingConfig, "smoke", data=str(data), steps=2, batch_size=2, image_size=64, **common))
    elif case == "hierarchical-grouping":
        from unseg import hierarchy as m; m.train(make_config(m.HierarchyConfig, "smoke", data=str(data), steps=2, batch_size=2, image_size=64, **common))
    elif case == "longtail":
        from unseg import longtail as m; m.train(make_config(m.Config, "smoke", data=str(data), steps=2, batch_size=2, **common))
    elif case == "exact":
        from unseg import exact as m
        m.train(make_config(m.Config, "smoke", data=str(data.parent / "exact"), steps=2, batch_size=2, image_size=64, cls_steps=2,
                            cls_image_size=64, score_thresh_bank=0.0, **common))
    elif case in ("solo-sem0", "solo-no-emb"):          # the ground truth as labels: no target carries an `emb`
        from unseg.solo import SOLOConfig, train_solo
        train_solo(make_config(SOLOConfig, "smoke", train_json=str(data / "train.json"), steps=3, batch_size=2, image_size=64,
                               sem_weight=0.0 if case == "solo-sem0" else 4.0, **common))
    elif case == "solo-paper-recipe":                  # multi-scale padded batches, strong views with copy-paste, per-level losses
        from unseg.solo import SOLOConfig, train_solo
        train_solo(make_config(SOLOConfig, "smoke", train_json=str(data / "train.json"), steps=2, batch_size=2, image_size=64,
                               train_short=(48, 64), train_max_size=96, strong_view=True, level_mean=True, **common))
    elif case == "freesolo-pipeline":
        from unseg import freesolo as m
        m.train(make_config(m.Config, "smoke", data=str(data), selftrain_rounds=1, densecl_batch_size=2, freemask_image_size=64,
                            solo_image_size=64, solo_test_size=64, solo_steps=2, selftrain_thr=0.0, **common))
    assert dist.is_initialized() and dist.get_world_size() == 2, "not a 2-process run"
    if dist.get_rank() == 0: (out / "done.json").write_text(json.dumps(dict(case=case, world=dist.get_world_size())))

@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from unseg.synth import synth
    from unseg.exact import ensure_data
    d = tmp_path_factory.mktemp("torchrun")
    synth(d / "scenes", kind="scenes", preset="smoke", n=8, size=64, seed=0, progress=False)
    ensure_data(d / "exact", n=8, size=64)
    return d / "scenes"

@pytest.mark.parametrize("case", CASES)
def test_two_processes(case, data, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    env.update(OMP_NUM_THREADS="1", UNSEG_PRESET="smoke")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--standalone", __file__, case, str(data), str(tmp_path)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{case}:\n" + r.stdout[-3000:] + r.stderr[-4000:]
    assert json.loads((tmp_path / "done.json").read_text())["world"] == 2
    assert (tmp_path / "run" / "ckpt" / "last.pt").exists()            # the final checkpoint, where every method writes it

if __name__ == "__main__":
    _worker(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
