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

def test_user_folder_with_csv_labels(tiny, tmp_path):
    "A user's folder: images + a CSV of class names -> image_labels_coco -> unseg train exact -> unseg segment exact on the folder."
    import shutil
    from unseg.data import image_labels_coco
    d = json.loads((tiny / "train.json").read_text()); names = {c["id"]: c["name"] for c in d["categories"]}
    mine = tmp_path / "mine"; (mine / "images").mkdir(parents=True)
    rows = ["file_name,labels"]
    for im in d["images"]:
        shutil.copy(tiny / "images" / im["file_name"], mine / "images" / im["file_name"])
        rows.append(f"{im['file_name']},{';'.join(names[c] for c in im['image_labels'])}")
    (mine / "labels.csv").write_text("\n".join(rows) + "\n")
    ann = image_labels_coco(mine / "images", mine / "labels.csv", mine / "labels.json")
    assert not json.loads(ann.read_text())["annotations"]                        # image labels only: no masks anywhere
    run = tmp_path / "run"
    cli.main(["train", "exact", "--set", f"data={mine}", "train_split=labels.json", f"run_dir={run}", "cls_steps=8", "steps=1",
              "image_size=64", "cls_image_size=64", "device=cpu", "score_thresh_bank=0.0"])
    bank = json.loads((run / "bank.json").read_text())
    assert bank["n_images"] == len(d["images"]) and bank["n_objects"] > 0
    out = tmp_path / "seg"
    cli.main(["segment", "exact", "--ckpt", str(run), "--images", str(mine / "images"), "--out", str(out), "--device", "cpu"])
    res = json.loads((out / "results.json").read_text())
    cats = {c["id"] for c in json.loads(ann.read_text())["categories"]}
    assert isinstance(res, list) and all(r["category_id"] in cats for r in res) and (out / "report.html").exists()

def _tiny_voc(root):
    "A 6-image PASCAL VOC 2012 layout (palette PNGs of instance and class indices, void borders, train / val split files)."
    import numpy as np
    from PIL import Image
    for d in ("JPEGImages", "SegmentationObject", "SegmentationClass", "ImageSets/Segmentation"): (root / d).mkdir(parents=True, exist_ok=True)
    g = np.random.default_rng(0); pal = [0, 0, 0, 128, 0, 0, 0, 128, 0] + [0] * (256 * 3 - 9); names = []
    for k in range(6):
        name = f"2007_{k:06d}"; names.append(name)
        img = (g.random((48, 64, 3)) * 60).astype(np.uint8); obj = np.zeros((48, 64), np.uint8); cls = np.zeros_like(obj)
        for i, (c, x0) in enumerate([(8 if k % 2 else 15, 4), (15, 36)][: 1 + k % 2], 1):
            obj[10:38, x0:x0 + 22], cls[10:38, x0:x0 + 22] = i, c
            img[10:38, x0:x0 + 22] = (200, 60, 60) if c == 8 else (60, 60, 200)
            obj[10, x0:x0 + 22] = cls[10, x0:x0 + 22] = 255                   # VOC's void outline
        for arr, d in ((obj, "SegmentationObject"), (cls, "SegmentationClass")):
            im = Image.fromarray(arr, mode="P"); im.putpalette(pal); im.save(root / d / f"{name}.png")
        Image.fromarray(img).save(root / "JPEGImages" / f"{name}.jpg")
    (root / "ImageSets/Segmentation/train.txt").write_text("\n".join(names[:4]) + "\n")
    (root / "ImageSets/Segmentation/val.txt").write_text("\n".join(names[4:]) + "\n")
    return root

