"""Size the canonical CPU-tier `scenes` set and write its card (results/cpu_tier.json and .md).

For each candidate size it generates the set, trains the supervised oracle (Mask R-CNN, `cpu` preset) and
oracle-solo (SOLO on the ground truth, `cpu` preset) from scratch, runs the classical baseline, and scores all
three with class-agnostic mask AP on the validation split. Finished runs are reused (their run folders say
so), so the card grows across sessions. Usage:

    python tools/cpu_tier.py                 # every candidate, then the card
    python tools/cpu_tier.py --rows chosen   # one candidate
    python tools/cpu_tier.py --exact         # (re)describe EXACT's split (data/scenes_exact) in the card
"""
from __future__ import annotations
import argparse, hashlib, json, os, time
from pathlib import Path

CHOSEN = "chosen"
CANDIDATES = {   # name -> (synth overrides of the cpu tier, note)
    CHOSEN: ({}, "the cpu tier of unseg.synth.TIER_SETS"),
    "small-objects": (dict(min_scale=0.08, max_scale=0.3), "objects of side 8-30% of the image (about 10-38 px)"),
    "fewer-images": (dict(n=300), "half the images (240 train / 60 val: below the 100-image validation floor)"),
}
GATE = dict(oracle_AP50=0.50, oracle_solo_AP50=0.30, train_minutes=10.0)

def annotation_checksum(data: Path) -> str:
    "SHA-1 (12 hex) of annotations.json: two sets with the same checksum are the same benchmark."
    return hashlib.sha1((data / "annotations.json").read_bytes()).hexdigest()[:12]

def set_stats(data: Path, anchors) -> dict:
    "What the card reports about a set: sizes, instances, buckets, novel holdout, parts."
    import numpy as np
    d = json.loads((data / "annotations.json").read_text())
    cats = {c["id"]: c for c in d["categories"]}; split = {im["id"]: im["split"] for im in d["images"]}
    top = [a for a in d["annotations"] if a.get("parent_id") is None]; parts = [a for a in d["annotations"] if a.get("parent_id") is not None]
    side = np.sqrt([a["bbox"][2] * a["bbox"][3] for a in top])                      # box side sqrt(w h), px
    hist = np.histogram(side, bins=[0, 8, 12, 16, 24, 32, 48, 64, 96, 128, 1e9])
    whole = [c for c in d["categories"] if not c.get("is_part")]
    comp_ids = {c["id"] for c in whole if c.get("supercategory") == "composite"}
    comps = [a for a in top if a["category_id"] in comp_ids]
    n_parts = {a["id"]: 0 for a in comps}
    for p in parts:
        if p["parent_id"] in n_parts: n_parts[p["parent_id"]] += 1
    novel = [c for c in d["categories"] if c.get("split") == "novel"]
    nov_ids = {c["id"] for c in novel}
    per_img = np.bincount([a["image_id"] for a in top], minlength=max(split) + 1)[sorted(split)]
    buckets = {f: sum(c["frequency"] == f for c in whole if c.get("split") != "novel") for f in "rcf"}
    return dict(
        images={s: sum(v == s for v in split.values()) for s in ("train", "val")}, size=d["info"]["size"],
        categories=dict(whole=len(whole), base=len(whole) - len(novel), novel=len(novel), composite=len(comp_ids),
                        part=sum(bool(c.get("is_part")) for c in d["categories"]), base_buckets=buckets),
        instances_top=len(top), instances_part=len(parts), instances_per_image=dict(mean=round(float(per_img.mean()), 2),
                                                                                   min=int(per_img.min()), max=int(per_img.max())),
        side_px=dict(mean=round(float(side.mean()), 1), median=round(float(np.median(side)), 1),
                     p5=round(float(np.percentile(side, 5)), 1), p95=round(float(np.percentile(side, 95)), 1)),
        side_hist=dict(edges=[float(e) for e in hist[1][:-1]] + ["inf"], counts=hist[0].tolist()),
        anchors=list(anchors),
        novel_categories=[c["name"] for c in novel],
        novel_instances={s: sum(a["category_id"] in nov_ids for a in top if split[a["image_id"]] == s) for s in ("train", "val")},
        parts_per_composite=round(float(np.mean(list(n_parts.values()))) if n_parts else 0.0, 2),
        composites=len(comps))

