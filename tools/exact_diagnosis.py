"""Where EXACT's extraction loses quality on a `scenes` set: proposals, CAM, or the selection.

    python tools/exact_diagnosis.py --n 120 --size 128 --cls-steps 200 [--out runs/exact_diagnosis]

Measures, on the training split (image labels only are used to extract; the masks only to score):
- the proposal upper bound: the best filtered classical proposal's IoU with an instance of each labelled class;
- the classifier: per-class average precision of the image labels (train and val);
- Grad-CAM: the share of the thresholded CAM that lies on the class's objects, and how often the anchor (its
  centre of mass) falls inside one;
- each selection rule's picks (CAM only, step 1 with n = 3, step 1 over all proposals, F-EM): mean IoU with the
  nearest instance of the class and the share with IoU >= 0.5.
Prints one JSON object and writes it to `<out>/diagnosis.json`.
"""
from __future__ import annotations
import argparse, json, time
from pathlib import Path
import numpy as np
import torch
import torch.nn.functional as F

def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=120); p.add_argument("--size", type=int, default=128)
    p.add_argument("--categories", type=int, default=4); p.add_argument("--cls-steps", type=int, default=200)
    p.add_argument("--workers", type=int, default=2); p.add_argument("--out", default="runs/exact_diagnosis")
    p.add_argument("--data-root", default="", help="where the scenes set is generated or reused (default: --out)")
    p.add_argument("--device", default="cpu"); p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cls-backbone", default="tiny", help="tiny or a torchvision ResNet name")
    p.add_argument("--cls-init", default="", help="a backbone state dict for a ResNet classifier (e.g. from unseg.hierarchy.export_backbone)")
    a = p.parse_args(argv)
    from sklearn.metrics import average_precision_score
    from unseg.core import mask_iou, save_json
    from unseg.data import CocoFolder
    from unseg.exact import ensure_data
    from unseg.extract import (ExtractConfig, ImageLabelDataset, cam_anchor, extract, filter_proposals, grad_cam,
                               proposals_for, train_classifier)
    out = Path(a.out); res: dict = dict(n=a.n, size=a.size, categories=a.categories, cls_steps=a.cls_steps, cls_backbone=a.cls_backbone,
                                  cls_init=a.cls_init)
    data = ensure_data(Path(a.data_root or out) / f"scenes_{a.n}_{a.size}", n=a.n, size=a.size, seed=a.seed, n_categories=a.categories)
    ds = CocoFolder(data / "train.json"); its = [ds[i] for i in range(len(ds))]
    t0 = time.perf_counter()
    props = proposals_for([it["image"] for it in its], "classical", workers=a.workers)
    res["proposals_s_per_image"] = (time.perf_counter() - t0) / len(its)
    cls = dict(cls_steps=a.cls_steps, image_size=a.size, backbone=a.cls_backbone, cls_init=a.cls_init)
    cfg = ExtractConfig(**cls)
    ub, kept = [], []
    for it, pr in zip(its, props):
        m = pr.masks[filter_proposals(pr.masks, cfg.min_area, cfg.max_span)]; kept.append(len(m))
        for c in it["image_labels"].tolist():
            ub.append(float(mask_iou(m, it["masks"][it["labels"] == c]).max()) if len(m) else 0.0)
    res.update(proposals_per_image=float(np.mean([len(pr) for pr in props])), kept_per_image=float(np.mean(kept)),
               upper_bound_mIoU=float(np.mean(ub)), upper_bound_iou50=float(np.mean(np.array(ub) >= 0.5)))
    model = train_classifier(data / "train.json", cfg, out / "classifier", device=a.device, seed=a.seed)
    present = sorted({c for it in its for c in it["image_labels"].tolist()})
    for split in ("train", "val"):
        lds = ImageLabelDataset(data / f"{split}.json", a.size, model.cat_ids, hflip=False)
        X = torch.stack([lds[i]["image"] for i in range(len(lds))]); Y = torch.stack([lds[i]["target"] for i in range(len(lds))])
        with torch.no_grad(): P = torch.sigmoid(model(X.to(next(model.parameters()).device))).cpu()
        cols = [model.cat_ids.index(c) for c in present if Y[:, model.cat_ids.index(c)].any()]
        res[f"classifier_mAP_{split}"] = float(np.mean([average_precision_score(Y[:, k], P[:, k]) for k in cols]))
    index = {c: k for k, c in enumerate(model.cat_ids)}; dev = next(model.parameters()).device
    prec, hit = [], []
    for it in its:
        x = F.interpolate(it["image"][None], size=(a.size, a.size), mode="bilinear", align_corners=False)
        for c in it["image_labels"].tolist():
            cam = F.interpolate(grad_cam(model, x.to(dev), [index[c]]).cpu()[:, None], size=it["image"].shape[-2:], mode="bilinear")[:, 0]
            G, ctr = cam_anchor(cam, cfg.cam_thresh); g = it["masks"][it["labels"] == c].any(0)
            y, xx = [min(int(round(float(v))), s - 1) for v, s in zip(ctr[0], g.shape)]
            prec.append(float((G[0] & g).sum() / G[0].sum().clamp_min(1))); hit.append(bool(g[y, xx]))
    res.update(cam_precision=float(np.mean(prec)), anchor_in_object=float(np.mean(hit)),
               class_area_share=float(np.mean([float((it["masks"][it["labels"] == c].any(0)).float().mean())
                                               for it in its for c in it["image_labels"].tolist()])))
    rules = {"cam": dict(mode="cam"), "step1": dict(mode="step1"), "step1_all": dict(mode="step1", n_candidates=64, em_candidates=64),
             "fem": dict(mode="fem")}
    for name, kw in rules.items():
        bank, items = extract(model, [it["image"] for it in its], [it["image_labels"].tolist() for it in its], props,
                              ExtractConfig(**cls, **kw), [it["image_id"] for it in its],
                              ds.cat_ids, return_info=True)
        ious = np.array([float(mask_iou(i["masks"][i["pick"]][None], its[i["i"]]["masks"][its[i["i"]]["labels"] == i["a"]]).max())
                         for i in items])
        res[f"{name}_mIoU"], res[f"{name}_iou50"], res[f"{name}_bank"] = float(ious.mean()), float((ious >= 0.5).mean()), len(bank)
    save_json(res, out / "diagnosis.json", indent=1)
    print(json.dumps(res))
    return res

if __name__ == "__main__":
    main()
