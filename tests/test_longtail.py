"""Weng et al. long-tail discovery end to end with the Mask R-CNN proposal network, through the method registry and the CLI."""
import json
from pathlib import Path
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
    return [f"data={data}", f"run_dir={run}", "proposals=maskrcnn", "proposal_steps=1", "n_proposals=8", "steps=30", "batch_size=2",
            "k_grid=[2, 3, 4]", "device=cpu", "progress=false"]   # 30 steps: one step leaves the embedding collapsed (discover refuses it)


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
    # anchors of the categories training lacks, from validation images that are then not evaluated (no leak)
    val, tr = load_json(data / "val.json"), load_json(data / "train.json")
    miss = {a["category_id"] for a in val["annotations"]} - {a["category_id"] for a in tr["annotations"]}
    big = synth(tmp_path / "big", kind="scenes", n=40, size=64, seed=1, progress=False)      # enough validation images to hold some out
    val, tr = load_json(big / "val.json"), load_json(big / "train.json")
    miss = {a["category_id"] for a in val["annotations"]} - {a["category_id"] for a in tr["annotations"]}
    ev2 = lt.evaluate_discovery(model, data=big, novel_anchors="val.json")
    assert ev2["n_images"] + ev2["n_held_out"] == len(val["images"]) and (ev2["n_held_out"] > 0) == bool(miss) and ev2["n_images"] > 0
    with pytest.raises(ValueError, match="none is left to evaluate"):        # the tiny set: every validation image holds one
        lt.evaluate_discovery(model, novel_anchors="val.json")
    val = load_json(data / "val.json")
    assert ev["n_held_out"] == 0 and ev["n_images"] == len(val["images"])


def _photos(folder, names=("astronaut", "coffee", "chelsea", "rocket"), side=96):
    "A folder of real photos (scikit-image's samples), resized to `side` on the long side."
    from PIL import Image
    from unseg.synth import PHOTOS, _photo
    folder.mkdir(parents=True, exist_ok=True)
    for nm in [n for n in names if n in PHOTOS] or PHOTOS[:4]:
        a = (_photo(nm) * 255).astype("uint8"); im = Image.fromarray(a); im.thumbnail((side, side))
        im.save(folder / f"{nm}.png")
    return folder


def test_discover_real_photos_default_run(data, tmp_path):
    "The checkpoint of a default `unseg train longtail` (ground-truth proposals) clusters classical proposals on real photos."
    from unseg import cli
    run = tmp_path / "run"
    cli.main(["train", "longtail", "--set", f"data={data}", f"run_dir={run}", "steps=25", "batch_size=2", "k_grid=[2, 3, 4]",
              "device=cpu", "progress=false"])
    photos = _photos(tmp_path / "photos")
    with pytest.raises(SystemExit, match="no proposal network"):           # says what to pass, instead of a made-up option
        cli.main(["discover", "--ckpt", str(run), "--images", str(photos), "--out", str(tmp_path / "d0")])
    cli.main(["discover", "--ckpt", str(run), "--images", str(photos), "--out", str(tmp_path / "d"), "--proposals", "classical",
              "--k", "3", "--device", "cpu"])
    d = tmp_path / "d"
    js, res, ims = load_json(d / "clusters.json"), load_json(d / "results.json"), load_json(d / "images.json")
    assert js["k"] == 3 and len(res) == len(js["assignments"]) > 0 and js["median_dist"] >= lt.COLLAPSE_DIST
    named = {c["category_id"] for c in js["clusters"]}
    assert {r["category_id"] for r in res} <= named
    # the paper's naming: at most one cluster per category, the others novel
    cats = [c for c in named if c < lt.NOVEL_BASE]; assert len(cats) == len(set(cats))
    assert (d / "index.html").exists() and "plotly" in (d / "index.html").read_text().lower()
    # COCO results with the image ids listed in images.json (what `unseg eval --results` reads)
    assert {r["image_id"] for r in res} <= {i["id"] for i in ims} and all(isinstance(r["segmentation"]["counts"], str) for r in res)
    # naming from the user's own labelled examples: the validation file of the smoke set
    cli.main(["discover", "--ckpt", str(run), "--images", str(photos), "--out", str(tmp_path / "d2"), "--proposals", "classical",
              "--k", "3", "--labels", str(data / "val.json"), "--device", "cpu"])
    names = {c["id"]: c["name"] for c in load_json(data / "val.json")["categories"]}
    js2 = load_json(tmp_path / "d2" / "clusters.json")
    assert all(c["name"] == names[c["category_id"]] for c in js2["clusters"] if c["category_id"] < lt.NOVEL_BASE)


def test_discover_collapsed_embedding(data, tmp_path):
    "An untrained embedding (all points at the origin) is an error, not named clusters."
    from unseg import cli
    run = tmp_path / "run0"
    cli.main(["train", "longtail", "--set", f"data={data}", f"run_dir={run}", "steps=0", "k_grid=[2, 3, 4]", "device=cpu", "progress=false"])
    with pytest.raises(SystemExit, match="collapsed"):
        cli.main(["discover", "--ckpt", str(run), "--images", str(_photos(tmp_path / "p")), "--out", str(tmp_path / "d"),
                  "--proposals", "classical", "--k", "3", "--device", "cpu"])