def run_row(name: str, root: Path) -> dict:
    from unseg.core import make_config
    from unseg.segment import evaluate_method
    from unseg.synth import TIER_SETS, synth
    from unseg import oracle, oracle_solo
    over, note = CANDIDATES[name]
    out = root / name; data = out / "data"
    if not (data / "val.json").exists():
        synth(data, kind="scenes", preset="cpu", seed=0, progress=False, **over)
    load0 = os.getloadavg()[0]
    res = {m: evaluate_method(m, data, preset="cpu", out=out, batch_size=16) for m in ("classical", "oracle", "oracle-solo")}
    ocfg, scfg = make_config(oracle.Config, "cpu"), make_config(oracle_solo.Config, "cpu")
    import torch
    row = dict(name=name, note=note, n=len(json.loads((data / "annotations.json").read_text())["images"]),
               size=json.loads((data / "annotations.json").read_text())["info"]["size"], synth_overrides=over,
               oracle_AP50=res["oracle"]["AP50"], oracle_AP=res["oracle"]["AP"], oracle_AR100=res["oracle"]["AR100"],
               oracle_train_minutes=round(res["oracle"]["train_s"] / 60, 2), oracle_steps=ocfg.steps,
               oracle_images_seen=ocfg.steps * ocfg.batch_size,
               oracle_solo_AP50=res["oracle-solo"]["AP50"], oracle_solo_AP=res["oracle-solo"]["AP"],
               oracle_solo_AR100=res["oracle-solo"]["AR100"], oracle_solo_train_minutes=round(res["oracle-solo"]["train_s"] / 60, 2),
               oracle_solo_steps=scfg.steps, oracle_solo_images_seen=scfg.steps * scfg.batch_size,
               classical_AP50=res["classical"]["AP50"], classical_AP=res["classical"]["AP"], classical_AR100=res["classical"]["AR100"],
               val_images=res["oracle"]["n_images"], threads=torch.get_num_threads(), cpu_count=os.cpu_count(),
               load_before=round(load0, 2), load_after=round(os.getloadavg()[0], 2),
               commit=res["oracle"]["provenance"]["commit"], annotation_checksum=annotation_checksum(data), seed=0)
    row["train_minutes"] = max(row["oracle_train_minutes"], row["oracle_solo_train_minutes"])
    row["gate"] = bool(row["oracle_AP50"] >= GATE["oracle_AP50"] and row["oracle_solo_AP50"] >= GATE["oracle_solo_AP50"]
                       and row["train_minutes"] <= GATE["train_minutes"] and row["val_images"] >= 100)
    row["stats"] = set_stats(data, ocfg.anchor_sizes)
    return row

EXACT_GATE = dict(classifier_mAP_over_chance=0.25, anchor_in_object=0.50, detector_AP50=0.30, detector_minutes=12.0)

def exact_split(data: Path = Path("data/scenes_exact")) -> dict:
    "The EXACT split's card entry: how it is made, its statistics and the gates every EXACT table reads against."
    from unseg.synth import TIER_SETS, synth
    if not (data / "val.json").exists(): synth(data, kind="scenes", preset="exact", seed=0, progress=False)
    d = json.loads((data / "annotations.json").read_text()); s = set_stats(data, [])
    names = {c["id"]: c["name"] for c in d["categories"] if not c.get("is_part")}
    per_cat = {names[c]: sum(c in im["image_labels"] for im in d["images"] if im["split"] == "train") for c in names}
    return dict(data=str(data), preset=TIER_SETS["scenes"]["exact"], annotation_checksum=annotation_checksum(data), stats=s,
                train_images_per_category=per_cat, gate=EXACT_GATE)

