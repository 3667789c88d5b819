"""The words the notebooks write about a run: sentences, captions and labels computed from it.

A notebook's prose must be true of the run that made it, for this review and
for any other review's exports (``mmrs init``): which databases were searched
in how many rounds, which deduplication method ran and with which passes,
which pair of databases overlaps the most, whether screening decisions are
given yet, which PRISMA template the diagram follows. Everything a sentence
says about the method, the passes, the rounds, the databases or the data is
computed here from the run's parameters and results; the notebooks show it
with ``IPython.display.Markdown`` (and table captions through
:func:`mmrs.outputs.show_table`'s ``caption``), and keep in their Markdown
cells only what is true of every run (how a method works, what to look at).

The functions are grouped by the step of the review they serve: the search
(notebook 01), deduplication (02), screening and the flow (03); the
sensitivity analysis words its own tables (:mod:`mmrs.sensitivity`). The
helpers at the top write numbers, lists and dates as a reader expects them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


# --------------------------------------------------------------------------- how values read

def number(n: int, *, words: bool = False) -> str:
    """``n`` as the text writes it: with thousands separators ("12,958"), or in words up to ten
    ("six databases") where ``words``."""
    n = int(n)
    return _WORDS[n] if words and 0 <= n < len(_WORDS) else f"{n:,}"


def count(n: int, noun: str, plural: str | None = None, *, words: bool = False) -> str:
    """"1 record", "12,958 records", "six databases" (``plural`` for irregular nouns)."""
    return f"{number(n, words=words)} {noun if int(n) == 1 else plural or noun + 's'}"


def join(items: Iterable[str], last: str = "and") -> str:
    """"A", "A and B", "A, B and C"."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def day(value) -> str:
    """A date as the text writes it: "29 November 2021"."""
    d = pd.Timestamp(value)
    return f"{d.day} {d:%B %Y}"


def days(values) -> str:
    """The days a search took, as the text writes them: "29 November 2021", "10-12 October 2019",
    "30 November - 2 December 2022", "30 December 2022 - 2 January 2023"."""
    ds = sorted({pd.Timestamp(v) for v in values})
    first, last = ds[0], ds[-1]
    if first == last:
        return day(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}-{last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%B} - {last.day} {last:%B %Y}"
    return f"{day(first)} - {day(last)}"


def percent(part: float, whole: float, digits: int = 1) -> str:
    """``part`` of ``whole`` in percent ("37.5 %"); "0 %" of nothing."""
    return f"{(100 * part / whole if whole else 0):.{digits}f} %"


def rounds_phrase(rounds: Sequence[int]) -> str:
    """"round 3", "rounds 1 and 2", "rounds 1-3"."""
    rounds = sorted(int(r) for r in rounds)
    if len(rounds) == 1:
        return f"round {rounds[0]}"
    if len(rounds) > 2 and rounds == list(range(rounds[0], rounds[-1] + 1)):
        return f"rounds {rounds[0]}-{rounds[-1]}"
    return "rounds " + join(map(str, rounds))


def about_data(note: str | None, folder: str) -> str:
    """The note that says what the raw data are when they are not a review team's own exports
    (``note``, a notebook parameter, e.g. "a reconstruction ..."); "" for a review's own files."""
    if not note:
        return ""
    return (f"**About the data.** The files in `{folder}` are {note.strip().rstrip('.')}. Nothing below "
            "depends on that: pointed at another review's files, the same code does the same work.")


# --------------------------------------------------------------------------- the search (01)

def search_overview(log: pd.DataFrame) -> str:
    """What the search log says was searched: when, in which databases, in how many rounds, with
    which limits (``log``: :func:`mmrs.io.read_search_log`, one row per export file; a row that
    marks the previous version of the review is not a search and is left out)."""
    from .io.searchlog import PREVIOUS_VERSION

    files = log[log["database"].str.casefold() != PREVIOUS_VERSION.casefold()]
    per_round = files.groupby("round", sort=True)
    dbs = {int(r): list(dict.fromkeys(part["database"])) for r, part in per_round}
    dates = {int(r): days(part["date"]) for r, part in per_round}
    n_files = len(files)
    all_dbs = list(dict.fromkeys(files["database"]))
    if len(dbs) == 1:
        (r, names), = dbs.items()
        text = (f"The search ran once ({dates[r]}) in {count(len(names), 'database', words=True)} "
                f"({join(names)}); the search log lists {count(n_files, 'export file')}.")
    else:
        parts, seen = [], []
        for r, names in dbs.items():
            added = [d for d in names if d not in seen]
            dropped = [d for d in seen if d not in names]
            if not seen:
                said = f"round {r} ({dates[r]}) searched {join(names)}"
            elif not added and not dropped:
                said = f"round {r} ({dates[r]}) searched the same {count(len(names), 'database', words=True)}"
            else:
                said = f"round {r} ({dates[r]}) searched " + (
                    f"them again and added {join(added)}" if not dropped and added else
                    f"{join(names)}" + (f" ({join(added)} for the first time)" if added else ""))
            parts.append(said)
            seen += added
        text = (f"The search ran in {count(len(dbs), 'round', words=True)} over "
                f"{count(len(all_dbs), 'database', words=True)}: " + "; ".join(parts) + ". "
                f"The search log lists {count(n_files, 'export file')}.")
    limits = _limits(files)
    if limits:
        text += " " + limits
    return text


