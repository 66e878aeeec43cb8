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


def _d2_pkl(path):
    "A random ResNet-18 written as detectron2 saves backbones (numpy arrays under detectron2 names), as FreeSOLO loads them."
    import pickle, re, torchvision
    def to_d2(k):
        k = re.sub(r"^layer(\d)\.", lambda m: f"res{int(m.group(1)) + 1}.", k).replace("downsample.0.", "shortcut.").replace("downsample.1.", "shortcut.norm.")
        k = re.sub(r"\.bn(\d)\.", r".conv\1.norm.", k)
        return "stem.conv1.norm." + k[4:] if k.startswith("bn1.") else "stem." + k if k.startswith("conv1.") else k
    sd = torchvision.models.resnet18(weights=None).state_dict()
    path.write_bytes(pickle.dumps({"model": {to_d2(k): v.numpy() for k, v in sd.items() if not k.startswith("fc.") and "num_batches" not in k},
                                   "__author__": "torchvision", "matching_heuristics": True}))
    return path


def test_paper_preset_one_step_on_the_coco_layout(tmp_path, monkeypatch):
    import numpy as np
    from PIL import Image
    from unseg.freesolo import Config
    from unseg.solo import load_solo
    root = tmp_path / "coco"
    for split, n in (("train2017", 2), ("unlabeled2017", 1), ("val2017", 1), ("test2017", 1)):
        (root / split).mkdir(parents=True)
        for i in range(n):
            img = np.full((96, 128, 3), 30, np.uint8); img[20:60, 30 + 10 * i:80 + 10 * i] = (200, 160, 40)
            Image.fromarray(img).save(root / split / f"{split}_{i:012d}.jpg")
    (root / "annotations").mkdir()
    (root / "annotations" / "instances_val2017.json").write_text(json.dumps(dict(images=[], annotations=[], categories=[])))
    cfg = make_config(Config, "paper")
    assert (cfg.backbone, cfg.solo_grids, cfg.solo_head_channels, cfg.solo_optimizer, cfg.solo_schedule, cfg.solo_clip_grad,
            cfg.solo_max_pos, cfg.solo_freeze_bn, cfg.solo_drop_empty, cfg.solo_steps * cfg.solo_batch_size) == \
           ("resnet101", (40, 36, 24, 16, 12), 512, "sgd", "constant", None, 0, True, True, 30000 * 16)
    assert (cfg.solo_train_short, cfg.solo_train_max_size, cfg.solo_strong_view, cfg.solo_level_mean, cfg.solo_rank_maskness) == \
           ((640, 672, 704, 736, 768, 800), 1333, True, True, True)
    assert (cfg.freemask_query_grid, cfg.freemask_position_filters, cfg.densecl_queue_pool, cfg.selftrain_top_first,
            cfg.solo_official_init) == ("floor", "official", "raw", True, True)
    assert make_config(Config, "paper-r50").backbone == "resnet50"
    monkeypatch.setenv("UNSEG_ALLOW_TIERS", "1")                 # a deliberate one-step run of the paper preset
    with pytest.raises(ValueError, match="backbone_ckpt: the paper preset starts from DenseCL"):
        from unseg.freesolo import train
        train(make_config(Config, "paper", images=str(root / "[tu][rn]*2017" / "*.jpg"), run_dir=str(tmp_path / "x")))
    over = dict(images=str(root / "[tu][rn]*2017" / "*.jpg"), run_dir=str(tmp_path / "run"), backbone="resnet18",
                backbone_ckpt=str(_d2_pkl(tmp_path / "r18.pkl")), freemask_image_size=256, freemask_min_masks=0,
                solo_image_size=256, solo_test_size=256, solo_train_short=(224, 256), solo_train_max_size=400,
                solo_steps=1, solo_batch_size=1, solo_warmup_steps=1,
                selftrain_rounds=0, device="cpu", num_workers=0, progress=False, freemask_min_maskness=0.0)
    from unseg.freesolo import train
    out = train(make_config(Config, "paper", **over))
    labels = load_json(tmp_path / "run" / "freemask" / "pseudo_labels.json")
    assert {Path(im["file_name"]).parts[0] for im in labels["images"]} == {"train2017", "unlabeled2017"}   # not val / test
    model = load_solo(out, "cpu")
    assert type(model.backbone.bn1).__name__ == "FrozenBatchNorm2d"


def test_recipe_switches(data, tmp_path):
    import dataclasses
    from torch import nn
    from unseg.solo import SOLOConfig, build_solo, PseudoMaskDataset
    from unseg.train import LoopConfig, lr_factor
    cfg = make_config(SOLOConfig, "smoke", backbone="resnet18", image_size=64)
    m = build_solo(dataclasses.replace(cfg, freeze_bn=True))
    assert not any(isinstance(x, nn.BatchNorm2d) for x in m.backbone.modules())
    assert sum(p.numel() for n, p in m.backbone.named_parameters() if "bn" in n) == 0          # nothing trainable left in BN
    d = load_json(data / "train.json")
    keep = d["images"][0]["id"]
    d = dict(d, annotations=[a for a in d["annotations"] if a["image_id"] == keep], info={"image_dir": str(data / "images")})
    (tmp_path / "pl.json").write_text(json.dumps(d))
    n_all = len(PseudoMaskDataset(tmp_path / "pl.json", cfg))
    assert n_all == len(d["images"]) > 1 and len(PseudoMaskDataset(tmp_path / "pl.json", dataclasses.replace(cfg, drop_empty=True))) == 1
    lc = LoopConfig(steps=100, warmup_steps=10, warmup_factor=0.01, schedule="constant")
    assert lr_factor(0, lc) == pytest.approx(0.01 + 0.99 * 0.1) and lr_factor(9, lc) == pytest.approx(1.0) and lr_factor(50, lc) == 1.0
    assert lr_factor(0, LoopConfig(steps=100, warmup_steps=10)) == pytest.approx(0.1)              # the old warm-up is unchanged


