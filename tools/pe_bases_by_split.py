#!/usr/bin/env python
"""Class-agnostic AP50 at 10 test loops of every pixel-embedding base trained by `unseg ablate` on same-class digits,
scored on the first 200 training and the first 200 validation images of its data set, so a size chosen by the gate
can be checked against the training split. No training.
Usage: python tools/pe_bases_by_split.py [RUNS]   (RUNS: runs/ablate/_shared/pixel_embedding_base)"""
import json, sys
from pathlib import Path

def ap50(run: Path, data: Path, split: str, n: int = 200) -> float:
    from unseg.data import CocoFolder, coco_subset
    from unseg.evaluate import evaluate
    from unseg.pixel_embedding import load, predict
    ds = CocoFolder(data / f"{split}.json", class_agnostic=True); n = min(n, len(ds))
    sub = coco_subset(json.loads((data / f"{split}.json").read_text()), [ds[i]["image_id"] for i in range(n)])
    model, recs = load(run, "cpu"), []
    for i in range(n):
        it = ds[i]; inst, _ = predict(model, it["image"], loops=10); recs += inst.to_coco(it["image_id"])
    return float(evaluate(sub, recs, class_agnostic=True)["AP50"]) if recs else 0.0

if __name__ == "__main__":
    import yaml
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/ablate/_shared/pixel_embedding_base")
    for d in sorted(root.iterdir()):
        if not (d / "config.yaml").exists() or not (d / "ckpt").exists(): continue
        c = yaml.safe_load((d / "config.yaml").read_text()); data = Path(c["data"])
        if "_True_" not in data.name: continue                  # same-class sets only (pe_<kind>_<n>_<size>_<seed>_True_...)
        print(f"{d.name} {data.name} px {c['image_size']} width {c['width']} steps {c['steps']} coord {c['coord']} "
              f"seed {c['seed']}: train AP50 {ap50(d, data, 'train'):.3f} val AP50 {ap50(d, data, 'val'):.3f}", flush=True)