def _limits(files: pd.DataFrame) -> str:
    """The limits the search log records, round by round ("" when it records none)."""
    f = files.assign(limits=files.get("limits", pd.Series("", index=files.index)).fillna("").astype(str).str.strip())
    if not (f["limits"] != "").any():
        return ""
    several = f["round"].nunique() > 1
    said = []
    for r, part in f.groupby("round", sort=True):
        every = list(dict.fromkeys(part["database"]))
        by_limit = {lim: list(dict.fromkeys(p["database"])) for lim, p in part.groupby("limits", sort=False) if lim}
        free = [d for d in every if d not in {x for names in by_limit.values() for x in names}]
        if not by_limit:
            text = "none"
        else:
            pieces = []
            for limit, names in by_limit.items():
                if len(names) == len(every):
                    pieces.append(limit)
                elif len(by_limit) == 1 and len(free) < len(names):
                    pieces.append(f"{limit} (all but {join(free)})")
                else:
                    pieces.append(f"{limit} ({join(names)})")
            text = "; ".join(pieces)
        said.append((f"round {int(r)}, " if several else "") + text)
    return "Limits recorded in the search log: " + "; ".join(said) + "."


def previous_prose(previous) -> str:
    """The sentence on the previous version of an updated review that the search log marks
    (``previous``: :func:`mmrs.stages.read_previous`), or "" when it marks none."""
    if previous is None:
        return ""
    return (f"The search log also marks the previous version of the review ({join(f'`{f}`' for f in previous.files)}): "
            f"its {count(previous.studies, 'included study', 'included studies')} start the flow of this update, "
            "and the file is not imported as a search.")


def records_caption(rounds: int) -> str:
    """The caption of the table of records per database."""
    return ("Records identified per database and search round." if rounds > 1
            else "Records identified per database.")


def records_prose(per_database: pd.DataFrame, rounds: int) -> str:
    """What the table of records per database shows (its last row holds the totals)."""
    body = per_database[per_database["Database"] != "Total"]
    column = "Total" if "Total" in body else "Records"
    totals = body.set_index("Database")[column].sort_values(ascending=False, kind="stable")
    total = int(totals.sum())
    top = totals.index[0]
    text = (f"This is the part of the PRISMA flow diagram that counts the records identified: "
            f"{count(total, 'record')} before any duplicate is removed. {top} returned the most "
            f"({percent(totals.iloc[0], total)} of them)")
    if len(totals) > 1:
        text += f", {totals.index[-1]} the fewest ({count(int(totals.iloc[-1]), 'record')})"
    text += "."
    if rounds > 1:
        by_round = body.drop(columns=["Database", column]).sum()
        text += (" Per round: " + join(f"{int(v):,} in {c.lower()}" for c, v in by_round.items()) + ".")
    return text


def sample_round(records: pd.DataFrame) -> int:
    """The search round whose records show the most databases side by side (the first such)."""
    per = records.groupby("round")["database"].nunique()
    return int(per[per == per.max()].index.min())


def sample_prose(records: pd.DataFrame, round_: int, rounds: int) -> str:
    """The sentence over the table of one record per database."""
    n = records.loc[records["round"] == round_, "database"].nunique()
    formats = records.loc[records["round"] == round_, "format"].nunique()
    where = f" in round {round_}" if rounds > 1 else ""
    if n == 1:
        return (f"The table shows the first record of the only database{where}, as imported. Copies from "
                "several databases differ in the same ways: names, capitals, journal names and DOIs.")
    return (f"The table shows the first record of each of the {number(n, words=True)} databases{where}, "
            f"as imported from {count(formats, 'export format', words=True)}. Those differences are what the "
            "deduplication in the next notebook has to see through.")


# --------------------------------------------------------------------------- deduplication (02)

BRAMER = "Bramer et al. (2016)"
REVIEW_PASSES = ("6", "7")
#: The strict method's comparisons (its passes), as a reader names them.
STRICT_STEPS = {"doi": "by DOI", "title": "by title", "bibliographic": "by volume and first page"}


def method_label(method: str, passes: Sequence[str] | None = None, decisions: str | None = None) -> str:
    """A deduplication setting as a reader names it ("Bramer et al. (2016), passes 1-5", "strict rules")."""
    if method == "strict":
        return "the strict rules"
    passes = [str(p) for p in (passes or ())]
    label = BRAMER
    if passes and passes != [str(i) for i in range(1, 8)]:
        label += ", " + ("pass " if len(passes) == 1 else "passes ") + _passes(passes)
    if decisions and any(p in REVIEW_PASSES for p in passes or REVIEW_PASSES):
        label += ", with the recorded decisions"
    return label


def _passes(passes: Sequence[str]) -> str:
    nums = sorted(int(p) for p in passes)
    if len(nums) > 2 and nums == list(range(nums[0], nums[-1] + 1)):
        return f"{nums[0]}-{nums[-1]}"
    return join(map(str, nums))


