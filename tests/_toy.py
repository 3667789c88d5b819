"""A toy project for the build's tests: four small notebooks, each reading one kind of input, run with
``mmrs build`` in a subprocess as a user runs it.

- ``01_count`` reads the raw folder ``things`` (``reads``) and records the number of lines, times ``factor``;
- ``02_sheet`` reads the sheet named by its parameter ``sheet`` (type ``raw file``: a path relative to the
  raw folder, or absolute) and a project file it ``uses`` (``notes/rule.txt``);
- ``03_total`` uses the results of 01 (its recorded figures);
- ``04_report`` uses the results of 02 and writes a table.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat

from _notebooks import notebook

MMRS = [sys.executable, "-m", "mmrs.cli"]

PARAMS = {
    "01_count": 'raw_dir = "data/raw"\nout_dir = "."\nfactor = 1',
    "02_sheet": 'raw_dir = "data/raw"\nout_dir = "."\nsheet = "sheets/a.csv"  # a sheet, relative to raw_dir',
    "03_total": 'raw_dir = "data/raw"\nout_dir = "."',
    "04_report": 'raw_dir = "data/raw"\nout_dir = "."',
}

CODE = {
    "01_count": """
        from mmrs import paths, variables
        P = paths.layout(raw_dir, out_dir)
        lines = sum(len(p.read_text().splitlines()) for p in sorted((P.raw / "things").glob("*.txt")))
        variables.record(P, "01_count", {"count.lines": lines * factor})
        print("lines:", lines * factor)
        """,
    "02_sheet": """
        from mmrs import paths, variables
        P = paths.layout(raw_dir, out_dir)
        rows = len((P.raw / sheet).read_text().splitlines()) - 1
        rule = paths.resolve("notes/rule.txt").read_text().strip()
        variables.record(P, "02_sheet", {"sheet.rows": rows, "sheet.rule": rule})
        print("rows:", rows, "rule:", rule)
        """,
    "03_total": """
        import yaml
        from mmrs import paths, variables
        P = paths.layout(raw_dir, out_dir)
        count = yaml.safe_load((P.variable_parts / "01_count.yml").read_text())["count"]["lines"]
        variables.record(P, "03_total", {"total.double": 2 * count})
        print("double:", 2 * count)
        """,
    "04_report": """
        import pandas as pd
        import yaml
        from mmrs import outputs, paths
        P = paths.layout(raw_dir, out_dir)
        sheet = yaml.safe_load((P.variable_parts / "02_sheet.yml").read_text())["sheet"]
        outputs.save_table(pd.DataFrame({"rows": [sheet["rows"]], "rule": [sheet["rule"]]}), P, "report")
        print("report written")
        """,
}

PIPELINE = """\
raw: data/raw
out: .
notebooks:
  - notebook: 01_count.ipynb
    reads: [things]
    parameters: {factor: 1}
  - notebook: 02_sheet.ipynb
    uses: [notes/rule.txt]
    parameters: {sheet: sheets/a.csv}
    types: {sheet: raw file}
  - notebook: 03_total.ipynb
    uses: [results/variables/01_count.yml]
    parameters: {}
  - notebook: 04_report.ipynb
    uses: [results/variables/02_sheet.yml]
    parameters: {}
"""

RUNNING = re.compile(r"^\[\d+/\d+\] (\w+)\.ipynb: running \((.*)\)$", re.M)
SKIPPED = re.compile(r"^\[\d+/\d+\] (\w+)\.ipynb: unchanged, skipped$", re.M)


class Toy:
    """The toy project in ``root``, and ``mmrs build`` run in it."""

    def __init__(self, root: Path):
        self.root = root
        (root / "notebooks").mkdir(parents=True)
        (root / "data" / "raw" / "things").mkdir(parents=True)
        (root / "data" / "raw" / "sheets").mkdir(parents=True)
        (root / "notes").mkdir()
        (root / "data" / "raw" / "things" / "a.txt").write_text("1\n2\n3\n")
        (root / "data" / "raw" / "sheets" / "a.csv").write_text("id\nx\ny\n")
        (root / "notes" / "rule.txt").write_text("keep everything\n")
        (root / "pipeline.yml").write_text(PIPELINE)
        for name, code in CODE.items():
            nbformat.write(notebook(textwrap.dedent(code), PARAMS[name]), root / "notebooks" / f"{name}.ipynb")
        self.env = {k: v for k, v in os.environ.items() if k != "MMRS_PROJECT_ROOT"}

    def mmrs(self, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([*MMRS, *args], cwd=self.root, capture_output=True, text=True, timeout=600,
                              env={**self.env, **(env or {})})
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
            assert "Traceback" not in done.stderr, done.stderr
        return done

    def build(self, *args: str, env: dict | None = None) -> dict[str, str]:
        """Run ``mmrs build ARGS``; return {notebook: reason} of the notebooks that ran (every other
        notebook it names is reported unchanged)."""
        out = self.mmrs("build", *args, env=env).stdout
        return {name: reason for name, reason in RUNNING.findall(out)}

    def skipped(self, out: str) -> list[str]:
        return SKIPPED.findall(out)

    def edit(self, rel: str, text: str) -> None:
        (self.root / rel).write_text(text)

    def set_in_pipeline(self, old: str, new: str) -> None:
        p = self.root / "pipeline.yml"
        text = p.read_text()
        assert text.count(old) == 1, old
        p.write_text(text.replace(old, new))

    def figure(self, part: str, *keys: str):
        import yaml

        tree = yaml.safe_load((self.root / "results" / "variables" / f"{part}.yml").read_text())
        for k in keys:
            tree = tree[k]
        return tree
