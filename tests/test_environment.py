"""pyproject.toml, constraints.txt and environment.yml stay in step."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pins(lines):
    out = {}
    for line in lines:
        m = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;]+)", line.strip())
        if m:
            out[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return out


def test_every_direct_dependency_is_pinned_and_matches_the_constraints():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    pinned = _pins(direct)
    assert len(pinned) == len(direct), "every dependency is pinned with =="
    constraints = _pins((ROOT / "constraints.txt").read_text().splitlines())
    for name, version in pinned.items():
        if name in ("bib-dedupe",):  # benchmark-only extra, outside the main environment
            continue
        assert constraints.get(name) == version, f"{name}: pyproject {version}, constraints {constraints.get(name)}"


def test_conda_environment_installs_the_same_project():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-c constraints.txt" in pip and any(p.startswith("-e .") for p in pip)
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python="))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert python.split("=")[1] in requires
    assert any(isinstance(d, str) and d.startswith("quarto=") for d in deps)