def test_paper_preset_reads_voc(tmp_path, monkeypatch):
    "The paper preset on the VOC 2012 layout: converted to COCO once (image labels from the class masks), trained, evaluated."
    from unseg.core import make_config
    from unseg.exact import Config, evaluate_model, load, train
    monkeypatch.setenv("UNSEG_ALLOW_TIERS", "1")                                  # a deliberate paper-preset run, shrunk below
    voc = _tiny_voc(tmp_path / "VOCdevkit" / "VOC2012")
    cfg = make_config(Config, preset="paper", data=str(tmp_path), run_dir=str(tmp_path / "run"), cls_backbone="tiny", cls_width=8,
                      cls_image_size=32, cls_steps=2, cls_batch=2, backbone="resnet18", fpn_channels=16, box_head_dim=32,
                      image_size=64, anchor_sizes=(8, 16, 32, 64, 128), rpn_proposals=50, box_batch=16, steps=1, batch_size=2,
                      warmup_steps=0, num_workers=0, amp="off", device="cpu", score_thresh_bank=0.0, progress=False)
    assert cfg.lsj_scale == (0.1, 2.0) and cfg.colour_p == 0.5 and cfg.backbone_ckpt == ""
    with pytest.warns(UserWarning, match="ImageNet weights"): run = train(cfg)
    coco = voc / "unseg_coco"
    tr = json.loads((coco / "train.json").read_text())
    assert [im["image_labels"] for im in tr["images"]] == [[15], [8, 15], [15], [8, 15]]   # from SegmentationClass
    assert json.loads((run / "bank.json").read_text())["n_images"] == 4
    m = evaluate_model(load(run / "ckpt" / "last.pt", "cpu"), coco, "val.json", out=tmp_path / "val_results.json")
    assert set(m) == {"AP", "AP50", "AP75", "AP50_agnostic"} and all(-1 <= v <= 1 for v in m.values())

def test_demo_rows_from_spec(tmp_path):
    "`unseg demo --all`'s EXACT rows: seed 0 of a spec's extracted-bank arms with and without pasting, and the 0-step control."
    from pathlib import Path
    from unseg.cli import EXACT_KEYS, exact_rows
    nb = Path(__file__).resolve().parents[1] / "nbs/ablations/exact_ablation.ipynb"
    spec = tmp_path / "exact_demo.yaml"
    spec.write_text(f"name: exact_demo\nnotebook: {nb}\nbase: {{n_images: 12, size: 64, cls_steps: 5, steps: 1, data_root: {tmp_path / 'data'}}}\n"
                    "points:\n  - {steps: 0, seed: [0]}\n  - {backgrounds: original, n_paste_min: 0, n_paste_max: 0, seed: [0]}\n"
                    "  - {mode: classical, seed: [0]}\n  - {seed: [0, 1]}\n"
                    "  - {bank: gt, seed: [0]}\ncolumns: [AP, AP50]\ntimeout: 600\n")
    rows = exact_rows(tmp_path / "out", spec)
    assert list(rows) == ["EXACT (extracted masks + paste)", "extracted masks, no paste", "EXACT (untrained control)"]
    assert all(set(EXACT_KEYS) <= set(r) for r in rows.values())
    assert json.loads((tmp_path / "out/exact/control/params.json").read_text())["steps"] == 0
    assert json.loads((tmp_path / "out/exact/no_paste/params.json").read_text())["n_paste_max"] == 0
    arm = json.loads((tmp_path / "out/exact/paste/params.json").read_text())       # the trained arm: not the spec's 0-step control nor its classical row
    assert arm["steps"] == 1 and arm.get("mode", "fem") != "classical"
    assert exact_rows(tmp_path / "out", tmp_path / "missing.yaml") == {}                # outside the repository: no rows, said

def test_cpu_defaults_are_the_measured_recipe():
    "`unseg train exact` with no settings runs the recipe measured in ablations/exact_paste_cpu.yaml (its EXACT arm)."
    from pathlib import Path
    import yaml
    from unseg.exact import Config
    base = yaml.safe_load((Path(__file__).resolve().parents[1] / "ablations/exact_paste_cpu.yaml").read_text())["base"]
    c = Config()
    assert Path(c.data).name == Path(base["data"]).name == "scenes_exact"
    assert (c.mode, c.cls_steps, c.cls_tiny_stride, c.cls_width, c.cls_colour, c.cam_thresh) == (
        base["mode"], base["cls_steps"], base["cls_tiny_stride"], base["cls_width"], base["cls_colour"], base["cam_thresh"])
    assert (c.cls_init, c.backbone_ckpt) == (base["cls_init"], base["det_init"]) == ("objects", "objects")
    assert (c.pretrain_steps, c.pretrain_n, c.pretrain_categories, c.det_pretrain_steps) == (
        base["pretrain_steps"], base["pretrain_n"], base["pretrain_categories"], base["det_pretrain_steps"])
    assert (c.steps, c.batch_size, c.lr, c.image_size, c.cls_image_size) == (base["steps"], base["batch_size"], base["lr"], base["size"], base["size"])
    assert c.lsj_scale == (base["lsj_min"], base["lsj_max"]) and c.colour_p == base["colour_p"] and c.inpaint_bank == ""