def test_solo_fields_default_to_solo_config():
    # freesolo.Config repeats SOLOConfig's recipe fields under `solo_`; an unset one must mean SOLO's own default
    import dataclasses
    from unseg.freesolo import Config
    from unseg.solo import SOLOConfig
    solo = {f.name: f.default for f in dataclasses.fields(SOLOConfig) if f.default is not dataclasses.MISSING}
    mine = {f.name[5:]: f.default for f in dataclasses.fields(Config) if f.name.startswith("solo_")}
    cpu_tier = {"steps", "batch_size", "lr", "warmup_steps", "pairwise_warmup", "sem_weight", "image_size", "test_size",
                "grids", "fpn_channels", "head_channels", "num_convs", "kernel_dim", "mask_channels", "score_thr", "loss",
                "max_proj", "avg_weight", "pairwise_weight"}          # the pipeline's own cpu-tier values, set on purpose
    differ = {k: (v, solo[k]) for k, v in mine.items() if k in solo and k not in cpu_tier and v != solo[k]}
    assert not differ, differ


def test_relabel_filter_order(tmp_path, monkeypatch):
    "selftrain_top_first: the official script cuts to the top max_per_img before the width filter; unseg's default filters first."
    import numpy as np, torch
    from PIL import Image
    from unseg import freesolo
    from unseg.core import Instances
    (tmp_path / "imgs").mkdir()
    Image.fromarray(np.zeros((32, 40, 3), np.uint8)).save(tmp_path / "imgs" / "a.png")
    m = torch.zeros(3, 32, 40, dtype=torch.bool)
    m[0, 5:20, 0:40] = True; m[1, 5:15, 5:15] = True; m[2, 20:30, 20:30] = True          # the best mask spans the width
    monkeypatch.setattr(freesolo, "segment_solo", lambda model, images: [Instances(m, torch.tensor([0.9, 0.8, 0.7]))])
    n = {}
    for top_first in (False, True):
        out = freesolo.relabel(None, tmp_path / "imgs", tmp_path / f"l{top_first}.json", thr=0.3, max_per_img=2, top_first=top_first)
        n[top_first] = [round(a["score"], 2) for a in json.loads(out.read_text())["annotations"]]
    assert n == {False: [0.8, 0.7], True: [0.8]}


def test_cli_on_a_users_image_folder(data, tmp_path, capsys):
    "`unseg train freesolo --set images=DIR` learns from a plain folder (no labels); its pseudo labels get a report page; `unseg segment freesolo` runs on the folder."
    import shutil
    from unseg import cli
    folder = tmp_path / "my photos"; folder.mkdir()
    for f in sorted((data / "images").glob("*.png")): shutil.copy(f, folder / f"photo_{f.name}")
    run = tmp_path / "run"
    cli.main(["train", "freesolo", "--preset", "smoke", "--set", f"images={folder}", f"run_dir={run}", "device=cpu",
              "freemask_image_size=64", "solo_image_size=64", "solo_test_size=64", "selftrain_rounds=0"])
    labels = load_json(run / "freemask" / "pseudo_labels.json")
    assert sorted(Path(im["file_name"]).name for im in labels["images"]) == sorted(p.name for p in folder.iterdir())
    assert f"{len(labels['annotations'])} masks on {len(labels['images'])} images" in (run / "freemask" / "pseudo_labels.html").read_text()
    out = tmp_path / "seg"
    cli.main(["segment", "freesolo", "--ckpt", str(run), "--images", str(folder), "--out", str(out), "--set", "solo_score_thr=0.0"])
    assert (out / "results.json").exists() and len(load_json(out / "images.json")) == len(list(folder.iterdir()))


def test_densecl_views_by_preset(monkeypatch):
    "The paper preset pre-trains with the paper's MoCo-v2 colour augmentation; the synthetic tiers without it (chosen on the training split)."
    from unseg.freesolo import Config, stage_config
    from unseg.densecl import DenseCLConfig
    monkeypatch.setenv("UNSEG_ALLOW_TIERS", "1")
    aug = lambda c: (c.densecl_jitter, c.densecl_hue, c.densecl_grayscale, c.densecl_blur)
    assert aug(make_config(Config, "paper")) == aug(make_config(Config, "paper-r50")) == (0.4, 0.1, 0.2, 0.5)
    assert aug(make_config(Config, "cpu")) == aug(make_config(Config, "gpu")) == (0.0, 0.0, 0.0, 0.5)
    d = stage_config(make_config(Config, "paper"), DenseCLConfig, "densecl_")
    assert (d.jitter, d.hue, d.grayscale, d.blur) == (0.4, 0.1, 0.2, 0.5)