def method_prose(method: str, passes: Sequence[str], decisions: str | None, review_default: str,
                 rounds: int) -> str:
    """How this run deduplicates, in a paragraph: the method, its passes or rules, who decides the
    pairs left to a person, and (with several rounds) how rounds are taken."""
    if method == "strict":
        text = ("This run uses the **strict method**, which decides every pair itself: rules that say what "
                "shows one work (the same DOI; near-identical titles with shared authors; the same volume and "
                "first page), guards that say what shows two works (two DOIs, an erratum, a meeting abstract "
                "beside the paper, ...), and equivalences for one work written differently. No pair is left "
                "to a person, so the settings `passes`, `decisions` and `review_default` play no part. Its "
                "rules are listed below.")
    else:
        passes = [str(p) for p in passes]
        review = [p for p in passes if p in REVIEW_PASSES]
        auto = [p for p in passes if p not in REVIEW_PASSES]
        text = (f"This run follows the method of {BRAMER}, which many teams run in EndNote: a fixed sequence of "
                "comparisons, from strict (author, year, title and journal all the same) to loose. `mmrs.dedup` "
                "applies it to normalised fields (case, spacing and punctuation ignored; page ranges written "
                "in full; DOIs without their link prefix). ")
        if len(passes) == 7:
            text += "This run applies all seven passes: "
        else:
            text += (f"This run applies {count(len(passes), 'pass', 'passes', words=True)} of the seven "
                     f"({_passes(passes)}): ")
        if auto and review:
            text += (f"{number(len(auto), words=True)} that merge, and {number(len(review), words=True)} "
                     f"({_passes(review)}) whose pairs are only flagged for a person to check.")
        elif auto:
            text += "all merge on their own; none flags pairs for a person."
        else:
            text += "they only flag pairs for a person to check."
        if review:
            if decisions:
                text += (f" The decisions recorded for flagged pairs are read from `{decisions}`; a flagged pair "
                         f"without one is {'kept apart' if review_default == 'separate' else 'merged'} "
                         f"(`review_default = \"{review_default}\"`).")
            else:
                text += (f" No decisions are recorded (`decisions = None`): every flagged pair is "
                         f"{'kept apart' if review_default == 'separate' else 'merged'} "
                         f"(`review_default = \"{review_default}\"`).")
    if rounds > 1:
        text += ("\n\nThe search rounds are taken in order: a record found again in a later round joins the "
                 "earlier record's cluster, and the earlier record is kept; a later round never joins two "
                 "clusters of earlier rounds.")
    return text


def dedup_description(method: str, passes: Sequence[str], decisions: str | None, review_default: str,
                      raw: str = "data/raw") -> str:
    """One sentence for a report on how duplicates were found (plain text, no Markdown)."""
    if method == "strict":
        return ("Records were compared with the strict rules of the mmrs toolkit, which decide every pair "
                "themselves: match rules, and guards that refuse a pair where something shows two works.")
    passes = [str(p) for p in passes]
    text = (f"Records were compared pass by pass with the method of {BRAMER}"
            + ("" if len(passes) == 7 else f" (passes {_passes(passes)})"))
    if not any(p in REVIEW_PASSES for p in passes):
        return text + "; none of the passes run leaves a pair to a person."
    if decisions:
        return (text + f"; the pairs that the method leaves to a person were decided as recorded in "
                f"{raw}/{decisions}, and any pair without a decision was "
                f"{'kept apart' if review_default == 'separate' else 'merged'}.")
    return (text + f"; no decisions were recorded for the pairs that the method leaves to a person, so every such "
            f"pair was {'kept apart' if review_default == 'separate' else 'merged'}.")


#: The key of Bramer et al. (2016) in the project's references.bib, for text the manuscript cites it in.
BRAMER_KEY = "bramer2016"


def dedup_method_cited(method: str, passes: Sequence[str] | None = None) -> str:
    """How duplicates were found, as Markdown ending a clause "Duplicates were removed ...": the method
    of Bramer et al. as a citation the manuscript resolves ("with the method of @bramer2016", with the
    passes when not all seven ran), or the strict rules."""
    if method == "strict":
        return "with the strict rules of the mmrs toolkit"
    passes = [str(p) for p in (passes or ())]
    text = f"with the method of @{BRAMER_KEY}"
    if passes and passes != [str(i) for i in range(1, 8)]:
        text += " (" + ("pass " if len(passes) == 1 else "passes ") + _passes(passes) + ")"
    return text


def run_line(records: int, result) -> str:
    """One line on what the run did ("25,523 records -> 10,324 unique records (...)")."""
    label = method_label(result.method, result.parameters.get("passes"))
    return f"{records:,} records -> {result.unique:,} unique records ({label})"


def steps_table(result) -> pd.DataFrame:
    """The records each pass (Bramer) or match rule (strict) removed, per round, with a column
    header that says which (the result's :meth:`pass_table`)."""
    table = result.pass_table()
    if result.method == "strict":
        table = table.assign(Pass=table["Pass"].map(lambda p: STRICT_STEPS.get(p, p))).rename(
            columns={"Pass": "Comparison"})
    if len(table.columns) == 3:  # one round: its column and the total say the same
        table = table.drop(columns=[c for c in table.columns if c.startswith("Round ")])
        table = table.rename(columns={"Total": "Records removed"})
    return table