def exact_measured(results: Path = Path("results")) -> dict:
    "The EXACT gates as measured in the committed tables (mean and std over seeds; empty where a table is missing)."
    import pandas as pd
    out = {}
    ex, pa = results / "exact_extract_cpu.csv", results / "exact_paste_cpu.csv"
    if ex.exists():
        d = pd.read_csv(ex); d = d[(d["status"] == "ok") & (d["mode"] == "step1") & d["anchor_source"].isna() & d["proposals"].isna()]
        col = lambda k, dflt: d[k] if k in d else pd.Series(dflt, index=d.index)
        frz, stg, stp = col("cls_freeze", False).fillna(False).astype(bool), col("cls_train_stages", 0).fillna(0).astype(int), col("cls_steps", 300).fillna(300).astype(int)
        settings = [("", "the fine-tuned classifier", ~frz),
                    ("probe_", "a linear probe on the same trunk, 300 steps", frz & (stg == 0) & (stp == 300)),
                    ("stage_", "the last trunk stage + head, 300 steps", frz & (stg == 1) & (stp == 300)),
                    ("chosen_", "a linear probe, 600 steps: the setting chosen on the training split (`results/exact_classifier_select.md`)", frz & (stg == 0) & (stp == 600))]
        out["settings"] = [(k, w) for k, w, _ in settings]
        for key, _, sel in settings:
            g = d[sel]
            if len(g): out.update({f"{key}classifier_mAP": [g["classifier_mAP"].mean(), g["classifier_mAP"].std()], "classifier_chance": g["classifier_chance"].mean(),
                                   f"{key}anchor_in_object": [g["anchor_in_object"].mean(), g["anchor_in_object"].std()], f"{key}extract_seeds": len(g)})
    if pa.exists():
        d = pd.read_csv(pa); d = d[(d["status"] == "ok") & (d["bank"] == "gt") & (d["n_paste_max"] == 0)]
        if len(d): out.update(detector_AP50=[d["AP50"].mean(), d["AP50"].std()], detector_minutes=d["seconds"].mean() / 60, detector_seeds=len(d))
    return out

