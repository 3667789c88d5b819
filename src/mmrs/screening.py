"""Screening exports: Rayyan projects and full-text decision sheets.

Rayyan
    A Rayyan export (``articles.csv``, or RIS with the same text in ``N1``)
    holds every article with, in its ``notes``, the current decision of each
    reviewer (``RAYYAN-INCLUSION: {"name"=>"Included", ...}``), labels,
    exclusion reasons and user notes, after any note text the record carried
    when it was uploaded. The project's ``customizations_log.csv`` holds the
    history: every decision (``included`` with 1, -1 or 0 for Included,
    Excluded, Maybe), label and reason, with its time and user. With blinding
    on, a reviewer's *first* decision on an article is the independent one;
    later events are changes, such as the resolution of a conflict. Agreement
    is therefore computed from the log, the final decisions from the export.
    Projects with several stages (title/abstract, then full text) log the
    later stages' decisions as ``included__SYSTEM__STAGE__<id>``; the log
    reader keeps the stage of every event.

    Records are linked to the deduplicated records table by an identifier that
    the upload carried in its notes (by default a line ``Record: <record_id>``,
    which :func:`write_rayyan_upload` writes).

Full-text sheet
    One row per record sought at full text (a CSV the team keeps; the columns
    are in :data:`FULLTEXT_COLUMNS`): whether the report was retrieved, each
    reviewer's decision and reason, and the final decision, reason, strand and
    study identifier. A second reviewer's columns stay empty where one person
    screened.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import cache, sheets
from .errors import InputError
from .io.ris import iter_ris
from .io.text import csv_rows, read_text

#: Rayyan's decision words, and the log's codes, in the toolkit's vocabulary.
RAYYAN_DECISIONS = {"Included": "include", "Excluded": "exclude", "Maybe": "maybe"}
LOG_DECISIONS = {"1": "include", "-1": "exclude", "0": "maybe"}
RAYYAN_COLUMNS = ["key", "title", "year", "month", "day", "journal", "issn", "volume", "issue", "pages",
                  "authors", "url", "language", "publisher", "location", "abstract", "notes", "doi",
                  "keywords", "pubmed_id", "pmc_id"]
LOG_COLUMNS = ["created_at", "user_id", "user_email", "article_id", "key", "value"]
RECORD_PATTERN = r"(?m)^Record: (\S+)"
REASON_PREFIX = "__EXR__"
STAGE_PREFIX = "__SYSTEM__STAGE__"
LOG_FRAME_COLUMNS = ["line", "created_at", "user_id", "user_email", "article_id", "stage", "kind", "name", "value"]
_STAGE_DECISION = re.compile(r"included(?:__SYSTEM__STAGE__(\w+))?")

_SECTION = re.compile(r"(?:^|\s\|\s)\s*(RAYYAN-INCLUSION|RAYYAN-LABELS|RAYYAN-EXCLUSION-REASONS|USER-NOTES):\s?")
_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"=>"([^"]*)"')


@dataclass
class RayyanExport:
    """A Rayyan project as exported.

    ``articles``: one row per article (``key``, ``record_id`` where linked,
    ``title``, ``year``, ``note`` (the uploaded note text), ``labels``,
    ``reasons`` (lists), ``line``). ``decisions``: one row per article and
    reviewer with the current decision. ``path``: the export read.
    """

    path: Path
    articles: pd.DataFrame
    decisions: pd.DataFrame

    @property
    def reviewers(self) -> list[str]:
        return sorted(self.decisions["reviewer"].unique())

    def final(self) -> pd.DataFrame:
        """Current decisions, one column per reviewer (``None`` where a reviewer did not decide)."""
        wide = self.decisions.pivot(index="key", columns="reviewer", values="decision")
        return wide.reindex(self.articles["key"]).reset_index()


def parse_notes(notes: str) -> dict:
    """Split a Rayyan ``notes`` value into the uploaded note and Rayyan's sections.

    Returns ``note``, ``inclusion`` ({reviewer: decision word}), ``labels``,
    ``reasons`` (lists) and ``user_notes`` (raw text)."""
    out = {"note": notes, "inclusion": {}, "labels": [], "reasons": [], "user_notes": ""}
    marks = list(_SECTION.finditer(notes))
    if not marks:
        return out
    out["note"] = notes[: marks[0].start()].strip()
    for mark, after in zip(marks, marks[1:] + [None]):
        body = notes[mark.end(): after.start() if after else len(notes)].strip()
        name = mark.group(1)
        if name == "RAYYAN-INCLUSION":
            out["inclusion"] = {who.replace('\\"', '"').strip(): what for who, what in _PAIR.findall(body)}
            if body and not out["inclusion"] and body != "{}":
                raise ValueError(f"unreadable RAYYAN-INCLUSION value {body!r}")
        elif name == "RAYYAN-LABELS":
            out["labels"] = [x.strip() for x in body.split(",") if x.strip()]
        elif name == "RAYYAN-EXCLUSION-REASONS":
            out["reasons"] = [x.strip() for x in body.split(",") if x.strip()]
        else:
            out["user_notes"] = body
    return out


def _decision(word: str, path: Path, line: int, key: str) -> str:
    if word not in RAYYAN_DECISIONS:
        raise InputError(path, line=line, record=key, problem="unknown decision in RAYYAN-INCLUSION",
                         expected="Included, Excluded or Maybe", found=word)
    return RAYYAN_DECISIONS[word]


def _articles(rows: list[tuple[int, dict]], path: Path, record_pattern: str | None) -> RayyanExport:
    pattern = re.compile(record_pattern) if record_pattern else None
    arts, decs, seen = [], [], {}
    for line, row in rows:
        key = (row.get("key") or "").strip()
        if not key:
            raise InputError(path, line=line, expected="an article key (e.g. 'rayyan-12345')", found="")
        if key in seen:
            raise InputError(path, line=line, record=key, problem=f"the key already appears on line {seen[key]}")
        seen[key] = line
        try:
            parsed = parse_notes(row.get("notes") or "")
        except ValueError as exc:
            raise InputError(path, line=line, record=key, problem=str(exc)) from None
        record_id = None
        if pattern is not None:
            m = pattern.search(parsed["note"])
            record_id = m.group(1) if m else None
        arts.append({"key": key, "record_id": record_id, "title": row.get("title") or "",
                     "year": row.get("year") or "", "note": parsed["note"], "labels": parsed["labels"],
                     "reasons": parsed["reasons"], "line": line})
        for who, word in parsed["inclusion"].items():
            decs.append({"key": key, "reviewer": who, "decision": _decision(word, path, line, key)})
    articles = pd.DataFrame(arts, columns=["key", "record_id", "title", "year", "note", "labels", "reasons", "line"])
    decisions = pd.DataFrame(decs, columns=["key", "reviewer", "decision"])
    return RayyanExport(path, articles, decisions)


@cache.cached(paths=("path",))
def read_rayyan(path: str | os.PathLike, *, record_pattern: str | None = RECORD_PATTERN) -> RayyanExport:
    """Read a Rayyan export: ``articles.csv`` or a RIS export (decisions in ``N1``).

    ``record_pattern``: a regular expression whose first group finds, in the
    uploaded note text, the identifier of the record in the records table
    (``None``: do not link)."""
    path = Path(path)
    text = read_text(path)
    if text.content.lstrip().startswith("TY  -"):
        rows = []
        for rec in iter_ris(text):
            fields = rec.as_dict()
            key = (fields.get("AN") or fields.get("ID") or [""])[0]
            rows.append((rec.line, {"key": key, "title": (fields.get("TI") or [""])[0],
                                    "year": (fields.get("Y1") or fields.get("PY") or [""])[0][:4],
                                    "notes": " ".join(fields.get("N1", [])).strip()}))
        return _articles(rows, path, record_pattern)
    return _articles(csv_rows(text, RAYYAN_COLUMNS[:1] + ["notes"]), path, record_pattern)


@cache.cached(paths=("path",))
def read_rayyan_log(path: str | os.PathLike) -> pd.DataFrame:
    """Read a Rayyan ``customizations_log.csv``: one row per event, in file order.

    Columns: ``line``, ``created_at``, ``user_id``, ``user_email``,
    ``article_id``, ``kind`` (decision, reason, label), ``name`` (the reason
    or label), ``value`` (decision word, or 1/deleted)."""
    path = Path(path)
    rows = csv_rows(read_text(path), LOG_COLUMNS)
    out = []
    for line, row in rows:
        key, value, stage = row["key"], row["value"], ""
        m = _STAGE_DECISION.fullmatch(key)
        if m:
            stage = m.group(1) or ""
            if value not in LOG_DECISIONS:
                raise InputError(path, line=line, record=row["article_id"], problem="unknown decision code",
                                 expected="1 (Included), -1 (Excluded) or 0 (Maybe)", found=value)
            kind, name, value = "decision", "", LOG_DECISIONS[value]
        else:
            name = key.strip('"')
            if name.startswith(STAGE_PREFIX):
                kind, stage, name = "stage", name[len(STAGE_PREFIX):], ""
            elif name.startswith(REASON_PREFIX):
                kind, name = "reason", name[len(REASON_PREFIX):]
            else:
                kind = "label"
        out.append({"line": line, "created_at": row["created_at"], "user_id": row["user_id"],
                    "user_email": row["user_email"], "article_id": row["article_id"], "stage": stage,
                    "kind": kind, "name": name, "value": value})
    return pd.DataFrame(out, columns=LOG_FRAME_COLUMNS)


def _stage_rank(log: pd.DataFrame) -> dict[str, int]:
    """Stages in the order they first appear (the first stage, '', first)."""
    order = [""] + [s for s in log.sort_values(["created_at", "line"])["stage"].unique() if s]
    return {s: i for i, s in enumerate(dict.fromkeys(order))}


def independent_decisions(log: pd.DataFrame, *, reviewers: dict[str, str] | None = None,
                          stage: str = "") -> pd.DataFrame:
    """Each reviewer's first decision on each article at ``stage`` (the
    blinded one): one row per article, one column per reviewer (named by
    ``reviewers``, a map from user id or e-mail to a name; else the e-mail)."""
    d = log[(log["kind"] == "decision") & (log["stage"] == stage)].sort_values(["created_at", "line"],
                                                                                kind="stable")
    first = d.groupby(["article_id", "user_id"], sort=False).head(1).copy()
    names = reviewers or {}
    first["reviewer"] = [names.get(u, names.get(e, e)) for u, e in zip(first["user_id"], first["user_email"])]
    wide = first.pivot(index="article_id", columns="reviewer", values="value")
    wide.index = "rayyan-" + wide.index.astype(str)
    wide.index.name = "key"
    wide.columns.name = None
    return wide


def last_decisions(log: pd.DataFrame) -> pd.DataFrame:
    """Each user's last decision on each article, at the latest stage the
    article reached (what an export shows)."""
    d = log[log["kind"] == "decision"].sort_values(["created_at", "line"], kind="stable")
    rank = d["stage"].map(_stage_rank(log))
    d = d[rank == rank.groupby(d["article_id"]).transform("max")]
    last = d.groupby(["article_id", "user_id"], sort=False).tail(1)
    return last.assign(key="rayyan-" + last["article_id"].astype(str))[["key", "user_id", "user_email", "value"]]


def _per_key(keys: pd.Series, values: pd.Series, *, unique: bool = False) -> dict:
    """Each key's values as a sorted tuple (each value once with ``unique``). A loop over the pairs: a
    pandas group-by calling Python per key takes about ten times as long on a Rayyan export."""
    found: dict = {}
    for key, value in zip(keys, values):
        found.setdefault(key, []).append(value)
    return {key: tuple(sorted(set(v) if unique else v)) for key, v in found.items()}


def check_log(export: RayyanExport, log: pd.DataFrame, log_path: str | os.PathLike) -> None:
    """Check that the log's last decisions are the decisions the export shows.

    The log names users by id, the export by display name, so the check
    compares, article by article, the decisions as multisets. Raises
    InputError naming the first article where they differ."""
    last = last_decisions(log)
    logged = _per_key(last["key"], last["value"])
    shown = _per_key(export.decisions["key"], export.decisions["decision"])
    keys = sorted(logged.keys() | shown.keys())
    lines = export.articles.set_index("key")["line"]
    for key in keys:
        a, b = logged.get(key, ()), shown.get(key, ())
        if a != b:
            raise InputError(export.path, line=int(lines[key]) if key in lines.index else None, record=key,
                             problem=f"the decisions differ from the last ones in {Path(log_path).name}",
                             expected=", ".join(a) or "no decision", found=", ".join(b) or "no decision")


# --- full-text sheet --------------------------------------------------------

FULLTEXT_COLUMNS = ["record_id", "round", "retrieved", "reviewer_1", "decision_1", "reason_1", "reviewer_2",
                    "decision_2", "reason_2", "final_decision", "final_reason", "strand", "study_id"]
YES_NO = {"yes": True, "no": False}
FULLTEXT_DECISIONS = ("include", "exclude")
STRANDS = ("quantitative", "qualitative")


def read_fulltext(path: str | os.PathLike) -> pd.DataFrame:
    """Read a full-text decision sheet and check every row.

    Returns the columns of :data:`FULLTEXT_COLUMNS` (``retrieved`` as bool,
    ``round`` as int) and ``line``. Raises InputError naming the line for a
    missing column, a repeated record, an unknown value, a decision for a
    report that was not retrieved, a retrieved report without a final
    decision, an exclusion without a reason, or an inclusion without a strand
    or study identifier."""
    path = Path(path)
    out, seen = [], {}
    for row in sheets.rows(path, FULLTEXT_COLUMNS, key="record_id"):
        rid, line = row["record_id"], row.line
        if not rid:
            raise row.error(expected="a record_id", found="")
        if rid in seen:
            raise row.error(f"the record already appears on line {seen[rid]}")
        seen[rid] = line
        if not row["round"].isdigit():
            raise row.error("round", expected="a search round number", found=row["round"])
        if row["retrieved"].lower() not in YES_NO:
            raise row.error("retrieved", expected="yes or no", found=row["retrieved"])
        retrieved = YES_NO[row["retrieved"].lower()]
        for col in ("decision_1", "decision_2", "final_decision"):
            if row[col] and row[col] not in FULLTEXT_DECISIONS:
                raise row.error(col, expected="include or exclude", found=row[col])
        if not retrieved:
            filled = [c for c in ("decision_1", "decision_2", "final_decision") if row[c]]
            if filled:
                raise row.error(f"{filled[0]} is given for a report that was not retrieved", expected="an empty cell",
                                found=row[filled[0]])
        else:
            if not row["final_decision"]:
                raise row.error("final_decision is missing for a retrieved report", expected="include or exclude",
                                found="")
            if not row["decision_1"]:
                raise row.error("decision_1 is missing for a retrieved report", expected="include or exclude",
                                found="")
            if row["decision_2"] and not row["reviewer_2"]:
                raise row.error("decision_2 has no reviewer_2", expected="the second reviewer's name")
            for d, r in (("decision_1", "reason_1"), ("decision_2", "reason_2"),
                         ("final_decision", "final_reason")):
                if row[d] == "exclude" and not row[r]:
                    raise row.error(f"{r} is missing for an exclusion", expected="an exclusion reason", found="")
            if row["final_decision"] == "include":
                if row["strand"] not in STRANDS:
                    raise row.error("strand", expected="quantitative or qualitative", found=row["strand"])
                if not row["study_id"]:
                    raise row.error("study_id is missing for an included report", expected="a study identifier",
                                    found="")
        out.append({**row, "round": int(row["round"]), "retrieved": retrieved, "line": line})
    frame = pd.DataFrame(out, columns=FULLTEXT_COLUMNS + ["line"])
    dup = frame[frame["study_id"] != ""].duplicated("study_id", keep="first")
    if dup.any():
        row = frame[frame["study_id"] != ""][dup].iloc[0]
        raise InputError(path, line=int(row["line"]), record=row["record_id"],
                         problem=f"study_id {row['study_id']} is given to two records")
    return frame


# --- writing an upload for Rayyan ------------------------------------------

#: Where :func:`write_uploads` puts the files to upload, under the run's ``results/``.
UPLOAD_FOLDER = "upload"


def rayyan_upload(records: pd.DataFrame) -> str:
    """Records (the importers' schema) as RIS for upload to Rayyan or another screening tool, each
    with ``Record: <record_id>`` in ``N1`` (Rayyan keeps it in the notes it exports), so that the
    decisions exported later are linked back to their records."""
    lines = []
    for rec in records.itertuples(index=False):
        lines.append("TY  - JOUR")
        for tag, field in (("TI", "title"), ("T2", "journal"), ("PY", "year"), ("VL", "volume"), ("IS", "issue"),
                           ("SP", "pages"), ("SN", "issn"), ("DO", "doi"), ("AB", "abstract")):
            value = getattr(rec, field, None)
            if value is None or value is pd.NA or (isinstance(value, float) and value != value):
                continue
            value = str(int(value)) if isinstance(value, (int, float)) and float(value).is_integer() else str(value)
            if value.strip():
                lines.append(f"{tag}  - {' '.join(value.split())}")
        authors = getattr(rec, "authors", None)
        for name in (authors if isinstance(authors, str) else "").split("; "):
            if name:
                lines.append(f"AU  - {name}")
        lines.append(f"N1  - Record: {rec.record_id}")
        lines.append("ER  - ")
        lines.append("")
    return "\n".join(lines)


def write_rayyan_upload(records: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write :func:`rayyan_upload` of ``records`` to ``path`` (in one step, reported to ``mmrs build``)."""
    from . import files

    return files.write_text(Path(path), rayyan_upload(records))


def upload_name(round_: int) -> str:
    """The file name of a round's upload."""
    return f"unique_records_round{int(round_)}.ris"


def write_uploads(records: pd.DataFrame, clusters: pd.DataFrame, results: str | os.PathLike) -> list[Path]:
    """The files to upload to the screening tool: per search round, the unique records that round
    added (those no earlier round found), as RIS (:func:`rayyan_upload`), in ``results/upload/``.
    A review searched once has one file; an update uploads the file of its new round.

    ``clusters``: the deduplication's record table (``record_id``, ``round``, ``kept``). Returns the
    files written, in round order."""
    folder = Path(results) / UPLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    kept = clusters.loc[clusters["kept"], ["record_id", "round"]]
    by_id = records.set_index("record_id")
    written = []
    for r, part in kept.groupby("round", sort=True):
        written.append(write_rayyan_upload(by_id.loc[part["record_id"]].reset_index(), folder / upload_name(r)))
    return written


# --- decisions per record ---------------------------------------------------

def title_abstract_decisions(export: RayyanExport, *, unresolved: str = "error",
                             maybe: str = "include") -> pd.DataFrame:
    """The final title/abstract decision per record of a Rayyan export.

    Records whose reviewers all decided alike get that decision; ``maybe``
    says what a unanimous 'Maybe' becomes (default: include, so the full
    text decides). Reviewers who still disagree are an error by default
    (``unresolved="error"``); ``"include"`` sends such records on to full text.
    Returns ``record_id``, ``decision``, ``key``, ``source``, ``line``."""
    if unresolved not in ("error", "include"):
        raise ValueError("unresolved must be 'error' or 'include'")
    if maybe not in ("include", "exclude"):
        raise ValueError("maybe must be 'include' or 'exclude'")
    arts = export.articles
    unlinked = arts[arts["record_id"].isna()]
    if not unlinked.empty:
        row = unlinked.iloc[0]
        raise InputError(export.path, line=int(row["line"]), record=row["key"],
                         problem=f"{len(unlinked)} article(s) cannot be linked to a record",
                         expected="a 'Record: <record_id>' line in the notes (see write_rayyan_upload)",
                         found=row["note"] or "")
    dup = arts[arts.duplicated("record_id", keep="first")]
    if not dup.empty:
        row = dup.iloc[0]
        raise InputError(export.path, line=int(row["line"]), record=row["key"],
                         problem=f"record {row['record_id']} was uploaded twice")
    by_key = _per_key(export.decisions["key"], export.decisions["decision"], unique=True)
    out = []
    for row in arts.itertuples(index=False):
        decided = by_key.get(row.key)
        if not decided:
            raise InputError(export.path, line=int(row.line), record=row.key,
                             problem="no reviewer decided this article", expected="a RAYYAN-INCLUSION decision")
        if len(decided) > 1:
            if unresolved == "error":
                raise InputError(export.path, line=int(row.line), record=row.key,
                                 problem="the reviewers' decisions still differ (an unresolved conflict)",
                                 expected="one decision after conflicts are resolved", found=", ".join(decided))
            final = "include"
        else:
            final = decided[0] if decided[0] != "maybe" else maybe
        out.append({"record_id": row.record_id, "decision": final, "key": row.key,
                    "source": str(export.path), "line": int(row.line)})
    return pd.DataFrame(out, columns=["record_id", "decision", "key", "source", "line"])


def blinded_pairs(export: RayyanExport, log: pd.DataFrame, *, reviewers: dict[str, str] | None = None,
                  stage: str = "") -> pd.DataFrame:
    """Each article's independent decisions (from the log) with its record:
    ``key``, ``record_id`` and one column per reviewer."""
    first = independent_decisions(log, reviewers=reviewers, stage=stage)
    arts = export.articles.set_index("key")
    unknown = first.index.difference(arts.index)
    if len(unknown):
        raise InputError(export.path, problem=f"the log has decisions on {len(unknown)} article(s) "
                                              "the export does not contain", found=", ".join(unknown[:3]))
    return first.join(arts["record_id"], how="left").reset_index()


def included_studies(fulltext: pd.DataFrame) -> dict[str, str]:
    """Study id -> strand of the reports included at full text."""
    inc = fulltext[fulltext["final_decision"] == "include"]
    return dict(zip(inc["study_id"], inc["strand"]))
