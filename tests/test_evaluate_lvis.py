"""Agreement of `unseg.evaluate.evaluate(..., lvis=True)` with the official `lvis` package (test-only dependency).

`pip install lvis==0.5.3 --no-deps` (it pins opencv-python, which clashes with opencv-python-headless); lvis 0.5.3
uses `np.float`, removed in numpy 1.24, so we restore that alias here, in the test only."""
import copy, json
import numpy as np
import pytest
from unseg.evaluate import evaluate, random_coco_case

np.float = float  # lvis 0.5.3 calls np.float
try:
    from lvis import LVIS, LVISEval
except ImportError:
    pytest.skip("lvis is not installed: `pip install lvis==0.5.3 --no-deps` to run the LVIS agreement test",
                allow_module_level=True)

# lvis result key -> unseg key
KEYS = {"AP": "AP", "AP50": "AP50", "AP75": "AP75", "APs": "APs", "APm": "APm", "APl": "APl",
        "APr": "APr", "APc": "APc", "APf": "APf", "AR@300": "AR300", "ARs@300": "ARs", "ARm@300": "ARm",
        "ARl@300": "ARl"}

def lvis_reference(gt: dict, preds: list, iou_type: str, tmp_path) -> dict:
    path = tmp_path / "gt.json"; path.write_text(json.dumps(gt))
    E = LVISEval(LVIS(str(path)), copy.deepcopy(preds), iou_type)
    E.run()
    return dict(E.get_results())

def _many_dets(gt, preds, seed, n=320):
    "Over 300 detections in image 1 (copies of its predictions with new scores), to exercise the per-image cap."
    rng = np.random.default_rng(seed)
    base = [p for p in preds if p["image_id"] == 1]
    return preds + [dict(base[i % len(base)], score=float(rng.random()) * 0.5) for i in range(n)]

@pytest.mark.parametrize("iou_type", ["segm", "bbox"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_lvis_agreement(seed, iou_type, tmp_path):
    gt, preds = random_coco_case(seed, n_images=5, n_cats=9, lvis=True)
    if seed == 3: preds = _many_dets(gt, preds, seed)
    ref = lvis_reference(gt, preds, iou_type, tmp_path)
    ours = evaluate(gt, preds, iou_type=iou_type, lvis=True)
    assert ref["APr"] > -1 and ref["APc"] > -1 and ref["APf"] > -1   # the case exercises every bucket
    for k, v in KEYS.items():
        assert ours[v] == pytest.approx(ref[k], abs=1e-6), (k, ours[v], ref[k])

def test_lvis_rules_matter(tmp_path):
    "The federated rules change the numbers on these cases, so the agreement above is not vacuous."
    gt, preds = random_coco_case(0, n_images=5, n_cats=9, lvis=True)
    coco = evaluate(gt, preds, max_dets=300)
    ours = evaluate(gt, preds, lvis=True)
    assert abs(coco["AP"] - ours["AP"]) > 1e-3