def write_card(rows: list[dict], out: Path, exact: dict | None = None):
    from unseg.core import save_json
    rows = sorted(rows, key=lambda r: list(CANDIDATES).index(r["name"]) if r["name"] in CANDIDATES else 99)
    for r in rows: r["chosen"] = r["name"] == CHOSEN
    chosen = next((r for r in rows if r["chosen"]), None)
    save_json(dict(gate=GATE, chosen=chosen, rows=rows, exact=exact, script="tools/cpu_tier.py"), out / "cpu_tier.json", indent=1)
    pct = lambda v: f"{100 * v:.1f}"
    L = ["# The CPU-tier benchmark card", "",
         "Generated by `python tools/cpu_tier.py` (writes `results/cpu_tier.json` and this file); do not edit by hand.", "",
         f"**Gate** (a check of the setup, not a claim): the supervised `oracle` (Mask R-CNN, `cpu` preset) reaches class-agnostic "
         f"mask AP50 >= {pct(GATE['oracle_AP50'])} and `oracle-solo` (SOLO on the ground truth, `cpu` preset) AP50 >= "
         f"{pct(GATE['oracle_solo_AP50'])}, each trained from scratch in <= {GATE['train_minutes']:.0f} minutes on the 2-core machine, on >= 100 "
         "validation images. Class-agnostic AP counts top-level objects (parts are not scored). AP in % (x100).", "",
         "## Candidate sizes", "",
         "| candidate | images | px | oracle AP50 | oracle AP | oracle-solo AP50 | oracle-solo AP | classical AP50 | oracle min (steps, images seen) | oracle-solo min (steps, images seen) | threads | load before/after | gate | chosen |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        L.append(f"| {r['name']} ({r['note']}) | {r['n']} ({r['val_images']} val) | {r['size']} | {pct(r['oracle_AP50'])} | {pct(r['oracle_AP'])} | "
                 f"{pct(r['oracle_solo_AP50'])} | {pct(r['oracle_solo_AP'])} | {pct(r['classical_AP50'])} | "
                 f"{r['oracle_train_minutes']:.1f} ({r['oracle_steps']}, {r['oracle_images_seen']}) | "
                 f"{r['oracle_solo_train_minutes']:.1f} ({r['oracle_solo_steps']}, {r['oracle_solo_images_seen']}) | {r['threads']} of {r['cpu_count']} | "
                 f"{r['load_before']} / {r['load_after']} | {'pass' if r['gate'] else 'fail'} | {'yes' if r['chosen'] else ''} |")
    rerun = [r for r in rows if r.get("classical_commit")]
    if rerun:
        L += ["", "Classical AP50 of " + ", ".join(f"`{r['name']}` (commit `{r['classical_commit']}`)" for r in rerun) +
              " is from a rerun with the settings chosen on the training split (`results/classical_cpu.md`; "
              "`python tools/cpu_tier.py --rows NAME --classical-only`); the oracle columns are from the row's own run."]
    if chosen:
        s = chosen["stats"]
        L += ["", "## The chosen set", "",
              f"`unseg synth data/scenes_cpu --kind scenes --preset cpu` (seed {chosen['seed']}; annotation checksum "
              f"`{chosen['annotation_checksum']}`; commit `{chosen['commit']}`): {s['images']['train']} training and {s['images']['val']} "
              f"validation images of {s['size']} px.", "",
              f"- Instances: {s['instances_top']} top-level objects ({s['instances_per_image']['mean']} per image, "
              f"{s['instances_per_image']['min']}-{s['instances_per_image']['max']}) and {s['instances_part']} parts.",
              f"- Categories: {s['categories']['whole']} whole ({s['categories']['base']} base, {s['categories']['novel']} novel, "
              f"{s['categories']['composite']} composite) and {s['categories']['part']} part categories; base categories per "
              f"frequency bucket r / c / f: {s['categories']['base_buckets']['r']} / {s['categories']['base_buckets']['c']} / "
              f"{s['categories']['base_buckets']['f']} (LVIS rule scaled to the training images).",
              f"- Novel holdout: {', '.join(s['novel_categories'])}; instances train / val: {s['novel_instances']['train']} / "
              f"{s['novel_instances']['val']}.",
              f"- Composites: {s['composites']} instances with {s['parts_per_composite']} annotated parts each on average.",
              f"- Object side sqrt(box area): mean {s['side_px']['mean']} px, median {s['side_px']['median']}, 5-95% "
              f"{s['side_px']['p5']}-{s['side_px']['p95']}; the oracle's anchors are {s['anchors']} px (one per FPN level).", "",
              "| side (px) | " + " | ".join(f"{int(a)}-{b if b == 'inf' else int(b)}" for a, b in zip(s["side_hist"]["edges"][:-1], s["side_hist"]["edges"][1:])) + " |",
              "|---|" + "---|" * len(s["side_hist"]["counts"]),
              "| objects | " + " | ".join(str(c) for c in s["side_hist"]["counts"]) + " |", "",
              "## Which split each method uses", "",
              "| method | trains on | scored on |", "|---|---|---|",
              "| classical, oracle, oracle-solo, FreeSOLO, pixel embedding | `train.json` (FreeSOLO and the pixel embedding: images only / masks) | `val.json`, class-agnostic AP of top-level objects |",
              "| Weng et al. (long tail) | `train.json` (novel categories never occur there; anchors from it only) | `val.json` incl. novel and part instances |",
              "| Zhang & Maire | `train.json` images (no labels); the contour detector: a disjoint labelled set | linear probe / retrieval on `val.json` |",
              "| EXACT | the EXACT split below: `data/scenes_exact/train.json` (48 images; image labels only, masks only to score) | its `val.json` (72 images), class-aware AP; extraction: the picks' mask IoU on the training images |"]
    if exact:
        s, g = exact["stats"], exact["gate"]
        L += ["", "## The EXACT split", "",
              f"`unseg synth data/scenes_exact --preset exact` (seed 0; annotation checksum `{exact['annotation_checksum']}`): "
              f"{s['images']['train']} training and {s['images']['val']} validation images of {s['size']} px, "
              f"{len(exact['train_images_per_category'])} categories, no composites or novel holdout, photo backgrounds only. "
              "Low-data on purpose: EXACT's paste augmentation matters where the detector sees few images, and its "
              "extraction is scored on objects large enough for a Grad-CAM to find.", "",
              f"- Instances: {s['instances_top']} objects ({s['instances_per_image']['mean']} per image, "
              f"{s['instances_per_image']['min']}-{s['instances_per_image']['max']}).",
              f"- Object side sqrt(box area): mean {s['side_px']['mean']} px, median {s['side_px']['median']}, 5-95% "
              f"{s['side_px']['p5']}-{s['side_px']['p95']}.",
              "- Training images per category: " + ", ".join(f"{k} {v}" for k, v in exact["train_images_per_category"].items()) + ".",
              f"- Gates every EXACT table is read against: the classifier's val mAP >= chance + {g['classifier_mAP_over_chance']:.2f} "
              f"and its Grad-CAM anchor inside an object of the class >= {100 * g['anchor_in_object']:.0f}% of the time "
              f"(extraction, `results/exact_extract_cpu.md`); the class-aware supervised oracle reaches mask AP50 >= "
              f"{100 * g['detector_AP50']:.0f} in about {g['detector_minutes']:.0f} minutes of training (paste)."]
        m = exact_measured(out)
        for key, what in m.get("settings", []):
            if not m.get(f"{key}anchor_in_object"): continue
            a, c = m[f"{key}anchor_in_object"], m[f"{key}classifier_mAP"]
            met = a[0] >= g["anchor_in_object"], c[0] - m["classifier_chance"] >= g["classifier_mAP_over_chance"]
            L += [f"- Measured (extraction, {what}, {m[key + 'extract_seeds']} seeds): anchor in an object {a[0]:.3f} ± {a[1]:.3f} "
                  f"({'met' if met[0] else 'missed'}); val mAP {c[0]:.3f} ± {c[1]:.3f} against chance {m['classifier_chance']:.3f} "
                  f"({'met' if met[1] else 'missed'})."]
        if m.get("detector_AP50"):
            met = m["detector_AP50"][0] >= g["detector_AP50"]
            L += [f"- Measured (detector, {m['detector_seeds']} seeds, `results/exact_paste_cpu.md`): the class-aware supervised detector "
                  f"(ground-truth bank, no pasting; ResNet-18 trunk pre-trained on other categories) reaches mask AP50 "
                  f"{100 * m['detector_AP50'][0]:.1f} ± {100 * m['detector_AP50'][1]:.1f} ({'met' if met else 'missed'}) in "
                  f"{m['detector_minutes']:.1f} minutes a run (training and evaluation); from scratch it reached 24.0 (1 seed)."]
    with open(out / "cpu_tier.md", "w") as f: f.write("\n".join(L) + "\n")

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="*", default=list(CANDIDATES)); ap.add_argument("--root", default="runs/cpu_tier")
    ap.add_argument("--out", default="results")
    ap.add_argument("--exact", action="store_true", help="only (re)describe EXACT's split in the card")
    ap.add_argument("--classical-only", action="store_true",
                    help="rerun only the classical baseline of the given rows (after its settings change); the oracle numbers stay")
    a = ap.parse_args()
    out = Path(a.out); out.mkdir(exist_ok=True); card = out / "cpu_tier.json"
    old = json.loads(card.read_text()) if card.exists() else {}
    rows = {r["name"]: r for r in old.get("rows", [])}
    exact = exact_split() if a.exact else old.get("exact")
    if a.exact: write_card(list(rows.values()), out, exact); print(json.dumps(exact["stats"]["side_px"])); raise SystemExit(0)
    for name in a.rows:
        if a.classical_only:
            from unseg.segment import evaluate_method
            if name not in rows: raise SystemExit(f"--classical-only: row {name!r} is not in {card} yet; run it whole first")
            data = Path(a.root) / name / "data"
            if annotation_checksum(data) != rows[name]["annotation_checksum"]: raise SystemExit(f"{data}: not the set of row {name!r}")
            c = evaluate_method("classical", data, preset="cpu", out=Path(a.root) / name, batch_size=16)
            rows[name].update(classical_AP50=c["AP50"], classical_AP=c["AP"], classical_AR100=c["AR100"],
                              classical_commit=c["provenance"]["commit"])
            write_card(list(rows.values()), out, exact); print(f"{name}: classical AP50 {c['AP50']:.3f}", flush=True); continue
        t0 = time.time(); rows[name] = run_row(name, Path(a.root)); write_card(list(rows.values()), out, exact)
        print(f"{name}: oracle AP50 {rows[name]['oracle_AP50']:.3f}, oracle-solo AP50 {rows[name]['oracle_solo_AP50']:.3f}, "
              f"classical AP50 {rows[name]['classical_AP50']:.3f} ({time.time() - t0:.0f} s)", flush=True)
