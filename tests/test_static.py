"Static checks of the exported package that running the notebooks cannot make."
import ast
from pathlib import Path
from pyflakes import checker, messages

PKG = Path(__file__).resolve().parents[1] / "unseg"
UNDEFINED = (messages.UndefinedName, messages.UndefinedLocal, messages.UndefinedExport)

def undefined_names(path: Path) -> list[str]:
    "pyflakes' undefined-name messages for one module."
    w = checker.Checker(ast.parse(path.read_text(), str(path)), str(path))
    return [f"{path.name}:{m.lineno}: {m.message % m.message_args}" for m in w.messages if isinstance(m, UNDEFINED)]

def test_exported_code_defines_what_it_uses():
    # A name defined only in a notebook's hidden (unexported) cell works under nbdev_test but raises NameError in
    # the package (this caught `gball` in unseg.hyperbolic and `math` in unseg.freemask).
    bad = [m for p in sorted(PKG.glob("*.py")) for m in undefined_names(p)]
    assert not bad, "undefined names in exported code:\n" + "\n".join(bad)

def test_checker_sees_an_undefined_name(tmp_path):
    f = tmp_path / "m.py"; f.write_text("def f():\n    return gball(1.0)\n")
    assert undefined_names(f) == ["m.py:2: undefined name 'gball'"]

def test_papermill_can_parse_every_parameters_cell():
    # papermill skips (with a warning) any line of a `parameters` cell holding more than one '=', e.g. in a comment
    import json
    nbs = Path(__file__).resolve().parents[1] / "nbs"
    bad = []
    for p in sorted(nbs.rglob("*.ipynb")):
        for c in json.loads(p.read_text())["cells"]:
            if "parameters" in c.get("metadata", {}).get("tags", []):
                bad += [f"{p.name}: {l}" for l in "".join(c["source"]).splitlines() if l.count("=") > 1]
    assert not bad, "parameters lines papermill cannot parse:\n" + "\n".join(bad)
