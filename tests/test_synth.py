"Multi-process checks of `unseg.synth` (a notebook cannot run a process pool reliably under nbdev_test)."
from pathlib import Path
import pytest
from pycocotools.coco import COCO
from unseg.synth import synth


def _files(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_workers_give_identical_bytes(tmp_path, kind="scenes"):
    a = synth(tmp_path / "serial", kind=kind, n=10, size=96, seed=5, workers=0, progress=False)
    b = synth(tmp_path / "pool", kind=kind, n=10, size=96, seed=5, workers=2, progress=False)
    fa, fb = _files(a), _files(b)
    assert sorted(fa) == sorted(fb) and len(fa) == 13          # 10 PNGs + 3 JSON files, no temporary leftovers
    for k in fa: assert fa[k] == fb[k], k
    coco = COCO(str(b / "annotations.json"))
    assert len(coco.imgs) == 10


def test_pool_error_names_the_field(tmp_path):
    with pytest.raises(ValueError, match="unknown key"):
        synth(tmp_path / "x", n=4, workers=2, progress=False, not_a_knob=1)


def test_digits_like_the_official_toy():
    import numpy as np
    from unseg.synth import DigitsConfig, DIGIT_COLOURS, check_digits_config, render_digits
    for i in range(4):
        r = render_digits(np.random.default_rng(i), 64, DigitsConfig(same_class=True, min_digits=3))
        cats = {ins["category_id"] for ins in r["instances"]}
        assert len(cats) == 1                                    # same class ...
        for ins in r["instances"]:                               # ... drawn in that class's fixed colour
            px = r["image"][ins["mask"]].astype(float)
            brightest = px[px.sum(1).argmax()]
            assert np.abs(brightest - 255 * DIGIT_COLOURS[ins["category_id"] - 1]).max() < 20
    g = render_digits(np.random.default_rng(0), 64, DigitsConfig(placement="grid", min_digits=3))
    q = render_digits(np.random.default_rng(0), 64, DigitsConfig(placement="random", min_digits=3))
    assert not np.array_equal(g["image"], q["image"])
    with pytest.raises(ValueError, match="placement"): check_digits_config(DigitsConfig(placement="ring"))
    with pytest.raises(ValueError, match="colour"): check_digits_config(DigitsConfig(colour="blue"))
