#!/usr/bin/env python
"""How separable are a `digits` set's instances without knowing shapes? The connected components of the ground-truth
foreground, scored as instances (class-agnostic AP50 on the validation split): touching digits of one colour merge
into one component, so this is what a grouping by colour and contiguity alone can reach. Beside it the same with
components of each colour separately (what colour differences add), and how crowded the set is: annotated digits per
image and the share of a digit's outline that touches another digit (averaged over digits). No learning.
Usage: python tools/digits_components.py DATA [DATA ...]   (COCO folders with val.json)"""
import sys
from pathlib import Path
import cv2
import numpy as np
import torch

def components(data: Path, by_colour: bool) -> list[dict]:
    from unseg.core import Instances
    from unseg.data import CocoFolder
    ds = CocoFolder(data / "val.json"); res = []
    for i in range(len(ds)):
        it = ds[i]
        if not len(it["masks"]): continue
        fg = it["masks"].any(0).numpy()
        keys = [None]
        if by_colour:                                             # colour = class here (one fixed colour per class): split by the class map
            code = np.zeros(fg.shape, np.int64)
            for m_, l_ in zip(it["masks"].numpy(), it["labels"].tolist()): code[m_] = l_   # later (upper) digits paint over
            keys = [k for k in np.unique(code[fg])]
        masks = []
        for k in keys:
            m = fg if k is None else (fg & (code == k))
            n, lab = cv2.connectedComponents(m.astype(np.uint8), connectivity=8)
            masks += [lab == j for j in range(1, n) if (lab == j).sum() >= 16]
        if masks:
            M = torch.from_numpy(np.stack(masks)); s = M.flatten(1).sum(1).float()
            res += Instances(M, s / s.max(), torch.ones(len(M), dtype=torch.long)).to_coco(ds.ids[i])
    return res

def crowding(data: Path) -> tuple[float, float]:
    "Annotated digits per validation image, and the mean share of a digit's outer outline lying on another digit."
    from unseg.data import CocoFolder
    ds = CocoFolder(data / "val.json"); n, touch = [], []
    for i in range(len(ds)):
        M = ds[i]["masks"].numpy(); n.append(len(M))
        if not len(M): continue
        lab = np.full(M.shape[1:], -1)
        for k, m in enumerate(M): lab[m] = k
        for m in M:
            ring = cv2.dilate(m.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~m
            if ring.any(): touch.append(float((lab[ring] >= 0).mean()))
    return float(np.mean(n)), float(np.mean(touch))

if __name__ == "__main__":
    from unseg.evaluate import evaluate
    for d in map(Path, sys.argv[1:]):
        for bc in (False, True):
            r = components(d, bc)
            m = evaluate(d / "val.json", r, class_agnostic=True) if r else dict(AP50=0.0, AP=0.0)
            print(f"{d.name}: components of the foreground{' per colour' if bc else ''}: AP50 {m['AP50']:.3f} AP {m['AP']:.3f}")
        n, t = crowding(d)
        print(f"{d.name}: {n:.2f} annotated digits per image; {t:.2f} of a digit's outline touches another digit")
