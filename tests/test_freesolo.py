"FreeSOLO checks a notebook cannot do: the registry / segment_dataset round trip (what the CLI calls), YAML configs, quick benchmarks."
import json
from pathlib import Path

import pytest
import torch

from unseg.core import load_json, make_config
from unseg.segment import resolve_method, segment_dataset
from unseg.synth import synth


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("fs") / "data"
    synth(d, kind="scenes", n=4, size=64, seed=0)
    return d


def test_stage_by_stage_round_trip(data, tmp_path):
    m = resolve_method("freesolo")                      # imports unseg.freesolo, as the CLI does
    y = tmp_path / "cfg.yaml"
    y.write_text("freemask_image_size: 64\nsolo_image_size: 64\nsolo_test_size: 64\nfreemask_min_maskness: 0.5\n")
    base = make_config(m.config, yaml_path=y, data=str(data), run_dir=str(tmp_path / "run"), device="cpu", densecl_batch_size=2)
    for stage in ("densecl", "freemask", "solo", "selftrain"):
        out = m.train(make_config(m.config, yaml_path=y, **{**{k: getattr(base, k) for k in ("data", "run_dir", "device", "densecl_batch_size")}, "stage": stage}))
        assert Path(out).exists(), stage
    for labels in ("freemask", "selftrain1"):                 # pseudo labels a user can look at before trusting them
        html = (tmp_path / "run" / labels / "pseudo_labels.html").read_text()
        n = len(load_json(tmp_path / "run" / labels / "pseudo_labels.json")["annotations"])
        assert f"{n} masks on" in html and "<img" in html
    model = m.load(tmp_path / "run" / "selftrain1" / "ckpt" / "last.pt", "cpu")
    res = segment_dataset(m, model, data / "val.json", tmp_path / "results.json", overlay_dir=tmp_path / "overlays", score_thr=0.0)
    recs = load_json(res)
    assert all(r["category_id"] == 0 for r in recs)
    assert len(list((tmp_path / "overlays").glob("*.png"))) == len(load_json(data / "val.json")["images"])
    # Free Mask alone from the DenseCL backbone, on an image folder
    fm = m.load(tmp_path / "run" / "densecl", "cpu")
    assert type(fm).__name__ == "FreeMask"
    segment_dataset(m, fm, data / "images", tmp_path / "fm.json")


def test_bad_inputs(tmp_path):
    m = resolve_method("freesolo")
    with pytest.raises(ValueError, match="stage"):
        make_config(m.config, stage="pretrain")
    with pytest.raises(FileNotFoundError, match="nothing"):
        m.train(make_config(m.config, stage="densecl", images=str(tmp_path / "nothing"), run_dir=str(tmp_path / "r"), device="cpu"))
    bad = tmp_path / "bad.json"; bad.write_text(json.dumps({"images": [], "annotations": [{"id": 1}], "categories": []}))
    with pytest.raises((ValueError, FileNotFoundError), match="bad.json"):
        m.train(make_config(m.config, stage="solo", pseudo_labels=str(bad), run_dir=str(tmp_path / "r"), device="cpu"))


def test_quick_benchmarks():
    from unseg.bench import run_bench
    import unseg.freesolo  # noqa: F401  registers the benchmarks
    recs = run_bench(["freesolo_freemask", "freesolo_solo_train", "freesolo_solo_infer"], device="cpu", quick=True)
    assert [r["case"] for r in recs] == ["free_mask_batched", "solo_train", "solo_infer"]
    assert all(r["value"] > 0 and r["baseline"] > 0 for r in recs)
