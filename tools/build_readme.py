#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb without Quarto: markdown cells as they are, visible code cells as
code blocks followed by their text outputs; `#| hide` cells and `#|` directive lines are left out."""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def render(nb: dict) -> str:
    parts = ["<!-- Generated from nbs/index.ipynb by tools/build_readme.py: edit the notebook, not this file. -->"]
    for c in nb["cells"]:
        src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        if c["cell_type"] == "markdown": parts.append(src.strip()); continue
        if c["cell_type"] != "code": continue
        flags = [l for l in src.splitlines() if l.startswith("#|")]
        if any(re.match(r"#\|\s*(hide|include:\s*false|export|exporti|default_exp)", f) for f in flags): continue
        code = "\n".join(l for l in src.splitlines() if not l.startswith("#|")).strip()
        echo = not any(re.match(r"#\|\s*echo:\s*false", f) for f in flags)
        if code and echo: parts.append(f"```python\n{code}\n```")
        for o in c.get("outputs", []):
            data = o.get("data", {})
            if "text/markdown" in data: parts.append("".join(data["text/markdown"]).strip())
            elif o.get("output_type") == "stream" or "text/plain" in data:
                txt = "".join(o.get("text", data.get("text/plain", ""))).strip()
                if txt: parts.append(f"```\n{txt}\n```")
    return "\n\n".join(p for p in parts if p) + "\n"

if __name__ == "__main__":
    nb = json.loads((ROOT / "nbs" / "index.ipynb").read_text())
    (ROOT / "README.md").write_text(render(nb))
    print("README.md written", file=sys.stderr)
