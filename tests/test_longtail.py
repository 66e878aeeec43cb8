"""Weng et al. long-tail discovery end to end with the Mask R-CNN proposal network, through the method registry and the CLI."""
import json
import pytest
import torch
from unseg.core import get_method, load_json
from unseg.data import CocoFolder
from unseg.synth import synth
import unseg.longtail as lt


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return synth(tmp_path_factory.mktemp("lt") / "scenes", kind="scenes", n=10, size=96, seed=0, progress=False)


def _set(data, run):
    return [f"data={data}", f"run_dir={run}", "proposals=maskrcnn", "proposal_steps=1", "n_proposals=8", "steps=1",
            "k_grid=[2, 3, 4]", "device=cpu"]


def test_cli_train_segment_discover(data, tmp_path):
    "`unseg train longtail` -> `unseg segment longtail --ckpt` -> `unseg discover --ckpt --images` (or `discover()`)."
    from unseg import cli
    run = tmp_path / "run"
    out = cli.main(["train", "longtail", "--set", *_set(data, run)])
    assert (run / "ckpt" / "last.pt").exists() and (run / "clusters.pt").exists()
    assert (run / "proposals" / "ckpt" / "last.pt").exists()                 # the base-only oracle
    base = load_json(run / "proposals" / "data" / "train_base.json")
    assert all(c["split"] == "base" for c in base["categories"])
    cli.main(["segment", "longtail", "--ckpt", str(run / "ckpt" / "last.pt"), "--images", str(data / "images"),
              "--out", str(tmp_path / "seg"), "--device", "cpu", "--no-overlays"])
    res = load_json(tmp_path / "seg" / "results.json")
    assert isinstance(res, list)
    model = lt.load(run, "cpu")
    known = set(model.clusters["cluster_labels"].tolist())
    assert all(r["category_id"] in known or r["category_id"] >= lt.NOVEL_BASE for r in res)
    if "discover" in getattr(cli, "COMMANDS", {}):
        cli.main(["discover", "--ckpt", str(run / "ckpt" / "last.pt"), "--images", str(data / "images"),
                  "--out", str(tmp_path / "disc"), "--k", "3"])
        d = tmp_path / "disc"
    else:
        d = lt.discover(run / "ckpt" / "last.pt", data / "images", tmp_path / "disc", k=3, device="cpu")
    js = load_json(d / "clusters.json")
    assert js["k"] == 3 and len(js["clusters"]) == 3
    assert all((d / c["page"]).exists() for c in js["clusters"]) and (d / "index.html").exists()
    assert sum(c["size"] for c in js["clusters"]) == len(js["assignments"])


def test_registry_round_trip_gt(data, tmp_path):
    "train -> load -> segment through `get_method('longtail')` with ground-truth proposals, Euclidean variant."
    m = get_method("longtail")
    cfg = lt.make_config(m.config, data=str(data), run_dir=str(tmp_path / "run"), steps=1, hyperbolic=False, dim=4,
                         n_proposals=6, k_grid=(2, 3, 4), device="cpu")
    model = m.load(m.train(cfg), "cpu")
    item = CocoFolder(data / "val.json")[0]
    out = m.segment(model, [item["image"]], proposals=[lt.gt_proposals(item["masks"], 6)])
    assert len(out[0]) == min(6, max(len(item["masks"]), 6))
    ev = lt.evaluate_discovery(model)
    assert 0 <= ev["purity"] <= 1 and ev["k"] in (2, 3, 4)