def steps_caption(method: str, rounds: int) -> str:
    what = ("each pass of Bramer et al.'s method" if method == "bramer"
            else "each comparison of the strict method")
    return f"Duplicate records removed by {what}" + (", per search round." if rounds > 1 else ".")


def steps_prose(result) -> str:
    """What the table of passes or rules shows, with the share the first step removed."""
    p = result.passes.groupby("pass", sort=False)["removed"].sum()
    total = int(p.sum())
    rows = ("one of Bramer et al.'s passes" if result.method == "bramer"
            else "one of the strict method's comparisons (the match rules it applies to the pairs that share a "
                 "DOI, a title, or a volume and first page)")
    rounds = result.passes["round"].nunique()
    text = (f"Each row is {rows}" + (", each column a search round" if rounds > 1 else "")
            + "; the cells count the records it removed.")
    if total:
        first = p.index[0]
        top = p.idxmax()
        text += f" Of the {count(total, 'duplicate')} removed, {_step_name(first)} removed "
        text += f"{percent(p.iloc[0], total)}"
        if top != first:
            text += f", and {_step_name(top)} the most ({percent(p[top], total)})"
        text += "."
        if result.method == "bramer":
            text += (" Copies that share authors, year, title and journal once punctuation and case are set "
                     "aside fall to the first pass; the later passes catch copies whose titles or years differ "
                     "(an early-access record, a subtitle left out).")
    else:
        text += " No duplicate was found."
    return text


def _step_name(name: str) -> str:
    first, _, rest = str(name).partition(" ")
    return f"pass {first} ({rest})" if first.isdigit() else f"the comparison {STRICT_STEPS.get(name, name)}"


def rounds_caption(rounds: int) -> str:
    return ("Records, duplicates removed and unique records per search round." if rounds > 1
            else "Records, duplicates removed and unique records.")


def rounds_prose(per_round: pd.DataFrame) -> str:
    """The sentence over the table of unique records per round."""
    total = int(per_round["unique_to_date"].iloc[-1])
    removed = int(per_round["duplicates_removed"].sum())
    if len(per_round) == 1:
        return (f"Of {count(int(per_round['records'].iloc[0]), 'record')}, {count(removed, 'duplicate')} "
                f"{'was' if removed == 1 else 'were'} removed: {count(total, 'unique record')} remain to be "
                "screened.")
    parts = [f"round {int(r.round)} added {r.new_unique:,} of its {r.records:,}" for r in per_round.itertuples()]
    return ("A round's new unique records are those that no earlier round found; the last column adds them up. "
            + join(parts).capitalize() + f" records: {count(total, 'unique record')} in all.")


def review_prose(result, method: str, passes: Sequence[str], review_default: str) -> str | None:
    """Why the table of flagged pairs is empty, or None when it has rows (then the table shows)."""
    if method == "strict":
        return ("The strict method decides every pair itself: no pair is left to a person, so there is no "
                "table of flagged pairs here.")
    review = [p for p in map(str, passes) if p in REVIEW_PASSES]
    if not review:
        return (f"The passes run here ({_passes(passes)}) all merge on their own; pass 6 and pass 7, whose pairs "
                "a person checks, are not among them, so no pair is flagged.")
    if result.flagged.empty:
        return (f"{'Pass' if len(review) == 1 else 'Passes'} {join(review)} flagged no pair in these records: "
                "nothing was left to a person.")
    return None


def review_intro(passes: Sequence[str], review_default: str) -> str:
    """The paragraph over the table of flagged pairs (Bramer's review passes)."""
    review = [p for p in map(str, passes) if p in REVIEW_PASSES]
    kept = "kept apart" if review_default == "separate" else "merged"
    why = (" (merging two different studies loses one, while a missed duplicate only costs a second look at "
           "screening)" if review_default == "separate" else "")
    return (f"{'Pass' if len(review) == 1 else 'Passes'} {join(review)} only propose pairs. The table counts the "
            f"flagged pairs by the decision recorded for them, or the default rule (`review_default`) where no "
            f"decision was recorded: here such pairs are {kept}{why}.")


def pair_overlap(overlap: pd.Series) -> pd.DataFrame:
    """Unique records found by each pair of databases (``overlap``: unique records by the tuple of
    databases that found them, :meth:`mmrs.dedup.DedupResult.overlap`), largest first."""
    pairs: dict[tuple[str, str], int] = {}
    for combo, n in overlap.items():
        for a, b in itertools.combinations(sorted(combo), 2):
            pairs[(a, b)] = pairs.get((a, b), 0) + int(n)
    rows = [{"first": a, "second": b, "records": n} for (a, b), n in pairs.items()]
    frame = pd.DataFrame(rows, columns=["first", "second", "records"])
    return frame.sort_values(["records", "first", "second"], ascending=[False, True, True],
                             kind="stable").reset_index(drop=True)


