#!/usr/bin/env python
"""Figures of EXACT's CPU table (`ablations/exact_paste_cpu.yaml`), read from its finished points; nothing is trained.

Writes `results/exact_cpu_bank.png` (the extracted bank of seed 0, one row per class, each mask titled with its IoU
against the ground truth), `results/exact_cpu_curves.png` (training loss of the arms, seed 0) and
`results/exact_cpu_masks.png` (ground truth and the class-aware masks of the arms on four validation images).
Usage: python tools/exact_figures.py [--points runs/ablate/exact_paste_cpu] [--out results]"""
import argparse, json
from pathlib import Path
import matplotlib; matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

ARMS = {"supervised (GT bank, no paste)": dict(bank="gt", n_paste_max=0), "GT bank + paste": dict(bank="gt", inpaint_from="extracted"),
        "extracted masks, no paste": dict(bank=None, n_paste_max=0, mode="step1"),
        "EXACT (extracted + paste)": dict(bank=None, inpaint_from="bank", steps=800, mode="step1")}

def _find(points: Path, want: dict, seed: int = 0) -> Path | None:
    "The finished point folder of seed `seed` whose params match `want` (None: the key must be absent)."
    for d in sorted(points.iterdir()):
        f, r = d / "params.json", d / "run.json"
        if not (f.exists() and r.exists() and json.loads(r.read_text()).get("status") == "ok"): continue
        p = json.loads(f.read_text())
        if p.get("seed") != seed: continue
        if all((k not in p) if v is None else p.get(k) == v for k, v in want.items()): return d
    return None

def main(points: Path, out: Path, data: Path = Path("data/scenes_exact")):
    from unseg.core import Instances, decode_masks, load_json
    from unseg.data import CocoFolder
    from unseg.exact import show_bank
    from unseg.extract import ObjectBank
    from unseg.viz import overlay, read_jsonl
    found = {k: _find(points, v) for k, v in ARMS.items()}
    missing = [k for k, v in found.items() if v is None]
    if missing: raise SystemExit(f"{points}: no finished seed-0 point for {missing}; run unseg ablate ablations/exact_paste_cpu.yaml")
    bank = ObjectBank.load(found["EXACT (extracted + paste)"] / "run" / "bank.pt")
    show_bank(bank, data / "train.json", per_class=8, order="random").savefig(out / "exact_cpu_bank.png", dpi=90, bbox_inches="tight")
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for k, d in found.items():
        recs = read_jsonl(d / "run" / "metrics.jsonl"); ax.plot([r["step"] for r in recs], [r["loss"] for r in recs], label=k)
    ax.set_xlabel("step"); ax.set_ylabel("Mask R-CNN loss"); ax.set_yscale("log"); ax.legend(fontsize=7); ax.set_title("seed 0, 800 steps x 8 images", fontsize=9)
    fig.savefig(out / "exact_cpu_curves.png", dpi=90, bbox_inches="tight")
    val = CocoFolder(data / "val.json"); names = {c["id"]: c["name"] for c in val.categories}; idx = list(range(4))
    rows = [("ground truth", [Instances(val[i]["masks"], labels=val[i]["labels"]) for i in idx])]
    for k, d in found.items():
        res = load_json(d / "run" / "val_results.json"); insts = []
        for i in idx:
            it = val[i]; H, W = it["image"].shape[-2:]
            rs = sorted([r for r in res if r["image_id"] == it["image_id"] and r["score"] >= 0.5], key=lambda r: -r["score"])[:10]
            insts.append(Instances(decode_masks([r["segmentation"] for r in rs], H, W).reshape(-1, H, W), torch.tensor([r["score"] for r in rs]),
                                   torch.tensor([r["category_id"] for r in rs], dtype=torch.long)))
        rows.append((k, insts))
    fig, axs = plt.subplots(len(rows), len(idx), figsize=(2.2 * len(idx), 2.3 * len(rows)))
    for r, (k, insts) in enumerate(rows):
        for c, (i, inst) in enumerate(zip(idx, insts)):
            axs[r, c].imshow(overlay(val[i]["image"], inst, cat_names=names)); axs[r, c].axis("off")
            if c == 0: axs[r, c].set_title(k, fontsize=8, loc="left")
    fig.tight_layout(); fig.savefig(out / "exact_cpu_masks.png", dpi=90, bbox_inches="tight")
    print("wrote", *(out / f"exact_cpu_{n}.png" for n in ("bank", "curves", "masks")))

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=Path, default=Path("runs/ablate/exact_paste_cpu")); ap.add_argument("--out", type=Path, default=Path("results"))
    a = ap.parse_args(); main(a.points, a.out)