def test_rpn_proposals_skip_the_classifier(data):
    "`propose(rank=False)`: the RPN's boxes through the class-agnostic mask head, top n, image-sized masks."
    from unseg import oracle
    torch.manual_seed(0)
    model = oracle.build_model(2, oracle.make_config(oracle.Config, class_agnostic=True)).eval()
    item = CocoFolder(data / "val.json")[0]
    out = lt.propose(model, [item["image"]], n=7, nms=0.75, rank=False)[0]
    assert len(out) <= 7 and out.masks.shape[-2:] == item["image"].shape[-2:] and out.masks.dtype == torch.bool
    assert torch.all(out.scores[:-1] >= out.scores[1:])


def _lvis_layout(data, root):
    "The smoke scenes set in the LVIS v1 layout: `lvis/lvis_v1_{train,val}.json` (coco_url, no file_name, no split), images in `coco/{train,val}2017/`."
    import shutil
    cats = load_json(data / "train.json")["categories"]
    coco_names = {cats[0]["id"]: "dog", cats[1]["id"]: "cup", cats[2]["id"]: "mug"}      # "mug": an LVIS name whose synonym is COCO's "cup"
    lcats = [dict(id=c["id"], name=coco_names.get(c["id"], c["name"].replace("-", "_")), synonyms=["cup"] if coco_names.get(c["id"]) == "mug" else [],
                  frequency=c.get("frequency", "r"), image_count=c.get("image_count", 1), instance_count=c.get("instance_count", 1))
             for c in cats]
    (root / "lvis").mkdir(parents=True, exist_ok=True)
    for split, folder in (("train", "train2017"), ("val", "val2017")):
        d = load_json(data / f"{split}.json"); (root / "coco" / folder).mkdir(parents=True, exist_ok=True)
        ims = []
        for im in d["images"]:
            name = f"{im['id']:012d}{Path(im['file_name']).suffix}"
            shutil.copy(data / "images" / im["file_name"], root / "coco" / folder / name)
            ims.append(dict({k: v for k, v in im.items() if k != "file_name"}, coco_url=f"http://images.cocodataset.org/{folder}/{name}",
                            neg_category_ids=[], not_exhaustive_category_ids=[]))
        anns = [{k: v for k, v in a.items() if k != "parent_id"} for a in d["annotations"]]
        (root / "lvis" / f"lvis_v1_{split}.json").write_text(json.dumps(dict(images=ims, annotations=anns, categories=lcats)))
    return root


def test_paper_preset_one_step_on_the_lvis_layout(data, tmp_path, monkeypatch):
    "The `paper` preset reads LVIS v1 files (coco_url, COCO image root); base = the COCO-80 names (or synonyms), the rest novel."
    root = _lvis_layout(data, tmp_path / "lvis_layout")
    cfg = lt.make_config(lt.Config, "paper")
    assert (cfg.train_split, cfg.val_split, cfg.proposals, cfg.n_proposals, cfg.proposal_nms, cfg.dim, cfg.lr) == \
        ("lvis_v1_train.json", "lvis_v1_val.json", "maskrcnn", 50, 0.75, 2, 1e-4)
    splits = lt.category_splits(load_json(root / "lvis" / "lvis_v1_train.json")["categories"])
    assert sorted(c for c, s in splits.items() if s == "base") == sorted(c["id"] for c in load_json(data / "train.json")["categories"][:3])
    monkeypatch.setenv("UNSEG_ALLOW_TIERS", "1")
    small = dict(data=str(root / "lvis"), image_dir=str(root / "coco"), run_dir=str(tmp_path / "run"), proposal_preset="",
                 proposal_steps=1, steps=1, batch_size=2, crop_size=32, n_proposals=8, k_grid=(2, 3, 4), num_workers=0,
                 device="cpu", progress=False)
    run = lt.train(lt.make_config(lt.Config, "paper", **small))
    base = load_json(run / "proposals" / "data" / "train_base.json")
    assert {c["id"] for c in base["categories"]} == {c for c, s in splits.items() if s == "base"}
    ev = lt.evaluate_discovery(lt.load(run, "cpu"))
    assert "novel_AP" in ev and ev["n_masks"] > 0
    assert ev["purity"] != ev["purity"] or 0 <= ev["purity"] <= 1            # nan when no cluster is named


def test_category_splits_from_a_list(tmp_path):
    "`base_categories`: a JSON list of ids or names; a list matching nothing is a one-line error."
    cats = [dict(id=1, name="a"), dict(id=2, name="b"), dict(id=3, name="person")]
    assert lt.category_splits(cats) == {1: "novel", 2: "novel", 3: "base"}
    (tmp_path / "b.json").write_text(json.dumps([1, "b"]))
    assert lt.category_splits(cats, tmp_path / "b.json") == {1: "base", 2: "base", 3: "novel"}
    (tmp_path / "n.json").write_text(json.dumps([9]))
    with pytest.raises(ValueError, match="no category has split 'base'"): lt.category_splits(cats, tmp_path / "n.json")
    assert lt.category_splits([dict(id=1, name="x", split="novel"), dict(id=2, name="y", split="base")]) == {1: "novel", 2: "base"}


def test_demo_rows(data, tmp_path):
    "`unseg demo --all`'s Weng et al. rows: the trained embedding, its untrained control and colour histograms, each with every metric."
    rows = lt.demo_rows(data, tmp_path, preset="smoke", device="cpu")
    assert len(rows) == 3 and all(set(lt.DISCOVERY_KEYS) <= set(r) for r in rows.values())
    ctrl = rows["longtail (untrained control)"]
    assert ctrl["median_dist"] < lt.COLLAPSE_DIST                            # random init: every mask near the origin