def overlap_prose(overlap: pd.Series) -> str:
    """Which databases overlap the most, and how many unique records only one database found."""
    overlap = overlap[overlap > 0]
    total = int(overlap.sum())
    databases = sorted({d for combo in overlap.index for d in combo})
    if len(databases) < 2:
        return (f"Every record comes from one database ({join(databases) or 'none'}): there is no overlap between "
                "databases to show.")
    single = int(sum(n for combo, n in overlap.items() if len(combo) == 1))
    pairs = pair_overlap(overlap)
    top = pairs.iloc[0]
    ties = pairs[pairs["records"] == top["records"]]
    text = ("Each bar counts the unique records found by exactly the combination of databases marked below it; "
            "the bars at the left count every unique record a database found, whatever else found it too. ")
    if top["records"] == 0:
        text += "No two databases found the same work. "
    elif len(ties) == 1:
        text += (f"{top['first']} and {top['second']} overlap the most: {count(int(top['records']), 'unique record')} "
                 "were found by both. ")
    else:
        named = [f"{r.first} and {r.second}" for r in ties.itertuples()]
        text += ("The pairs that overlap the most, with " + count(int(top["records"]), "unique record")
                 + " each, are " + ", ".join(named[:-1]) + ", and " + named[-1] + ". ")
    text += (f"{count(single, 'unique record')} of {total:,} ({percent(single, total)}) "
             f"{'was' if single == 1 else 'were'} found by one database only, which is why a review searches "
             "several.")
    return text


def truth_prose(truth: str | None, scores: dict | None, unchecked: int) -> str:
    """The paragraph of the section that measures the deduplication against a ground truth."""
    if scores is None:
        why = ("no ground truth is given (`truth = None`)" if not truth
               else f"the ground truth `{truth}` lists none of these records" if unchecked
               else f"there is no file `{truth}`")
        return (f"When the true grouping of records into works is known, this section counts what the "
                f"deduplication got wrong. Here {why}, so nothing is measured: a real review rarely knows its "
                "duplicates in advance.")
    text = (f"The true grouping of these records into works is known (`{truth}`, never read by the method "
            "itself), so the comparison shows what the process got wrong: copies it missed (a work counted twice) "
            "and false merges (two works counted as one: a study that screening never sees). The counts use the "
            "\"removable duplicates\" convention: a work with *k* copies has *k* - 1 duplicates to remove.")
    if unchecked:
        text += (f" {count(unchecked, 'record')} of these exports {'is' if unchecked == 1 else 'are'} not in the "
                 "ground truth and cannot be checked; the figures below measure the others.")
    return text


def unconfirmed_intro(method: str, n: int = 1) -> str:
    """The paragraph over the merges no identifier confirms (``n``: how many there are)."""
    fields = ("Bramer's automatic passes compare authors, year, title, journal, volume and pages."
              if method == "bramer" else
              "Besides the same DOI, the strict method's match rules compare titles, authors, years, volumes and "
              "first pages.")
    return (f"{fields} When the two records of a merge share neither a DOI nor an issue, nothing but those "
            "fields supports it, and this is where look-alikes get through: the editorial of each issue (same "
            "title, author and volume), a column printed in two journals on the same pages, a congress abstract "
            "beside the article that grew out of it. "
            + ("The table lists such merges of the method's own rules (the decisions a person recorded are left "
               "out); " if n else "")
            + ("the cluster table" if n else "The cluster table")
            + " (`dedup_clusters.csv`) shows every merge, with the identifier it shares.")


def unconfirmed_caption(n: int, shown: int) -> str:
    return ("Merges of the method's rules whose two records share no DOI and no issue"
            + (f" (the first {shown} of {n:,})." if n > shown else "."))


def unconfirmed_prose(n: int, wrong: int | None) -> str:
    if n == 0:
        return ("Every merge of the method's rules shares a DOI or an issue with the record it joined: there is "
                "no merge that only the bibliographic fields support.")
    text = f"{count(n, 'merge')} of the method's rules share{'s' if n == 1 else ''} no DOI and no issue"
    if wrong is not None:
        text += f"; by the ground truth, {number(wrong)} of them join{'s' if wrong == 1 else ''} two works"
    return text + (". A reviewer who checks these (and the flagged pairs) has looked at every merge that no "
                   "identifier backs.")


def comparison_prose(method: str, passes: Sequence[str], decisions: str | None) -> str:
    """The paragraph that introduces the second method, shown beside the run's."""
    run = method_label(method, passes, decisions)
    other = "the strict method" if method == "bramer" else f"the method of {BRAMER} with all seven passes"
    return (f"This run's figures come from {run}; {other} is shown beside it as a check, on the same records. "
            "Where the two disagree, the clusters differ, and the screening follows whichever the run uses.")


def comparison_table(results: Mapping[str, object]) -> pd.DataFrame:
    """Unique records under each method (``results``: label -> DedupResult), per round when there
    are several rounds."""
    rows = []
    for label, result in results.items():
        per_round = result.per_round()
        row = {"Method": label}
        if len(per_round) > 1:
            row.update({f"Unique to round {int(r.round)}": int(r.unique_to_date) for r in per_round.itertuples()})
        else:
            row["Unique records"] = int(result.unique)
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- screening and the flow (03)

