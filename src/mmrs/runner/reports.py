"""What a whole run writes once its notebooks are done: the result map and the audit."""

from __future__ import annotations

from pathlib import Path

from .. import paths
from .stamps import STAMP_VERSION, _output_changes, _read_stamp, code_hash
from .store import _file_sha, _write_json
from .execute import _environment


def write_reports(layout: paths.Layout, root: Path) -> dict[str, int] | None:
    """Write the result map and the audit table of a whole run; return the audit's
    counts (None for a project without published figures to compare).

    Both are rewritten only when what they are made from changed (the executed
    notebooks, the recorded figures, the published figures, the toolkit), or
    when one of their files was changed since; a build with nothing to do
    therefore does not even load pandas."""
    inputs = {}
    for base, label, patterns in ((layout.out, "out", ["notebooks/[0-9][0-9]_*.ipynb", "results/variables/*.yml"]),
                                  (root, "project", ["data/published/*"])):
        for pattern in patterns:
            inputs.update({f"{label}:{p.relative_to(base).as_posix()}": _file_sha(p)
                           for p in sorted(base.glob(pattern)) if p.is_file()})
    stamp = {"version": STAMP_VERSION, "inputs": inputs, "code": code_hash(), "root": root.as_posix()}
    stamp_file = layout.build / "stamps" / "_reports.json"
    old = _read_stamp(stamp_file)
    if old and all(old.get(k) == v for k, v in stamp.items()) and not _output_changes(old, layout.out):
        return old["counts"]
    stamp_file.unlink(missing_ok=True)
    from .. import audit, manuscript

    counts = None
    with _environment({paths.ENV_ROOT: str(root)}):
        written = list(manuscript.write_result_map(layout))
        if (root / "data" / "published" / "published-values.yaml").is_file():
            result = audit.run(layout)
            written += audit.write(result, layout)
            counts = result.counts()
    stamp["counts"] = counts
    stamp["outputs"] = {p.resolve().relative_to(layout.out.resolve()).as_posix(): _file_sha(p) for p in written}
    _write_json(stamp_file, stamp)
    return stamp["counts"]
