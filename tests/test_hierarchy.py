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


def _tiny_sbd(root, ids, size=(40, 56)):
    "An SBD layout (benchmark_RELEASE/dataset: img/, inst/*.mat GTinst structs, train.txt / val.txt)."
    from PIL import Image
    from scipy.io import savemat
    d = root / "benchmark_RELEASE" / "dataset"
    for sub in ("img", "inst"): (d / sub).mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(ids):
        img = np.full((*size, 3), 30, np.uint8); img[4:20, 4:30] = (60, 60, 200)
        Image.fromarray(img).save(d / "img" / f"{name}.jpg")
        seg = np.zeros(size, np.uint8); seg[4:20, 4:30] = 1
        savemat(d / "inst" / f"{name}.mat", {"GTinst": {"Segmentation": seg, "Categories": np.array([[15]], np.uint8)}})
    (d / "train.txt").write_text("\n".join(ids[:-1]) + "\n"); (d / "val.txt").write_text(ids[-1] + "\n")
    return root / "benchmark_RELEASE"


def _tiny_bsds(root, n=2):
    "A BSDS500 layout (images/<split>/*.jpg, groundTruth/<split>/*.mat cell arrays of annotator structs)."
    from PIL import Image
    from scipy.io import savemat
    for split in ("train", "val"):
        for sub in ("images", "groundTruth"): (root / sub / split).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            img = np.full((24, 32, 3), 40, np.uint8); img[:, 12:] = 200
            Image.fromarray(img).save(root / "images" / split / f"{100 + i}.jpg")
            gt = np.empty((1, 2), dtype=object)
            for k in range(2):
                seg = np.ones((24, 32), np.uint16); seg[:, 12 + k:] = 2
                bnd = np.zeros((24, 32), np.uint8); bnd[:, 12 + k] = 1
                gt[0, k] = {"Segmentation": seg, "Boundaries": bnd}
            savemat(root / "groundTruth" / split / f"{100 + i}.mat", {"groundTruth": gt})
    return root


def test_paper_preset_on_real_layouts(tmp_path, monkeypatch):
    """The `paper` presets on the real layouts: pre-training on PASCAL train_aug (VOC 2012 + SBD, VOC val left out, images
    of mixed sizes) with hierarchies from a contour detector trained on BSDS500 only; then the ablation notebook's probe,
    semantic fine-tuning and tracking read-outs on the same VOC root."""
    from PIL import Image
    from test_exact import _tiny_voc
    monkeypatch.setenv("UNSEG_ALLOW_TIERS", "1")                            # the paper presets, with every size overridden tiny
    from unseg import hierarchy as H
    from unseg.core import make_config, load_json
    from unseg.train import load_checkpoint
    voc = _tiny_voc(tmp_path / "VOCdevkit" / "VOC2012")
    vval = (voc / "ImageSets/Segmentation/val.txt").read_text().split()
    ids = ["2008_000001", "2008_000002", vval[0]]                            # two SBD-only images (another size) and a VOC val image
    sbd = _tiny_sbd(tmp_path / "SBD", ids)
    for i in ids[:2]: Image.open(sbd / "dataset/img" / f"{i}.jpg").save(voc / "JPEGImages" / f"{i}.jpg")
    bsds = _tiny_bsds(tmp_path / "BSR" / "BSDS500" / "data")
    cfg = make_config(H.HierarchyConfig, preset="paper", data=str(tmp_path / "VOCdevkit"), sbd=str(sbd), contour_data=str(tmp_path / "BSR"),
                      run_dir=str(tmp_path / "run"), steps=2, batch_size=2, image_size=32, backbone="resnet18", width=8, workers=0,
                      num_workers=0, contour_steps=2, progress=False, ckpt_every=2, log_every=1, device="cpu")
    assert (cfg.backbone, cfg.owt_orient, cfg.edges) == ("resnet18", True, "detector")
    run = H.train(cfg)
    aug = load_json(voc / "unseg_coco_aug" / "train.json")
    names = sorted(im["file_name"] for im in aug["images"])
    assert names == sorted([f"2007_{k:06d}.jpg" for k in range(4)] + ["2008_000001.jpg", "2008_000002.jpg"])   # VOC train + SBD, not VOC val
    assert load_json(run / "precompute.json")["n"] == 6                    # one hierarchy per train_aug image
    ccfg = load_checkpoint(run / "contours")["run_config"]
    assert Path(ccfg["data"]) == tmp_path / "BSR" and ccfg["image_size"] == 320 and ccfg["label_frac"] == 1.0   # BSDS only, the paper preset
    assert H.load(run, "cpu").cfg.sbd == str(sbd)
    # the ablation notebook on the same VOC root: probe, fine-tuning and tracking (a generated video set) read out
    from unseg.ablate import run_point
    nb = Path(__file__).resolve().parents[1] / "nbs/ablations/hierarchy_pretrain.ipynb"
    r = run_point(nb, dict(data=str(tmp_path / "VOCdevkit"), sbd=str(sbd), size=32, pretrain_steps=1, batch_size=2, probe_steps=2,
                           finetune_steps=1, track=True, n_videos=1, init="pixel", edges="detector", contour_data=str(tmp_path / "BSR"),
                           owt_orient=True, width=8, label_frac=1.0, cache_root=str(tmp_path / "cache")),
                  tmp_path / "point", timeout=600)
    assert r["status"] == "ok", r["error"]
    m = r["metrics"]
    assert m["n_labelled"] == 6 and m["n_val"] == 2
    assert all(0 <= m[k] <= 1 for k in ("miou", "sem_ft_miou", "jf", "jf_rgb"))
    pre = next((tmp_path / "cache").glob("pre_pixel_fixed_detector_owt_w8_*"))                  # the spec's paper settings reached the run
    rc = load_checkpoint(pre)["run_config"]
    assert rc["owt_orient"] and rc["width"] == 8 and rc["contour_data"] == str(tmp_path / "BSR") and rc["edges"] == "detector"


