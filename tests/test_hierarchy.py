"Checks a notebook cannot make: parallel hierarchy precompute, the module's command line, the method registry."
import json, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
import torch


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    from unseg.synth import synth
    d = tmp_path_factory.mktemp("scenes")
    synth(d, kind="scenes", n=6, size=48, seed=0, progress=False, val_frac=0)
    return d


def test_parallel_precompute_matches_serial(scenes, tmp_path):
    from unseg.hierarchy import precompute_hierarchies, load_hierarchy, cache_path
    files = sorted((scenes / "images").glob("*.png"))
    a = precompute_hierarchies(files, tmp_path / "serial", workers=0)
    b = precompute_hierarchies(files, tmp_path / "pool", workers=2)
    assert a["computed"] == b["computed"] == len(files)
    for f in files:
        ha, hb = load_hierarchy(cache_path(tmp_path / "serial", f.name)), load_hierarchy(cache_path(tmp_path / "pool", f.name))
        np.testing.assert_array_equal(ha.regions, hb.regions)
        np.testing.assert_allclose(ha.dist, hb.dist)


def test_precompute_resumes(scenes, tmp_path):
    from unseg.hierarchy import precompute_hierarchies, cache_path
    files = sorted((scenes / "images").glob("*.png"))
    precompute_hierarchies(files[:2], tmp_path, workers=0)
    assert precompute_hierarchies(files, tmp_path, workers=2)["computed"] == len(files) - 2


def test_method_registered_and_train_load(tmp_path):
    from unseg.core import get_method, make_config
    import unseg.hierarchy  # noqa: F401  registers the method
    m = get_method("hierarchical-grouping")
    cfg = make_config(m.config, run_dir=str(tmp_path / "run"), synth_n=6, synth_size=48, image_size=48, steps=2,
                      batch_size=2, device="cpu")
    run = m.train(cfg)
    model = m.load(run, "cpu")
    inst = m.segment(model, [torch.rand(3, 48, 48)], k=3)
    assert len(inst) == 1 and inst[0].masks.shape[-2:] == (48, 48)


def test_bench_cli_quick():
    r = subprocess.run([sys.executable, "-m", "unseg.hierarchy", "bench", "--quick", "--device", "cpu", "--workers", "2"],
                       capture_output=True, text=True, timeout=900, cwd=Path(__file__).parents[1])
    assert r.returncode == 0, r.stderr[-2000:]
    recs = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    cases = {x["case"].split("/")[0] for x in recs}
    assert {"precompute", "loss", "train_step"} <= cases, recs
    assert all("ratio" in x for x in recs if x["case"] != "error")