def test_objects_resolved_once(tiny, tmp_path):
    "cls_init / backbone_ckpt = objects: trunks pre-trained on other categories, cached and reused; a ResNet classifier is refused."
    from pathlib import Path
    from unseg.core import make_config
    from unseg.train import load_checkpoint
    from unseg.exact import Config, resolve_pretrained
    cfg = make_config(Config, data=str(tiny), cls_init="objects", backbone_ckpt="objects", pretrain_cache=str(tmp_path / "pre"),
                      pretrain_n=24, pretrain_categories=12, pretrain_steps=1, det_pretrain_steps=1, cls_width=8)
    r = resolve_pretrained(cfg)
    assert r.cls_init.endswith("last.pt") and load_checkpoint(r.cls_init)["run_config"]["backbone"] == "tiny"
    sd = torch.load(r.backbone_ckpt, map_location="cpu")
    assert "layer4.0.conv1.weight" in sd and not any(k.startswith("fc.") for k in sd)
    names = {c["name"] for c in json.loads((tiny / "train.json").read_text())["categories"]}
    other = json.loads((Path(r.cls_init).parents[2] / "data" / "train_other.json").read_text())
    cname = {c["id"]: c["name"] for c in other["categories"]}
    seen = {cname[c] for im in other["images"] for c in im["image_labels"]}
    assert seen and not names & seen                                           # the trunk never saw a target category
    assert resolve_pretrained(cfg) == r                                        # cached: the same files, nothing retrained
    with pytest.raises(ValueError, match="cls_backbone"):
        resolve_pretrained(make_config(Config, data=str(tiny), cls_init="objects", backbone_ckpt="", cls_backbone="resnet18"))

def test_partial_freeze_trains_last_stage_only(tiny, tmp_path):
    "cls_freeze + cls_train_stages=1: the last trunk stage and the head change, the earlier stages do not."
    from unseg.extract import ExtractConfig, MultiLabelNet, train_classifier, trunk_stages
    assert [len(list(s.children())) for s in trunk_stages(MultiLabelNet(3, "tiny", 8))] == [6, 6, 6, 6]
    assert len(trunk_stages(MultiLabelNet(3, "resnet18"))) == 4
    init = tmp_path / "init"
    train_classifier(tiny / "train.json", ExtractConfig(width=8, image_size=32, cls_steps=1, cls_batch=2), init)
    ck = init / "ckpt" / "last.pt"
    base = MultiLabelNet(4, "tiny", 8, str(ck))
    m = train_classifier(tiny / "train.json", ExtractConfig(width=8, image_size=32, cls_steps=3, cls_batch=4, cls_init=str(ck),
                                                            cls_freeze=True, cls_train_stages=1), tmp_path / "part")
    moved = [any(not torch.equal(a.weight, b.weight) for a, b in zip(s0.modules(), s1.modules()) if isinstance(a, torch.nn.Conv2d))
             for s0, s1 in zip(trunk_stages(base), trunk_stages(m))]
    assert moved == [False, False, False, True]
    with pytest.raises(ValueError, match="cls_train_stages"): ExtractConfig(cls_train_stages=5)

def test_composites_keep_mixed_sizes(tiny):
    "Training images of different sizes (VOC): each composite keeps its background's size (none is warped to the first's)."
    from unseg.exact import ComposedDataset, make_backgrounds
    from unseg.extract import ObjectBank
    from unseg.paste import PasteConfig
    from unseg.data import CocoFolder
    ds = CocoFolder(tiny / "train.json")
    items = [dict(ds[i]) for i in range(4)]
    items[1]["image"] = torch.nn.functional.interpolate(items[1]["image"][None], size=(48, 80))[0]
    bank = ObjectBank.from_coco(tiny / "train.json", max_images=4)
    src = make_backgrounds("original+inpaint+generative", [items[0], items[1]], bank)
    sizes = {tuple(src.sample(__import__("numpy").random.default_rng(s), None)["image"].shape[-2:]) for s in range(30)}
    assert sizes == {(64, 64), (48, 80)}
    comp = ComposedDataset(src, bank, PasteConfig(n_paste_min=1, n_paste_max=1), 30, None)
    its = [comp[i] for i in range(30)]
    assert {tuple(it["image"].shape[-2:]) for it in its} == {(64, 64), (48, 80)}
    assert all(it["masks"].shape[-2:] == it["image"].shape[-2:] and len(it["masks"]) == len(it["labels"]) for it in its)