def test_semantic_classes_levels():
    "Supercategories when there are several (the scenes sets), categories when they share one (VOC's 20 classes)."
    from unseg.hierarchy import semantic_classes
    cats = [dict(id=3, name="b", supercategory="x"), dict(id=1, name="a", supercategory="y"), dict(id=2, name="c", supercategory="x")]
    assert semantic_classes(cats) == ({3: 1, 1: 2, 2: 1}, ["background", "x", "y"])
    voc = [dict(id=i, name=n, supercategory="voc") for i, n in ((2, "bicycle"), (1, "aeroplane"))]
    assert semantic_classes(voc) == ({1: 1, 2: 2}, ["background", "aeroplane", "bicycle"])
    assert semantic_classes(cats, "category")[1] == ["background", "a", "c", "b"]
    with pytest.raises(ValueError, match="level must be"): semantic_classes(cats, "instance")


def test_demo_rows_from_spec(tmp_path):
    "`unseg demo --all`'s Zhang & Maire rows: the oracle from the seed-0 fixed pixel arm and from the random trunk of a spec, read-outs off."
    from unseg.cli import HIERARCHY_KEYS, hierarchy_rows
    nb = Path(__file__).resolve().parents[1] / "nbs/ablations/hierarchy_pretrain.ipynb"
    spec = tmp_path / "hier_demo.yaml"
    spec.write_text(f"name: hier_demo\nnotebook: {nb}\nbase: {{n_images: 6, size: 48, pretrain_steps: 1, batch_size: 2, track: true, "
                    f"finetune_steps: 1, cache_root: {tmp_path / 'cache'}}}\npoints:\n"
                    "  - {init: pixel, shuffle: true, oracle_steps: 1, seed: [0]}\n  - {init: random, oracle_steps: 1, seed: [0, 1]}\n"
                    "  - {init: pixel, oracle_steps: 1, seed: [0]}\n  - {init: image, oracle_steps: 1, seed: [0]}\ncolumns: [ap, ap50]\ntimeout: 600\n")
    rows = hierarchy_rows(tmp_path / "out", spec)
    assert list(rows) == ["oracle from the hierarchy-pretrained trunk", "oracle from a random trunk (control)"]
    assert all(set(HIERARCHY_KEYS) <= set(r) and 0 <= r["AP50"] <= 1 for r in rows.values())
    p = json.loads((tmp_path / "out/hierarchy/pixel/params.json").read_text())
    assert p["init"] == "pixel" and not p.get("shuffle") and p["seed"] == 0 and p["track"] is False and p["finetune_steps"] == 0
    assert json.loads((tmp_path / "out/hierarchy/random/params.json").read_text())["init"] == "random"
    assert hierarchy_rows(tmp_path / "out", tmp_path / "missing.yaml") == {}
