"Install-level checks of unseg.pixel_embedding: the `python -m` benchmark entry point, bench registration, the unseg CLI."
import json, subprocess, sys
from pathlib import Path
import pytest
import unseg.pixel_embedding as pe


def test_module_bench_cli_prints_json_lines():
    cmd = [sys.executable, "-m", "unseg.pixel_embedding", "bench", "--device", "cpu", "--quick",
           "--n-small", "128", "--n-large", "256", "--loops", "2", "--dim", "8"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    recs = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    assert recs and all({"bench", "case", "device", "value", "unit", "baseline", "ratio"} <= set(x) for x in recs)
    cases = [x["case"] for x in recs]
    assert any("naive fp32 fwd+bwd" in c for c in cases) and any("fused fp32 auto fwd+bwd" in c for c in cases)
    assert any(c.startswith("N=256") for c in cases)
    diff = [x for x in recs if "max|dZ|" in x["case"]]
    assert diff and all(x["value"] < x["baseline"] for x in diff)


def test_module_cli_rejects_unknown_command():
    r = subprocess.run([sys.executable, "-m", "unseg.pixel_embedding", "nope"], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "invalid choice" in r.stderr


def test_registered_with_unseg_bench():
    from unseg.bench import BENCHES
    assert BENCHES["gbms"] is pe.bench_gbms


def test_unseg_cli_train_and_segment(tmp_path):
    from unseg.cli import main
    run = tmp_path / "run"
    main(["train", "pixel-embedding", "--set", f"run_dir={run}", "synth_n=6", "synth_size=32", "image_size=32",
          "width=8", "steps=2", "batch_size=2", "device=cpu", "test_loops=3"])
    ckpt = run / "ckpt" / "last.pt"
    assert ckpt.exists() and (run / "metrics.jsonl").exists()
    out = tmp_path / "seg"
    main(["segment", "pixel-embedding", "--ckpt", str(ckpt), "--images", str(run / "data" / "images"),
          "--out", str(out), "--device", "cpu", "--set", "test_loops=2"])
    files = {p.name for p in out.rglob("*")}
    assert any(f.endswith(".json") and "result" in f for f in files), files
    assert any(f.endswith(".png") for f in files), files
    html = (out / "report.html").read_text()
    assert "What pixel-embedding sees" in html and "embedding (PCA to RGB)" in html and "after 2 loops" in html


def test_embedding_rgb_views():
    import torch
    from unseg.core import make_config
    model = pe.load(make_config(pe.PixelEmbeddingConfig, "smoke", dim=4, width=8), "cpu")
    v = pe.embedding_rgb(model, torch.rand(3, 24, 20), test_loops=3)
    assert list(v) == ["embedding (PCA to RGB), loop 0", "after 3 loops"]
    assert all(x.shape == (24, 20, 3) and x.min() >= 0 and x.max() <= 1 for x in v.values())


def _tiny(tmp_path, name, **kw):
    from unseg.core import make_config
    kw = {**dict(synth_n=6, synth_size=32, image_size=32, width=8, dim=4, batch_size=2, device="cpu"), **kw}
    return make_config(pe.PixelEmbeddingConfig, "smoke", run_dir=str(tmp_path / name), **kw)


def test_init_ckpt_fine_tunes_from_the_base(tmp_path):
    import dataclasses, torch
    from unseg.train import load_checkpoint
    base = pe.train(_tiny(tmp_path, "base", loops=0, steps=2))
    arm = pe.train(_tiny(tmp_path, "arm", loops=3, steps=0, init_ckpt=str(base), data=str(base / "data")))
    a, b = load_checkpoint(base)["model"], load_checkpoint(arm)["model"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)            # 0 steps: exactly the base
    cold = pe.train(_tiny(tmp_path, "cold", loops=3, steps=0, data=str(base / "data")))
    assert not all(torch.equal(a[k], load_checkpoint(cold)["model"][k]) for k in a)     # the test can fail: init differs
    with pytest.raises(ValueError, match="init_ckpt needs the same backbone"):
        pe.train(_tiny(tmp_path, "wide", steps=0, width=16, init_ckpt=str(base), data=str(base / "data")))


def test_fg_weight_per_loop_keeps_the_foreground_share(tmp_path):
    import torch
    torch.manual_seed(0)
    cfg = _tiny(tmp_path, "x", loops=3, n_samples=64)
    batch = dict(image=torch.rand(2, 3, 32, 32), labels=torch.randint(0, 3, (2, 32, 32)))
    model = pe.build_model(cfg)
    outs = {}
    for flag in (False, True):
        torch.manual_seed(1)
        outs[flag] = pe.make_loss_fn(__import__("dataclasses").replace(cfg, fg_weight_per_loop=flag))(model, batch)
    pair = sum(outs[True][f"loss_t{t}"] for t in range(4))
    assert torch.allclose(outs[True]["loss"], pair + 4 * outs[True]["fg_loss"])
    assert torch.allclose(outs[False]["loss"], pair + outs[False]["fg_loss"])


def test_paper_preset_reads_the_voc_layout(tmp_path, monkeypatch):
    import numpy as np
    from PIL import Image
    from unseg.core import make_config
    from unseg.data import CocoFolder
    root = tmp_path / "VOCdevkit" / "VOC2012"
    for d in ("JPEGImages", "SegmentationObject", "SegmentationClass", "ImageSets/Segmentation"): (root / d).mkdir(parents=True)
    for k in range(3):
        obj = np.zeros((40, 48), np.uint8); obj[5:20, 5:20] = 1; obj[22:35, 20:40] = 2; obj[4, 5:20] = 255
        cls = np.where(obj == 1, 15, np.where(obj == 2, 12, obj)).astype(np.uint8)
        for arr, d in ((obj, "SegmentationObject"), (cls, "SegmentationClass")):
            im = Image.fromarray(arr, mode="P"); im.putpalette(list(range(256)) * 3); im.save(root / d / f"2008_{k:06d}.png")
        Image.fromarray(np.full((40, 48, 3), 40 * k, np.uint8)).save(root / "JPEGImages" / f"2008_{k:06d}.jpg")
    (root / "ImageSets/Segmentation/train.txt").write_text("2008_000000\n2008_000001\n")
    (root / "ImageSets/Segmentation/val.txt").write_text("2008_000002\n")
    cfg = make_config(pe.PixelEmbeddingConfig, "paper", data=str(tmp_path / "VOCdevkit"))
    assert (cfg.backbone, cfg.dim, cfg.loops, cfg.test_loops, cfg.push_weight) == ("resnet50", 64, 0, 10, 5.0)
    d = pe.ensure_data(cfg, tmp_path / "run")
    tr = CocoFolder(d / "train.json")
    assert len(tr) == 2 and sorted(tr[0]["labels"].tolist()) == [12, 15] and len(CocoFolder(d / "val.json")) == 1
    monkeypatch.setenv("UNSEG_ALLOW_TIERS", "1")                 # a deliberate 1-step run of the paper preset
    small = pe.train(make_config(pe.PixelEmbeddingConfig, "paper", data=str(root), run_dir=str(tmp_path / "r"), backbone="unet",
                                 width=8, dim=8, image_size=32, steps=1, n_samples=64, device="cpu", num_workers=0, progress=False))
    assert (small / "ckpt" / "last.pt").exists()


def test_collapsed_embedding_warns():
    import torch
    from unseg.core import make_config, warn_collapsed
    model = pe.load(make_config(pe.PixelEmbeddingConfig, "smoke", dim=4, width=8), "cpu")
    with torch.no_grad():                                    # every pixel the same direction: nothing can be separated
        for n, p in model.named_parameters(): p.zero_()
        model.net.head[-1].bias.copy_(torch.tensor([1., 2., 0., 0.]))
    with pytest.warns(UserWarning, match="pixel-embedding: the embedding has collapsed on 2 of 2 images"):
        pe.segment(model, [torch.rand(3, 16, 16), torch.rand(3, 16, 16)])
    assert not warn_collapsed([0.3, 0.5, 0.999], "x")        # a minority of collapsed images: no warning


def test_segment_report_shows_the_collapse(tmp_path):
    from unseg.cli import main
    run = tmp_path / "run"
    main(["train", "pixel-embedding", "--preset", "smoke", "--set", f"run_dir={run}", "synth_n=6", "synth_size=32", "image_size=32",
          "width=8", "steps=0", "device=cpu"])                   # 0 steps: the random network's embedding is collapsed
    out = tmp_path / "seg"
    main(["segment", "pixel-embedding", "--ckpt", str(run), "--images", str(run / "data" / "images"), "--out", str(out),
          "--device", "cpu", "--no-overlays"])
    assert "the embedding has collapsed" in (out / "report.html").read_text()
