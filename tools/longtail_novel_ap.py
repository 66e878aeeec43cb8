"""Weng et al., novel-category AP from detector proposals on the cpu tier: the class-agnostic oracle trained on the base
categories only (`longtail.train_proposals`), its top-50 proposals per validation image, the full embedding of
`ablations/longtail_table2_cpu.yaml` (seed 0, reused from its cache) beside the untrained control, k = 74. Anchors: the
training masks only (novel categories have no training mask, so nothing can name them: novel AP is 0 by construction),
and the same plus 5 masks of each novel category taken from validation images, which are then left out of the
evaluation (the paper's "a few labelled masks per category", without a leak).

    python tools/longtail_novel_ap.py            # writes results/longtail_novel_ap_cpu.json
"""
import argparse, dataclasses, json, time
from pathlib import Path
import torch
from unseg.core import make_config, save_json, seed_everything
from unseg.longtail import Config, LongtailModel, build_embedder, evaluate_discovery, load, train_cached, train_proposals
from unseg import oracle

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="data/scenes_cpu"); ap.add_argument("--out", default="results/longtail_novel_ap_cpu.json")
    ap.add_argument("--k", type=int, default=74); ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    cfg = make_config(Config, preset="cpu", data=str(Path(a.data).resolve()), seed=a.seed, device="cpu", progress=False)
    net = load(train_cached(cfg, "runs/ablate/longtail_cache"), "cpu", cfg).net
    t0 = time.time()
    pcfg = dataclasses.replace(cfg, proposals="maskrcnn", run_dir="runs/longtail/novel_ap", proposal_steps=500)
    proposer = oracle.load(train_proposals(pcfg), "cpu")
    prop_min = (time.time() - t0) / 60
    seed_everything(a.seed); ctrl = build_embedder(cfg).eval()
    rows = {}
    for name, n in (("Weng et al. (500 steps)", net), ("untrained control", ctrl)):
        for anc, na in (("training anchors", None), ("+ held-out novel anchors", "val.json")):
            m = evaluate_discovery(LongtailModel(n, pcfg, proposer, {}), k=a.k, novel_anchors=na)
            rows[f"{name}, {anc}"] = r = {k: v for k, v in m.items() if k != "curve"}
            print(f"{name}, {anc}:", {k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()
                                      if k in ("novel_AP", "novel_AP50", "all_AP", "all_AP50", "purity", "n_clusters_named", "n_images")}, flush=True)
    save_json(dict(k=a.k, seed=a.seed, proposal_train_min=prop_min, rows=rows, data=a.data), a.out, indent=1)

if __name__ == "__main__": main()