def stream_caption(what: str, streams: int) -> str:
    """A caption that ends "per stream" only when the search rounds were screened in several streams."""
    return what + (", per stream." if streams > 1 else ".")


def screening_status(screened) -> str:
    """What the screening data give, stream by stream, and what they do not give yet
    (``screened``: :class:`mmrs.stages.Screening`)."""
    parts = []
    for s in screened.streams.values():
        where = f"{s.label}: " if len(screened.streams) > 1 else ""
        how = "a Rayyan project" if s.route == "rayyan" else "exports of the records kept"
        if s.pending == "title_abstract":
            parts.append(f"{where}no screening decisions yet (" + _missing(s.missing) + ")")
        elif s.pending == "full_text":
            parts.append(f"{where}title/abstract decisions from {how}; no full-text decisions yet ("
                         + _missing(s.missing) + ")")
        else:
            parts.append(f"{where}title/abstract and full-text decisions from {how}"
                         + (" and the full-text sheet" if screened.sheet is not None and s.fulltext is None else ""))
    text = "Decisions given: " + "; ".join(parts) + "."
    if screened.unnamed:
        text += (" The screening folder also holds " + join(f"`{f}`" for f in screened.unnamed)
                 + ", which no setting names: if it is one of the files above under another name, rename it "
                 "or name it in `pipeline.yml`.")
    return text


def _missing(files: Sequence[str], code: bool = True) -> str:
    if not files:
        return "no file named"
    return (join(f"`{f}`" if code else f for f in files) + (" is" if len(files) == 1 else " are")
            + " not there yet")


def screening_table_note(screened) -> str | None:
    """Why the table of title/abstract decisions has nothing to count, or None."""
    waiting = [s.label for s in screened.streams.values() if s.pending == "title_abstract"]
    if len(waiting) == len(screened.streams):
        return "not screened yet: no title/abstract decisions are given (see the status above)"
    return None


def agreement_rows(stage: str, stream: str, rows: Mapping[str, dict], several_streams: bool) -> dict[str, dict]:
    """The rows of the agreement table for one stream and stage (``rows``: :func:`mmrs.agreement.by_group`),
    labelled "<stage>[, <stream>][: <round, pooled or mean>]": a stream of one round has one row (its
    round and the pooled figure are the same), and the stream is named only when there are several."""
    prefix = stage + (f", {stream}" if several_streams else "")
    groups = [k for k in rows if k not in ("pooled", "mean of rounds")]
    if len(groups) <= 1:
        return {prefix: rows["pooled"]}
    return {f"{prefix}: {k}": v for k, v in rows.items()}


def boxes_prose(counts: pd.Series, conflicts: int, screened) -> str:
    """What the partition of the records into boxes says, beyond the table (``counts``: records per box)."""
    total = int(counts.sum())
    text = f"The {count(total, 'record')} are in {count(int((counts > 0).sum()), 'box', 'boxes', words=True)}."
    waiting = int(counts.get("not_screened", 0))
    if waiting:
        if all(s.pending == "title_abstract" for s in screened.streams.values()):
            text += f" The {count(waiting, 'unique record')} wait for screening."
        elif any(s.pending == "title_abstract" for s in screened.streams.values()):
            text += (f" {count(waiting, 'unique record')} {'waits' if waiting == 1 else 'wait'} for screening (the "
                     "streams not screened yet), or had no decision under these settings.")
        else:
            text += (f" {count(waiting, 'unique record')} {'has' if waiting == 1 else 'have'} no screening decision "
                     "under these deduplication settings: a copy that the screening's deduplication had removed, "
                     "now kept apart.")
    awaiting = int(counts.get("awaiting_fulltext", 0))
    if awaiting:
        text += (f" {count(awaiting, 'record')} passed title and abstract screening and "
                 f"{'awaits' if awaiting == 1 else 'await'} the full-text decisions.")
    if conflicts:
        text += (f" In {count(conflicts, 'cluster')}, the records were decided differently; the cluster goes as far as "
                 "its furthest record went (listed below).")
    return text


def report_agreement(stats: Mapping, screened) -> str:
    """The report's sentence over the agreement table."""
    if not stats:
        return agreement_missing(screened) + "."
    return "The table gives the agreement of the reviewers' independent decisions, stage by stage."


def agreement_missing(screened) -> str:
    """Why no agreement is computed (the one row of the agreement table)."""
    if all(s.pending == "title_abstract" for s in screened.streams.values()):
        return "Not computed: no screening decisions are given yet"
    return ("Not computed: the decisions given are the team's final ones, and agreement needs each reviewer's "
            "independent decisions (an export of the records each reviewer kept, or a screening tool's event log)")


