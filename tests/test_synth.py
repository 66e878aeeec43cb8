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
