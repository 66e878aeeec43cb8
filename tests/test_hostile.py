"""Hostile inputs: every user-facing mistake gives a one-line error naming the file and field, and no work is lost."""
import copy, json, shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image

import unseg.cli as cli
from unseg.core import encode_masks, load_json
from unseg.evaluate import evaluate
from unseg.synth import synth


def cli_error(args) -> str:
    "The one-line message `unseg ARGS` exits with."
    with pytest.raises(SystemExit) as e: cli.run(args)
    msg = str(e.value)
    assert "\n" not in msg and "Traceback" not in msg, msg
    return msg


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return synth(tmp_path_factory.mktemp("hostile") / "data", kind="scenes", preset="smoke", n=10, size=64, seed=0, progress=False)


@pytest.fixture(scope="module")
def classical(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("seg") / "json"
    cli.run(["segment", "classical", "--images", str(data / "val.json"), "--out", str(out), "--no-overlays"])
    return out


def test_folder_with_gt_matches_by_file_name(data, classical, tmp_path):
    # a folder whose files sort differently from the GT's image order: position matching would misalign them
    folder = tmp_path / "photos"; folder.mkdir()
    val = load_json(data / "val.json")
    for k, im in enumerate(reversed(val["images"])): shutil.copy(data / "images" / im["file_name"], folder / im["file_name"])
    out = tmp_path / "seg"
    cli.run(["segment", "classical", "--images", str(folder), "--gt", str(data / "val.json"), "--out", str(out), "--no-overlays"])
    by_folder, by_json = load_json(out / "metrics.json")["class-agnostic"], evaluate(data / "val.json", classical / "results.json", class_agnostic=True)
    assert by_folder["AP"] == pytest.approx(by_json["AP"]) and by_folder["AR100"] == pytest.approx(by_json["AR100"])
    (folder / "stranger.png").write_bytes((data / "images" / val["images"][0]["file_name"]).read_bytes())
    assert "stranger.png: no image with this file_name" in cli_error(["segment", "classical", "--images", str(folder), "--gt",
                                                                      str(data / "val.json"), "--out", str(tmp_path / "o2")])


def test_unreadable_images_are_skipped_and_listed(data, tmp_path):
    folder = tmp_path / "mixed"; folder.mkdir()
    shutil.copy(data / "images" / "000000.png", folder / "x.png")
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(folder / "x.jpg")          # same stem: overlays must not collide
    (folder / "broken.png").write_bytes(b"not an image")
    out = tmp_path / "out"
    cli.run(["segment", "classical", "--images", str(folder), "--out", str(out)])
    assert {p.name for p in (out / "overlays").iterdir()} == {"x_png.png", "x_jpg.png"}
    rep = (out / "report.html").read_text()
    assert "broken.png" in rep and "could not be read" in rep and "3 images" in rep
    assert "broken.png" in cli_error(["segment", "classical", "--images", str(folder), "--out", str(tmp_path / "o3"), "--strict"])
    only = tmp_path / "only"; only.mkdir(); (only / "a.png").write_bytes(b"junk")
    assert "could not be read" in cli_error(["segment", "classical", "--images", str(only), "--out", str(tmp_path / "o4")])


def test_zero_instances_notice(data, tmp_path):
    out = tmp_path / "none"
    cli.run(["segment", "classical", "--images", str(data / "val.json"), "--out", str(out), "--set", "top_k=0", "--no-overlays"])
    assert "found 0 instances" in (out / "report.html").read_text()


def test_paths_of_the_wrong_kind(data, classical, tmp_path):
    res = classical / "results.json"
    assert "is a folder" in cli_error(["eval", "--gt", str(data), "--pred", str(res)])
    bad = tmp_path / "dict.json"; bad.write_text(json.dumps({"results": []}))
    assert "expected a COCO results file" in cli_error(["eval", "--gt", str(data / "val.json"), "--pred", str(bad)])
    f = tmp_path / "file"; f.write_text("x")
    assert "is a file" in cli_error(["segment", "classical", "--images", str(data / "val.json"), "--out", str(f)])
    assert "not a checkpoint" in cli_error(["segment", "oracle", "--ckpt", str(res), "--images", str(data / "val.json"), "--out", str(tmp_path / "o")])
    assert "without ckpt/last.pt" in cli_error(["segment", "oracle", "--ckpt", str(tmp_path), "--images", str(data / "val.json"), "--out", str(tmp_path / "o")])


def test_tiny_image_with_classical(tmp_path):
    folder = tmp_path / "tiny"; folder.mkdir()
    Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(folder / "dot.png")
    out = tmp_path / "o"
    cli.run(["segment", "classical", "--images", str(folder), "--out", str(out), "--no-overlays"])   # no traceback
    assert load_json(out / "results.json") == [] or isinstance(load_json(out / "results.json"), list)


def _gt_with(data, tmp_path, fix) -> Path:
    d = load_json(data / "val.json"); fix(d)
    p = tmp_path / "gt.json"; p.write_text(json.dumps(d)); return p


@pytest.mark.parametrize("name, fix, expect", [
    ("empty polygon", lambda d: d["annotations"][1].update(segmentation=[]), "annotations[1] (id"),
    ("garbage RLE", lambda d: d["annotations"][2]["segmentation"].update(counts="garbage!!"), "malformed compressed RLE"),
    ("box only", lambda d: d["annotations"][0].pop("segmentation"), "box-only annotation"),
])
def test_malformed_ground_truth_named(data, classical, tmp_path, name, fix, expect):
    gt = _gt_with(data, tmp_path, fix)
    msg = cli_error(["eval", "--gt", str(gt), "--pred", str(classical / "results.json"), "--class-agnostic"])
    assert expect in msg and str(gt) in msg, msg


def test_malformed_predictions_named(data, classical, tmp_path):
    res = load_json(classical / "results.json")
    for k, broken in [(0, dict(segmentation={"size": [64, 64], "counts": "%%%%"})), (1, dict(segmentation=[]))]:
        bad = copy.deepcopy(res); bad[k].update(broken)
        p = tmp_path / f"pred{k}.json"; p.write_text(json.dumps(bad))
        msg = cli_error(["eval", "--gt", str(data / "val.json"), "--pred", str(p), "--class-agnostic"])
        assert f"pred{k}.json[{k}]" in msg, msg


def test_standard_coco_layout_and_image_info(data, tmp_path):
    root = tmp_path / "coco"; (root / "annotations").mkdir(parents=True); shutil.copytree(data / "images", root / "val2017")
    shutil.copy(data / "val.json", root / "annotations" / "instances_val2017.json")
    out = tmp_path / "s"
    cli.run(["segment", "classical", "--images", str(root / "annotations" / "instances_val2017.json"), "--image-dir",
             str(root / "val2017"), "--out", str(out), "--no-overlays"])
    assert (out / "metrics.json").exists()
    info = {k: v for k, v in load_json(data / "val.json").items() if k in ("images", "info")}   # test-dev style: no annotations
    (root / "annotations" / "image_info.json").write_text(json.dumps(info))
    cli.run(["segment", "classical", "--images", str(root / "annotations" / "image_info.json"), "--image-dir", str(root / "val2017"),
             "--out", str(tmp_path / "s2"), "--no-overlays"])
    assert {r["image_id"] for r in load_json(tmp_path / "s2" / "results.json")} <= {im["id"] for im in info["images"]}


FIELDS = ["images", "annotations", "categories", "images.id", "images.height", "annotations.image_id",
          "annotations.category_id", "annotations.id", "annotations.segmentation"]

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=st.sampled_from([None, "x", -1, [], {}, 3.5]), k=st.integers(0, 3))
def test_random_broken_field_gives_one_line(data, classical, tmp_path, field, value, k):
    "A COCO document with one field broken: evaluation fails with one line naming the field, or (for a harmless value) succeeds."
    d = load_json(data / "val.json")
    top, _, sub = field.partition(".")
    if sub: d[top][k % len(d[top])][sub] = value
    else: d[top] = value
    gt = tmp_path / "broken.json"; gt.write_text(json.dumps(d))
    try: cli.run(["eval", "--gt", str(gt), "--pred", str(classical / "results.json"), "--class-agnostic"])
    except SystemExit as e:
        msg = str(e)
        names = {"images": ("images", "image_id"), "categories": ("categories", "category_id")}.get(field, (sub or top,))
        assert "\n" not in msg and "broken.json" in msg and any(n in msg for n in names), msg   # the field, or what refers to it