def agreement_prose(carried: Mapping[str, Mapping], labels: Mapping[str, str], summary: str) -> str:
    """What the agreement figures are, stream by stream and stage by stage, and which is carried into
    the text (``carried``: "<stream key>.<stage>" -> rows of :func:`mmrs.agreement.by_group`;
    ``labels``: stream key -> label; ``summary``: the ``agreement_summary`` parameter)."""
    if not carried:
        return ""
    parts, paradox = [], []
    for key, rows in carried.items():
        stream, stage = key.split(".", 1)
        where = "title and abstract" if stage == "title_abstract" else "full text"
        if len(labels) > 1:
            where += f" in {labels.get(stream, stream)}"
        pooled, mean = rows["pooled"], rows.get("mean of rounds")
        said = f"at {where}, on {pooled['percent']:.1f} % of {count(pooled['n'], 'record')}"
        if mean is not None:
            same = f"{pooled['percent']:.1f}" == f"{mean['percent']:.1f}"
            said += (" (the mean of the rounds gives the same)" if same
                     else f" ({mean['percent']:.1f} % as the mean of the rounds)")
        parts.append(said)
        k = pooled.get("kappa", pooled.get("fleiss"))
        if k is not None and k == k and pooled["percent"] >= 90 and k < 0.6:
            paradox.append(f"{where} ({pooled['percent']:.1f} % agreement, kappa {k:.2f})")
    text = "The reviewers agreed " + "; ".join(parts) + "."
    if any("mean of rounds" in rows for rows in carried.values()):
        text += (" The figure carried into the text is the one `agreement_summary` names: "
                 + ("the mean of the rounds." if summary == "mean of rounds" else "the pooled one."))
    if paradox:
        text += (" High agreement with a low kappa, as at " + join(paradox) + ", says that the reviewers agreed on "
                 "the easy exclusions and disagreed on a good share of the few candidates: exactly the records that "
                 "matter.")
    return text


def reasons_note(screened, flow) -> str | None:
    """Why the table of full-text reasons is empty, or None when it has rows."""
    if any(s.excluded_reasons for s in flow.streams) or (flow.other is not None and flow.other.excluded_reasons):
        return None
    if all(s.pending for s in flow.streams):
        return "None yet: no full-text decisions are given"
    return "No report was excluded at full text"


def flow_prose(flow) -> str:
    """Which PRISMA 2020 template the diagram follows for this run, and why; and where it stops."""
    drawn = [s for s in flow.streams if not s.previous]
    if flow.previous is not None:
        where = (f"the stream {flow.previous.stream}" if flow.previous.stream else
                 "the list of studies the search log names")
        text = (f"This review is an update: the diagram follows PRISMA 2020's template for updated reviews. It "
                f"starts from the {count(flow.previous.studies, 'study', 'studies')} included in the previous "
                f"version (from {where}), adds the new studies that the later searches found, and gives the "
                "total.")
    elif flow.single:
        text = ("The search ran once" + (" and was screened at once" if not flow.pending else "")
                + ": the diagram follows PRISMA 2020's template for new reviews.")
    else:
        text = (f"The search ran in {count(len(flow.rounds), 'round', words=True)}, screened in "
                f"{count(len(drawn), 'stream', words=True)}: the diagram follows PRISMA 2020's template for updated "
                "reviews, with one identification box per search round (its databases and their counts) and "
                "one screening column per stream.")
    if flow.other is not None:
        text += " Records found by other methods have a column of their own."
    waiting = [s for s in drawn if s.pending]
    for s in waiting:
        said = ("no screening decisions are given yet, so the flow stops at the records to screen."
                if s.pending == "title_abstract" else
                "the full-text decisions are not given yet, so the flow stops at the reports sought for retrieval.")
        text += " " + (f"{s.label}: {said}" if len(drawn) > 1 else said[0].upper() + said[1:])
    return text


def report_search(flow, unique: int, method: str) -> str:
    """The report's sentence on the search and its duplicates (the identification boxes)."""
    records = int(flow.rounds["records"].sum())
    removed = int(flow.rounds["duplicates_removed"].sum())
    dbs = flow.identified["database"].nunique()
    rounds = len(flow.rounds)
    how = "the strict rules" if method == "strict" else "the method of Bramer et al. (2016)"
    return (f"The searches returned {count(records, 'record')} from {count(dbs, 'database', words=True)}"
            + (f" in {count(rounds, 'round', words=True)}" if rounds > 1 else "")
            + f". After {count(removed, 'duplicate')} {'was' if removed == 1 else 'were'} removed by {how}, "
            + f"{count(unique, 'unique record')} remained.")


