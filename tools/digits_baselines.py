#!/usr/bin/env python
"""The two references beside a learned pixel embedding on a `digits` set: the untrained control (the embedding network
at initialisation, 3 seeds, 10 test loops) and the classical baseline with its superpixel size chosen on the training
split. The scene settings (250 pixels per superpixel) leave a 32 x 32 image 4 superpixels, so it finds nothing there;
this tries `superpixel_area` in {250, 64, 32, 16, 8} on the first 200 training images and scores the best on all
validation images (class-agnostic AP50 / AP).
Usage: python tools/digits_baselines.py DATA [WIDTH]   (a COCO folder with train.json and val.json; U-Net width, 32)"""
import dataclasses, json, sys
from pathlib import Path

def score(data: Path, split: str, n: int = 0, **kw) -> tuple[float, float]:
    "Class-agnostic (AP50, AP) of `unseg.classical` with settings `kw` on the first `n` images of `split` (0: all)."
    from unseg import classical as cl
    from unseg.core import make_config
    from unseg.data import CocoFolder, coco_subset
    from unseg.evaluate import evaluate
    ds = CocoFolder(data / f"{split}.json", class_agnostic=True); n = n or len(ds)
    sub = coco_subset(json.loads((data / f"{split}.json").read_text()), [ds[i]["image_id"] for i in range(n)])
    inst = cl.segment(cl.load(dataclasses.replace(make_config(cl.Config), **kw)), [ds[i]["image"] for i in range(n)])
    recs = [r for i, x in enumerate(inst) for r in x.to_coco(ds[i]["image_id"])]
    m = evaluate(sub, recs, class_agnostic=True) if recs else dict(AP50=0.0, AP=0.0)
    return float(m["AP50"]), float(m["AP"])

def untrained(data: Path, width: int, seed: int) -> tuple[float, float, float]:
    "Class-agnostic (AP50, AP, predictions per image) of an untrained embedding network on all validation images."
    import torch
    from unseg.core import make_config
    from unseg.data import CocoFolder
    from unseg.evaluate import evaluate
    from unseg.pixel_embedding import PixelEmbeddingConfig, build_model, predict
    torch.manual_seed(seed)
    model = build_model(make_config(PixelEmbeddingConfig, width=width, dim=8, coord=False)).eval()
    ds, recs = CocoFolder(data / "val.json", class_agnostic=True), []
    for i in range(len(ds)):
        it = ds[i]; inst, _ = predict(model, it["image"], loops=10); recs += inst.to_coco(it["image_id"])
    m = evaluate(json.loads((data / "val.json").read_text()), recs, class_agnostic=True) if recs else dict(AP50=0.0, AP=0.0)
    return float(m["AP50"]), float(m["AP"]), len(recs) / max(len(ds), 1)

if __name__ == "__main__":
    if len(sys.argv) not in (2, 3): sys.exit(__doc__)
    data, best = Path(sys.argv[1]), None
    width = int(sys.argv[2]) if len(sys.argv) == 3 else 32
    for seed in (0, 1, 2):
        ap50, ap, per = untrained(data, width, seed)
        print(f"{data.name} val (all images) untrained U-Net width {width}, seed {seed}, 10 loops: AP50 {ap50:.3f} AP {ap:.3f} "
              f"({per:.1f} masks per image)", flush=True)
    for a in (250, 64, 32, 16, 8):
        ap50, ap = score(data, "train", 200, superpixel_area=a)
        print(f"{data.name} train (200 images) superpixel_area={a}: AP50 {ap50:.3f} AP {ap:.3f}", flush=True)
        if best is None or ap50 > best[1]: best = (a, ap50)
    ap50, ap = score(data, "val", 0, superpixel_area=best[0])
    print(f"{data.name} val (all images) superpixel_area={best[0]} (chosen on train): AP50 {ap50:.3f} AP {ap:.3f}")
