"Checks of `unseg.data` that a notebook cannot do: multi-process loading, pickling, a real synth folder."
import pickle

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from unseg.core import encode_masks, save_json
from unseg.data import (CocoFolder, Compose, ImageFolder, RandomHFlip, RandomResizedCrop, collate, load_results,
                        subset, validate_coco, write_results)


def _tiny_coco(root, n=6, H=20, W=28):
    (root / "images").mkdir(parents=True)
    rng = np.random.default_rng(0)
    images, anns = [], []
    for i in range(1, n + 1):
        Image.fromarray(rng.integers(0, 255, (H, W, 3), dtype=np.uint8)).save(root / f"images/{i}.png")
        images.append(dict(id=i, file_name=f"{i}.png", height=H, width=W))
        big = np.zeros((1, H, W), bool); big[0, 2:14, 3:20] = True
        small = np.zeros((1, H, W), bool); small[0, 4:7, 5:9] = True
        anns.append(dict(id=100 * i, image_id=i, category_id=1, segmentation=encode_masks(big)[0], iscrowd=0))
        anns.append(dict(id=100 * i + 1, image_id=i, category_id=2, segmentation=encode_masks(small)[0], iscrowd=0,
                         parent_id=100 * i))
    save_json(dict(images=images, annotations=anns, categories=[dict(id=1, name="a"), dict(id=2, name="b")]),
              root / "annotations.json")
    return root / "annotations.json"


@pytest.fixture
def ann_file(tmp_path): return _tiny_coco(tmp_path / "tiny")


def test_multiprocess_dataloader(ann_file):
    tfm = Compose([RandomResizedCrop((16, 16), scale=(0.3, 1.0)), RandomHFlip()])
    ds = CocoFolder(ann_file, transforms=tfm)
    dl = DataLoader(ds, batch_size=3, num_workers=2, collate_fn=collate, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
    batches = list(dl)
    assert len(batches) == 2
    for b in batches:
        assert b["image"].shape == (3, 3, 16, 16)
        for m, box, par in zip(b["masks"], b["boxes"], b["parents"]):
            assert m.dtype == torch.bool and m.shape[1:] == (16, 16) and box.shape == (len(m), 4)
            assert ((par >= -1) & (par < len(m))).all()
    assert sorted(i for b in batches for i in b["image_id"]) == list(range(1, 7))


def test_pickle_and_subset_in_workers(ann_file):
    ds = pickle.loads(pickle.dumps(CocoFolder(ann_file)))
    assert ds[0]["parents"].tolist() == [-1, 0]
    sub = subset(ds, 0.5, seed=1)
    ids = [i for b in DataLoader(sub, batch_size=2, num_workers=2, collate_fn=collate) for i in b["image_id"]]
    assert len(ids) == 3 and ids == sorted(ids)


def test_image_folder_workers(ann_file):
    dl = DataLoader(ImageFolder(ann_file.parent / "images"), batch_size=4, num_workers=2, collate_fn=collate)
    assert [b["image"].shape[0] for b in dl] == [4, 2]


def test_results_round_trip(ann_file, tmp_path):
    ds = CocoFolder(ann_file)
    it = ds[0]
    recs = [dict(image_id=it["image_id"], category_id=1, score=0.5, segmentation=r) for r in encode_masks(it["masks"])]
    out = load_results(write_results(recs, tmp_path / "res.json"), gt=ds)
    assert [r["segmentation"] for r in out] == [r["segmentation"] for r in recs]


def test_synth_folder_loads(tmp_path):
    "Folders written by `unseg.synth` (both presets) load, validate, and keep parents inside the item."
    from unseg.synth import synth
    for preset in ("scenes", "digits"):
        root = synth(tmp_path / preset, kind=preset, n=5, size=96, seed=2, progress=False)
        for name in ("annotations.json", "train.json", "val.json"):
            ds = CocoFolder(root / name)
            for i in range(len(ds)):
                it = ds[i]
                n = it["masks"].shape[0]
                assert it["image"].shape[-2:] == it["masks"].shape[-2:]
                assert it["labels"].shape[0] == it["parents"].shape[0] == it["boxes"].shape[0] == n
                assert bool(((it["parents"] >= -1) & (it["parents"] < n)).all())
                for c, p in enumerate(it["parents"].tolist()):   # a part lies inside its whole
                    if p >= 0: assert not bool((it["masks"][c] & ~it["masks"][p]).any())