def report_screening(flow, screened) -> str:
    """The report's sentence on screening: how far it has gone, and what is missing."""
    drawn = [s for s in flow.streams if not s.previous]
    if all(s.pending == "title_abstract" for s in drawn):
        files = screened.missing
        return ("Screening has not started: no screening decisions are given yet"
                + (f" ({_missing(files, code=False)})" if files else "") + ". The unique records to upload to the "
                "screening tool are in results/upload/; its exports go to data/raw/screening/ when screening is "
                "done.")
    parts = []
    for s in drawn:
        who = f"{s.label}: " if len(drawn) > 1 else ""
        if s.pending == "title_abstract":
            parts.append(f"{who}not screened yet")
        elif s.pending == "full_text":
            parts.append(f"{who}of {count(s.screened, 'record')} screened on title and abstract, {s.sought:,} "
                         f"went on to full text, whose decisions are not given yet")
        else:
            parts.append(f"{who}of {count(s.screened, 'record')} screened on title and abstract, {s.sought:,} "
                         f"went on to full text and {count(s.included, 'study', 'studies')} "
                         f"{'was' if s.included == 1 else 'were'} included")
    text = "; ".join(parts)
    text = text[0].upper() + text[1:] + "."
    if flow.other is not None and not flow.other.awaiting:
        text += f" Other methods added {count(flow.other.included, 'study', 'studies')}."
    elif flow.other is not None:
        text += (f" {count(flow.other.awaiting, 'record')} found outside the search exports "
                 f"{'awaits' if flow.other.awaiting == 1 else 'await'} the full-text decisions too.")
    if flow.previous is not None:
        text += (f" With the {count(flow.previous.studies, 'study', 'studies')} of the previous version, the review "
                 f"includes {count(flow.included_total, 'study', 'studies')}" + (" so far." if flow.pending else "."))
    elif not flow.pending:
        if len(drawn) > 1 or flow.other is not None:  # the total is not said above
            text += f" The review includes {count(flow.included_total, 'study', 'studies')}."
    elif flow.included_total:
        text += (f" So far, {count(flow.included_total, 'study', 'studies')} "
                 f"{'is' if flow.included_total == 1 else 'are'} included.")
    else:
        text += " No study is included yet."
    return text


def reasons_caption(streams: int, other: bool) -> str:
    """The caption of the table of full-text exclusions, by the columns it has."""
    if streams > 1:
        return "Reports excluded at full text, by reason, per stream" + (" and for other methods." if other else ".")
    return "Reports excluded at full text, by reason" + (": records of the databases and of other methods." if other
                                                          else ".")


# --------------------------------------------------------------------------- the synthesis (04-06)

def appraisal_issues(issues: Mapping[str, pd.DataFrame], categories: Mapping[str, str]) -> str:
    """The criteria most often not met, per MMAT category (``issues``: category -> the rows of
    :func:`mmrs.appraisal.common_issues`; ``categories``: category -> its name)."""
    parts = []
    for category, top in issues.items():
        if top.empty:
            parts.append(f"every {categories.get(category, category).lower()} study met every criterion")
            continue
        said = join(f"{row.label.lower()} ({row.item}, {row.pct_not_yes:.0f} % not Yes)" for row in top.itertuples())
        parts.append(f"for the {categories.get(category, category).lower()} studies, {said}")
    text = "In this run, the criteria most often not met were: " + "; ".join(parts) + "."
    return text


def datasets_prose(studies: pd.DataFrame, strand: str = "quantitative") -> str:
    """Whether several articles report on one sample (their participants are then counted once)."""
    q = studies[studies["strand"] == strand]
    shared = q.groupby("dataset")["study_id"].size()
    shared = shared[shared > 1]
    text = (f"Every included {strand} study with its country, design, sample and the prevalence it reports, "
            "from the study sheet.")
    if shared.empty:
        return text + " Each study analyses a sample of its own."
    articles = int(shared.sum())
    return text + (f" {count(articles, 'article', words=True).capitalize()} analyse "
                   f"{count(len(shared), 'shared sample', words=True)} (a dataset each); the participants of a shared "
                   "sample are counted once, and it casts one vote.")


def motives_prose(motives: pd.DataFrame) -> str:
    """How many studies asked about motives, and how they are summarised."""
    n = motives["study_id"].nunique()
    k = motives["motive"].nunique()
    return (f"{count(n, 'study', 'studies', words=True).capitalize()} asked participants about their motives, "
            f"{count(k, 'motive', words=True)} in all. Their questions differ, so the "
            "synthesis reports the range of each motive across the studies that asked about it, and the direction "
            "of the gender differences.")


def qualitative_prose(studies: pd.DataFrame) -> str:
    """The methods of the qualitative studies, and those without participants to count."""
    q = studies[studies["strand"] == "qualitative"]
    methods = q["method"].fillna("").replace("", "not stated").value_counts()
    text = (f"The methods of the {count(len(q), 'qualitative study', 'qualitative studies')}: "
            + join(f"{m} ({n})" for m, n in methods.items()) + ".")
    none = q[q["participants"].isna()]
    if len(none):
        kinds = join(sorted(set(none["method"].fillna("not stated"))))
        text += (f" {count(len(none), 'study', 'studies', words=True).capitalize()} ({kinds}) report no "
                 "participants to count.")
    return text


def themes_prose(codebook: Mapping, long: pd.DataFrame) -> str:
    """What the codebook and the coding export hold."""
    themes = list(codebook)
    subthemes = sum(len(v or []) for v in codebook.values())
    return (f"The codebook defines {count(len(themes), 'theme', words=True)}"
            + (f" with {count(subthemes, 'subtheme', words=True)}" if subthemes else "")
            + f"; the coding export holds {count(int(long['references'].sum()), 'coded passage')} from "
            f"{count(long['source'].nunique(), 'study', 'studies')}.")
