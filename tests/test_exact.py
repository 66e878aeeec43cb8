"EXACT: CLI round trip (`unseg train exact`, `unseg segment exact`) and bad input, on a tiny scenes set."
import json
import pytest
import torch
import unseg.cli as cli
from unseg.exact import ensure_data

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    torch.set_num_threads(1)
    return ensure_data(tmp_path_factory.mktemp("exact") / "data", n=12, size=64)

def test_cli_round_trip(tiny, tmp_path):
    run = tmp_path / "run"
    cli.main(["train", "exact", "--set", f"data={tiny}", f"run_dir={run}", "cls_steps=8", "steps=1", "image_size=64",
              "cls_image_size=64", "device=cpu", "score_thresh_bank=0.0"])
    assert (run / "ckpt" / "last.pt").exists() and (run / "bank.pt").exists()
    out = tmp_path / "seg"
    cli.main(["segment", "exact", "--ckpt", str(run / "ckpt" / "last.pt"), "--images", str(tiny / "val.json"),
              "--out", str(out), "--no-overlays", "--device", "cpu"])
    res = json.loads((out / "results.json").read_text())
    assert isinstance(res, list) and (out / "metrics.json").exists()
    assert all(r["category_id"] in {1, 2, 3, 4, 5, 6, 7, 8, 9, 10} for r in res)

def test_cli_bad_input(tiny, tmp_path):
    with pytest.raises(SystemExit, match="backgrounds"):
        cli.main(["train", "exact", "--set", f"data={tiny}", "backgrounds=sky"])
    with pytest.raises(SystemExit, match="--ckpt"):
        cli.main(["segment", "exact", "--images", str(tiny / "val.json"), "--out", str(tmp_path / "o")])
    with pytest.raises(SystemExit, match="nope.pt"):
        cli.main(["segment", "exact", "--ckpt", str(tmp_path / "nope.pt"), "--images", str(tiny / "val.json"), "--out", str(tmp_path / "o")])
