"""Deduplication on hand-made records: copies that look different, works that look alike, rounds, review."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from mmrs import dedup, schema
from mmrs.errors import InputError

BASE = dict(authors="Gámez-Guadix, Manuel; Mateos-Pérez, Estibaliz", year=2021,
            title="Nonconsensual sharing of sexts among adolescents: a longitudinal study",
            journal="Journal of Youth Studies", volume="24", issue="3", pages="1133-1145", doi="10.5555/jys.1")


def table(*rows) -> pd.DataFrame:
    frame = pd.DataFrame([{**r, "line": i + 1} for i, r in enumerate(rows)])
    frame["source_file"] = "test"
    frame["format"] = "test"
    return schema.to_records(frame)


def rec(rid, round=1, database="Scopus", **fields):
    return {"record_id": rid, "round": round, "database": database, **{**BASE, **fields}}


def clusters(records, **kw):
    res = dedup.deduplicate(records, **kw)
    groups = res.clusters.groupby("cluster")["record_id"].apply(lambda s: tuple(sorted(s)))
    return sorted(groups), res


COPY_PUBMED = dict(authors="Gamez-Guadix M; Mateos-Perez E",
                   title="Nonconsensual Sharing of Sexts among Adolescents: A Longitudinal Study.",
                   journal="Journal of youth studies", pages="1133-45", doi=None, database="PubMed")
COPY_WOS = dict(authors="Gamez-Guadix, M; Mateos-Perez, E", journal="JOURNAL OF YOUTH STUDIES",
                title="Nonconsensual sharing of sexts among adolescents: A longitudinal study", database="Web of Science")


@pytest.mark.parametrize("method", ["bramer", "strict"])
def test_copies_written_differently_are_one_work(method):
    records = table(rec("a"), rec("b", **COPY_PUBMED), rec("c", **COPY_WOS))
    groups, res = clusters(records, method=method)
    assert groups == [("a", "b", "c")]
    assert res.unique == 1 and res.clusters.loc[res.clusters["kept"], "record_id"].tolist() == ["b"]  # PubMed first


def test_early_access_copy_is_flagged_by_bramer_and_merged_by_strict():
    early = rec("e", year=2020, volume=None, issue=None, pages=None, title=BASE["title"] + ".")
    records = table(rec("a"), early)
    groups, res = clusters(records, method="bramer")
    assert groups == [("a",), ("e",)]  # no automatic pass matches: volume, pages and year differ
    assert res.flagged[["record_id_1", "record_id_2", "pass"]].values.tolist() == [["e", "a", "6 title (review)"]]
    assert res.flagged["decided_by"].tolist() == ["default (separate)"]
    assert clusters(records, method="bramer", review_default="merge")[0] == [("a", "e")]
    assert clusters(records, method="strict")[0] == [("a", "e")]  # same DOI


LOOKALIKES = {
    "same title, other journal and authors": dict(authors="Smith, John", journal="Computers in Society",
                                                   volume="9", pages="10-20", doi="10.5555/cs.9"),
    "correction of the article": dict(title="Correction to: " + BASE["title"], pages="1400", issue="4",
                                      doi="10.5555/jys.2"),
    "part 2 of a series": dict(title=BASE["title"] + " Part 2", pages="1146-1160", doi="10.5555/jys.3"),
    "reply to the article": dict(authors="Roe, Richard", title="Reply to: " + BASE["title"], pages="1200",
                                 doi="10.5555/jys.4"),
}


@pytest.mark.parametrize("kind", sorted(LOOKALIKES))
@pytest.mark.parametrize("method", ["bramer", "strict"])
def test_different_works_that_look_alike_stay_apart(method, kind):
    records = table(rec("a"), rec("b", database="Web of Science", **LOOKALIKES[kind]))
    assert clusters(records, method=method)[0] == [("a",), ("b",)]


def test_congress_abstract_fools_bramer_pass_1_but_not_strict():
    abstract = rec("b", pages="S112", issue="Suppl 1", doi=None, type="Meeting Abstract", database="Web of Science")
    records = table(rec("a", type="Article"), abstract)
    groups, res = clusters(records, method="bramer")
    assert groups == [("a", "b")] and res.evidence["pass"].tolist() == ["1 author+year+title+journal"]
    assert clusters(records, method="strict")[0] == [("a",), ("b",)]


def test_two_dois_in_one_cluster_are_refused_even_through_a_chain():
    # b has no DOI and matches both a and c by title, but a and c carry different DOIs
    records = table(rec("a"), rec("b", doi=None, database="PsycInfo"),
                    rec("c", doi="10.5555/other", volume=None, pages=None, database="Web of Science"))
    groups, _ = clusters(records, method="strict")
    assert ("a", "b", "c") not in groups


@pytest.mark.parametrize("note", ["n/a", "N.PAG"])
def test_bramer_does_not_merge_two_works_whose_pages_say_there_are_none(note):
    """Two articles of one team in one volume and issue, both exported with a note for pages: passes 4
    (author, volume, pages) and 5 (year, volume, issue, pages) would merge them if the note counted
    as a page; roman pages still do (the same front matter copied by two databases)."""
    other = dict(title="Sexting and consent among young adults: a survey", doi="10.5555/jys.2")
    apart = table(rec("a", pages=note, doi=None), rec("b", pages=note, database="PsycInfo", **{**other, "doi": None}))
    assert clusters(apart, method="bramer", passes=["4", "5"])[0] == [("a",), ("b",)]
    roman = table(rec("a", pages="xii-xiv", doi=None), rec("b", pages="xii-xiv", database="PsycInfo",
                                                           **{**other, "doi": None}))
    assert clusters(roman, method="bramer", passes=["4"])[0] == [("a", "b")]


def test_missing_fields_never_match_and_do_not_crash():
    empty = dict(authors=None, title=None, journal=None, volume=None, issue=None, pages=None, doi=None, year=None)
    records = table(rec("a", **empty), rec("b", **empty), rec("c"))
    for method in ("bramer", "strict"):
        assert clusters(records, method=method)[0] == [("a",), ("b",), ("c",)]


def test_later_rounds_join_earlier_records_and_never_bridge_them():
    records = table(
        rec("r1-a"),
        rec("r1-b", authors="Other, Author", title="A different study of sexting", doi="10.5555/x", pages="1-9"),
        rec("r3-copy", round=3, database="PubMed", **{k: v for k, v in COPY_PUBMED.items() if k != "database"}),
    )
    groups, res = clusters(records, method="bramer")
    assert groups == [("r1-a", "r3-copy"), ("r1-b",)]
    kept = res.clusters.set_index("record_id")["kept_record_id"]
    assert kept["r3-copy"] == "r1-a"  # the earlier round's record is kept, whatever the database
    rounds = res.per_round().set_index("round")
    assert rounds.loc[3, "new_unique"] == 0 and rounds.loc[3, "unique_to_date"] == 2
    assert res.pass_table().set_index("Pass").loc["1 author+year+title+journal", "Round 3"] == 1


def test_a_round_cannot_merge_two_clusters_of_an_earlier_round():
    a = rec("a", title="Alpha study of sexting", doi=None, pages="1-5")
    b = rec("b", title="Beta study of sexting", doi=None, pages="6-9")
    bridge = rec("c", round=2, title="Alpha study of sexting", doi=None, pages="6-9")  # matches a by title, b by pages
    groups, _ = clusters(table(a, b, bridge), method="bramer", passes=["1", "4"])
    assert ("a", "b", "c") not in groups and len(groups) == 2


def _decisions(tmp_path, rows, header="record_id_1,record_id_2,decision,reviewer,note"):
    path = tmp_path / "decisions.csv"
    path.write_text(header + "\n" + "".join(f"{r}\n" for r in rows))
    return path


def test_recorded_decisions_settle_flagged_pairs(tmp_path):
    early = rec("e", year=2020, volume=None, issue=None, pages=None)
    records = table(rec("a"), early)
    path = _decisions(tmp_path, ["a,e,duplicate,R1,same DOI"])
    groups, res = clusters(records, method="bramer", decisions=path)
    assert groups == [("a", "e")]
    assert res.flagged["decided_by"].tolist() == ["recorded decision"]
    assert res.evidence["pass"].tolist() == ["6 title (review)"]


@pytest.mark.parametrize("rows,message", [
    (["a,zz,duplicate,R1,"], "line 2: a decision about a and zz, a pair the method did not flag"),
    (["a,e,maybe,R1,"], "line 2: expected decision 'duplicate' or 'not duplicate'"),
    (["a,e,duplicate,R1,", "e,a,not duplicate,R1,"], "line 3: the pair is decided twice (first on line 2)"),
])
def test_bad_decision_files_name_the_line(tmp_path, rows, message):
    records = table(rec("a"), rec("e", year=2020, volume=None, issue=None, pages=None))
    with pytest.raises(InputError, match="decisions.csv, " + message.replace("(", r"\(").replace(")", r"\)")):
        dedup.deduplicate(records, decisions=_decisions(tmp_path, rows))


def test_decision_file_with_wrong_columns(tmp_path):
    records = table(rec("a"))
    with pytest.raises(InputError, match="line 1: expected the columns"):
        dedup.deduplicate(records, decisions=_decisions(tmp_path, [], header="a,b,decision"))


def test_passes_and_parameters_are_checked():
    records = table(rec("a"), rec("b", **COPY_WOS))
    assert clusters(records, method="bramer", passes=["3"])[0] == [("a", "b")]  # title+volume+pages
    assert clusters(records, method="bramer", passes=["5"])[0] == [("a", "b")]  # year+volume+issue+pages
    with pytest.raises(ValueError, match="unknown Bramer pass"):
        dedup.deduplicate(records, passes=["9"])
    with pytest.raises(ValueError, match="unknown method"):
        dedup.deduplicate(records, method="magic")
    with pytest.raises(InputError, match="record_id 'a' appears twice"):
        dedup.deduplicate(table(rec("a"), rec("b")).assign(record_id=["a", "a"]))


def test_evaluation_on_a_hand_computed_example():
    # truth: {1,2,3} one work, {4,5} one work, {6} alone; predicted: {1,2}, {3}, {4,5,6}
    truth = pd.Series(["w1", "w1", "w1", "w2", "w2", "w3"], index=list("123456"))
    pred = pd.Series(["a", "a", "b", "c", "c", "c"], index=list("123456"))
    m = dedup.evaluate(pred, truth)
    assert (m["removable"], m["tp"], m["fn"], m["fp"], m["tn"]) == (3, 2, 1, 1, 2)
    assert m["sensitivity"] == pytest.approx(2 / 3) and m["specificity"] == pytest.approx(2 / 3)
    assert m["false_merge_clusters"] == 1
    # records in duplicate sets: 1-5 are duplicates; predicted duplicates 1,2,4,5,6
    assert (m["set_tp"], m["set_fp"], m["set_fn"], m["set_tn"]) == (4, 1, 1, 0)
    # pairs: true 3+1=4, predicted 1+3=4, shared (1,2),(4,5)=2
    assert m["pair_precision"] == m["pair_recall"] == 0.5


@pytest.mark.realdata
def test_strict_method_on_bib_dedupe_special_cases(realdata):
    raw = pd.read_csv(realdata / "bib-dedupe" / "special_cases" / "records_pre_merged.csv", dtype=str)
    records = schema.to_records(pd.DataFrame({
        "record_id": raw["ID"], "source_file": "special_cases", "line": range(2, len(raw) + 2), "format": "csv",
        "authors": raw["author"].str.replace(" and ", "; "), "title": raw["title"], "journal": raw["journal"],
        "year": pd.to_numeric(raw["year"], errors="coerce"), "volume": raw["volume"], "issue": raw["issue"],
        "pages": raw["pages"], "doi": raw["doi"], "type": raw["ENTRYTYPE"]}))
    groups = pd.read_csv(realdata / "bib-dedupe" / "special_cases" / "merged_record_ids.csv")["merged_ids"]
    truth = pd.Series(list(records["record_id"]), index=list(records["record_id"]))
    for g in groups:
        truth.loc[g.split(";")] = g.split(";")[0]
    res = dedup.deduplicate(records, method="strict")
    m = dedup.evaluate(res.clusters.set_index("record_id")["cluster"], truth)
    assert m["fp"] == 0 and m["tp"] == m["removable"] == 3


def test_strict_reads_database_notes_and_correction_citations():
    """PubMed's '[Erratum appears in ...]' note is not part of the title; a Web of Science
    correction that cites its article '(vol 24, pg 1133, 2021)' is a correction, not the article."""
    noted = rec("n", doi=None, database="PubMed", title=BASE["title"] + ".[Erratum appears in J Youth Stud. 2021 Ju")
    correction = rec("c", doi=None, database="Web of Science", pages="1500", issue="9",
                     title=BASE["title"] + " (vol 24, pg 1133, 2021)")
    correction2 = rec("d", doi=None, database="Scopus", pages="1500-1500", issue="9",
                      title="Erratum: " + BASE["title"] + " (Journal of Youth Studies (2021) 24 (1133-1145))")
    groups, _ = clusters(table(rec("a"), noted, correction, correction2), method="strict")
    assert groups == [("a", "n"), ("c", "d")]


def test_strict_merges_a_book_series_volume_listed_under_two_names():
    series = rec("s", doi=None, journal="Autoimmunity, Part A: Basic Principles", volume="1109", pages="93-105")
    journal = rec("j", doi=None, journal="Annals of the New York Academy of Sciences", volume="1109", pages="93-105")
    other_pages = rec("o", doi=None, journal="Annals of the New York Academy of Sciences", volume="1109",
                      pages="93", title=BASE["title"])
    assert clusters(table(series, journal), method="strict")[0] == [("j", "s")]
    # a single page is not enough to set two journal names aside
    assert clusters(table(series, other_pages), method="strict")[0] == [("o",), ("s",)]


def test_strict_ignores_a_month_as_volume():
    garbled = rec("g", doi=None, volume="(Jul)", pages=None)
    assert clusters(table(rec("a", doi=None), garbled), method="strict")[0] == [("a", "g")]


def test_strict_reads_a_broken_supplement_volume_as_a_supplement():
    """'1)' is what some exports leave of '(SUPPL. 1)': no volume number, but a supplement."""
    garbled = rec("g", doi=None, volume="1)", issue=None, pages=None)
    supplement = rec("s", doi=None, issue="Suppl 1", pages=None)
    assert clusters(table(supplement, garbled), method="strict")[0] == [("g", "s")]
    assert clusters(table(rec("a", doi=None), garbled), method="strict")[0] == [("a",), ("g",)]


def test_strict_reads_letter_prefixed_pages():
    prefixed = rec("p", doi=None, journal="Journal of Youth Studies - Clinical Practice", pages="c1133-c1145",
                   year=2020, title=BASE["title"])
    assert clusters(table(rec("a", doi=None), prefixed), method="strict")[0] == [("a", "p")]


def test_decisions_for_pairs_other_settings_do_not_flag_are_listed_not_fatal(tmp_path):
    """Decisions recorded under Bramer's seven passes (the default when the file does not say)
    are an error only under those settings; under other passes or the strict method they are counted."""
    records = table(rec("a"), rec("e", year=2020, volume=None, issue=None, pages=None))
    path = _decisions(tmp_path, ["a,e,duplicate,R1,same DOI"])
    for kw in ({"passes": ["1", "2", "3", "4", "5"]}, {"method": "strict"}):
        res = dedup.deduplicate(records, decisions=path, **kw)
        assert res.unused_decisions[["record_id_1", "record_id_2", "decision", "line"]].values.tolist() == [
            ["a", "e", "duplicate", 2]]
    assert dedup.deduplicate(records, decisions=path).unused_decisions.empty
    unused = _decisions(tmp_path, ["a,zz,duplicate,R1,"])
    with pytest.raises(InputError, match="a pair the method did not flag"):
        dedup.deduplicate(records, decisions=unused)  # the settings they were recorded under


def test_decisions_no_pass_could_use_give_the_result_without_them_and_reuse_it(tmp_path, monkeypatch):
    """Where no pass flags a pair for a person (the strict method; Bramer's passes 1-5), recorded decisions
    change no merge: the result is the one run() gives with them, frame for frame, computed once from the
    result without them (the cache's entry for that call, whichever decisions file is given)."""
    from mmrs import cache
    from mmrs.dedup import engine

    records = table(rec("a"), rec("e", year=2020, volume=None, issue=None, pages=None), rec("b", doi="10.1/b"))
    path = _decisions(tmp_path, ["b,a,not duplicate,R1,", "a,e,duplicate,R1,same DOI"])
    for method, kw in (("strict", {}), ("bramer", {"passes": ["1", "2", "3", "4", "5"]})):
        got = dedup.deduplicate(records, method, decisions=path, **kw)
        if method == "strict":
            chosen, keys = dedup.strict.build(records, dedup.normalize.keys(records, only=dedup.strict.KEYS))
            want = engine.run(records, chosen, method="strict", parameters={"title_threshold": 0.95},
                              decisions=dedup.read_decisions(path), decisions_file=str(path), keys=keys,
                              cluster_guards=dedup.strict.CLUSTER_GUARDS)
        else:
            want = engine.run(records, dedup.bramer.passes(kw["passes"]), method="bramer",
                              parameters={"passes": kw["passes"], "review_default": "separate"},
                              decisions=dedup.read_decisions(path), decisions_file=str(path))
        for f in dataclasses.fields(want):
            mine, theirs = getattr(got, f.name), getattr(want, f.name)
            if isinstance(theirs, pd.DataFrame):
                pd.testing.assert_frame_equal(mine, theirs, obj=f"{method}: {f.name}")
            else:
                assert mine == theirs, f"{method}: {f.name}"
        assert got.unused_decisions[["record_id_1", "record_id_2", "line"]].values.tolist() == [
            ["a", "b", 2], ["a", "e", 3]]
    with pytest.raises(ValueError, match="review_default"):
        dedup.deduplicate(records, "strict", decisions=path, review_default="ask")

    monkeypatch.setenv(cache.CACHE_DIR, str(tmp_path / "cache"))
    calls = []
    real_build = dedup.strict.build
    monkeypatch.setattr(dedup.strict, "build", lambda *a, **k: calls.append(1) or real_build(*a, **k))
    plain = dedup.deduplicate(records, "strict")
    with_them = dedup.deduplicate(records, "strict", decisions=path)
    (tmp_path / "other").mkdir()
    dedup.deduplicate(records, "strict", decisions=_decisions(tmp_path / "other", ["a,b,duplicate,R2,"]))
    assert len(calls) == 1, "the strict rules ran again for a decisions file they cannot use"
    pd.testing.assert_frame_equal(with_them.clusters, plain.clusters)
    assert plain.unused_decisions.empty and len(with_them.unused_decisions) == 2


def test_a_decisions_header_names_the_settings_it_was_recorded_under(tmp_path):
    records = table(rec("a"), rec("e", year=2020, volume=None, issue=None, pages=None))
    path = tmp_path / "decisions.csv"
    path.write_text("# method: bramer\n# passes: 1, 2, 3\nrecord_id_1,record_id_2,decision,reviewer,note\n"
                    "a,zz,duplicate,R1,\n")
    with pytest.raises(InputError, match="decisions.csv, line 4: a decision about a and zz"):
        dedup.deduplicate(records, decisions=path, passes=["1", "2", "3"])
    res = dedup.deduplicate(records, decisions=path)  # all seven passes: other settings
    assert len(res.unused_decisions) == 1
    assert dedup.read_decisions(path).recorded_under == {"method": "bramer", "passes": ["1", "2", "3"]}
    path.write_text("# recorded by: R1\nrecord_id_1,record_id_2,decision,reviewer,note\n")
    with pytest.raises(InputError, match="line 1: expected a header line"):
        dedup.read_decisions(path)


def test_evaluation_on_the_records_the_truth_knows():
    truth = pd.Series(["w1", "w1", "w2"], index=["1", "2", "3"])
    pred = pd.Series(["a", "a", "b", "c", "c"], index=["1", "2", "3", "x", "y"])
    scores, unchecked = dedup.evaluate_known(pred, truth)
    assert unchecked == 2 and scores["records"] == 3 and scores["tp"] == 1 and scores["fp"] == 0
    assert dedup.evaluate_known(pred[["x", "y"]], truth) == (None, 2)
    pairs = dedup.same_work(truth, pd.Series(["1", "1", "x"]), pd.Series(["2", "3", "1"]))
    assert pairs.tolist() == [True, False, pd.NA]


def test_merges_no_doi_or_issue_confirms_are_listed_for_a_person():
    """Bramer's pass 3 (title, volume, pages) merges two journals' editorials with the same page numbers."""
    editorial = dict(title="Editorial", authors=None, volume="12", pages="1-2", doi=None)
    records = table(rec("a", journal="Journal of Youth Studies", issue="1", **editorial),
                    rec("b", journal="Sexuality and Culture", issue="3", **editorial),
                    rec("c"), rec("d", **COPY_WOS))
    res = dedup.deduplicate(records, passes=["1", "3", "6"])
    check = dedup.merges_to_check(res, records)
    assert check[["record_id", "matched"]].values.tolist() == [["b", "a"]]
    assert (check.loc[0, "journal"], check.loc[0, "matched_journal"]) == ("Sexuality and Culture",
                                                                         "Journal of Youth Studies")
    assert clusters(records, method="strict")[0] == [("a",), ("b",), ("c", "d")]


# -- the labelled sets ------------------------------------------------------------------------------------

LABELLED = ("respiratory", "haematology", "stroke", "special_cases")


@pytest.mark.realdata
@pytest.mark.parametrize("name", LABELLED)
def test_strict_merges_no_two_works_of_a_labelled_set(realdata, name):
    """bib-dedupe's labelled benchmarks (real database exports, duplicates marked by people): the strict
    method merges no records of two works, and finds most of the duplicates (these sets were looked at
    while its rules were written: in-sample)."""
    records, truth = dedup.read_labelled(realdata / "bib-dedupe" / name)
    res = dedup.deduplicate(records, method="strict")
    m = dedup.evaluate(res.clusters.set_index("record_id")["cluster"], truth)
    assert m["fp"] == 0, res.merges
    assert m["sensitivity"] > 0.9


@pytest.mark.realdata
def test_sifting_a_large_block_changes_no_decision(realdata, monkeypatch):
    """The title pass sets aside the pairs whose titles are too far apart for any of its rules (a large
    block's all at once, the small blocks' pairs together); sifting every block and sifting none give
    the same clusters and the same evidence."""
    from mmrs.dedup import engine

    # computed each time: the cache's key holds the arguments, not the block size, so with the test
    # session's cache the second call would return the first one's result and compare it with itself
    monkeypatch.delenv("MMRS_CACHE_DIR", raising=False)
    records, _ = dedup.read_labelled(realdata / "bib-dedupe" / "haematology")
    results = []
    for start, small in ((2, True), (10**9, False)):  # every block sifted, by blocks or by pairs; none
        monkeypatch.setattr(engine, "SIFT_FROM", start)
        monkeypatch.setattr(engine, "SIFT_SMALL", small)
        results.append(dedup.deduplicate(records, method="strict"))
    sifted, whole = results
    pd.testing.assert_frame_equal(sifted.clusters, whole.clusters)
    pd.testing.assert_frame_equal(sifted.evidence, whole.evidence)
    assert len(sifted.merges) > 100


def _pairs_by_definition(keys, fields, active, new, priority, worth=None):
    """block_pairs written out one block and one pair at a time, with the sieve asked pair by pair."""
    import numpy as np

    sub = keys.loc[active, list(fields)].dropna()
    blocks: dict = {}
    for k, key in zip(sub.index, sub.itertuples(index=False, name=None)):
        blocks.setdefault(key, []).append(k)  # in the order of the keys' first appearance
    for members in blocks.values():
        members = sorted(members, key=lambda k: priority[k])
        for a, i in enumerate(members):
            if not new[i]:
                continue
            for b, j in enumerate(members):
                if b != a and (b < a or not new[j]) and (
                        worth is None or worth.pairs(np.array([i]), np.array([j]))[0]):
                    yield i, j


@pytest.mark.parametrize("sift_from", [2, 5, 10**9])
@pytest.mark.parametrize("sieve", [False, True])
def test_block_pairs_gives_each_blocks_pairs_in_order(monkeypatch, sift_from, sieve):
    """Random keys (some missing) over three rounds: the pairs of ``block_pairs``, small blocks taken
    all at once and large ones one by one, equal the pairs of its definition, in the same order, with
    and without a sieve (here: the two records' positions differ by an odd number)."""
    import numpy as np

    from mmrs.dedup import engine

    monkeypatch.setattr(engine, "SIFT_FROM", sift_from)
    rng = np.random.default_rng(7)
    n = 300
    keys = pd.DataFrame({"a": rng.choice(["x", "y", "z", None], n), "b": rng.integers(0, 12, n).astype(object)})
    keys.loc[rng.random(n) < 0.1, "b"] = None
    rounds = rng.integers(1, 4, n)
    priority = rng.permutation(n)
    odd = engine.Sieve(block=lambda members, rows: (members[rows][:, None] - members[None, :]) % 2 == 1,
                       pairs=lambda i, j: (i - j) % 2 == 1)
    worth = odd if sieve else None
    for r in (1, 2, 3):
        active, new = rounds <= r, rounds == r
        for fields in (("a",), ("a", "b")):
            got = list(engine.block_pairs(keys, fields, active, new, priority, worth))
            assert got == list(_pairs_by_definition(keys, fields, active, new, priority, worth))
            assert got and all(type(i) is int and type(j) is int for i, j in got)


# -- the result's tables, as the notebooks report them -------------------------------------------------

def _two_rounds():
    """Round 1: one work found by Scopus and PubMed, and another work; round 2: the first work again
    (Web of Science) and the online-first copy Bramer's pass 6 flags for a person."""
    return table(rec("a"), rec("b", **COPY_PUBMED),
                 rec("x", authors="Other, Author", title="A different study of sexting", doi="10.5555/x",
                     pages="1-9"),
                 rec("c", round=2, **COPY_WOS),
                 rec("e", round=2, year=2020, volume=None, issue=None, pages=None, database="PsycInfo"))


def test_the_result_tables_count_each_round_and_pass():
    res = dedup.deduplicate(_two_rounds(), method="bramer")
    assert res.per_round().to_dict("records") == [
        {"round": 1, "records": 3, "duplicates_removed": 1, "new_unique": 2, "unique_to_date": 2},
        {"round": 2, "records": 2, "duplicates_removed": 1, "new_unique": 1, "unique_to_date": 3}]
    removed = res.pass_table().set_index("Pass")
    assert list(removed.columns) == ["Round 1", "Round 2", "Total"]
    assert removed.loc["1 author+year+title+journal"].tolist() == [1, 1, 2]
    assert removed["Total"].sum() == 2 and removed.loc["6 title (review)"].tolist() == [0, 0, 0]
    kept = res.kept_records()
    assert kept["record_id"].tolist() == ["b", "x", "e"] and kept["kept"].all()
    # the flagged pair: e against the round-1 cluster (b is kept for it), left apart by default
    assert res.review_summary().to_dict("records") == [
        {"round": 2, "pass": "6 title (review)", "decision": "not duplicate", "decided_by": "default (separate)",
         "pairs": 1}]
    assert res.overlap().to_dict() == {("PsycInfo",): 1, ("PubMed", "Scopus", "Web of Science"): 1,
                                       ("Scopus",): 1}


def test_the_pass_table_keeps_the_order_the_passes_ran_in():
    res = dedup.deduplicate(_two_rounds(), method="strict")
    removed = res.pass_table()
    assert removed["Pass"].tolist() == ["doi", "bibliographic", "title"]
    # round 1: b (no DOI) joins a by volume and first page; round 2: c and e carry a's DOI
    assert removed.set_index("Pass").values.tolist() == [[0, 2, 2], [1, 0, 1], [0, 0, 0]]
    assert res.review_summary().empty and list(res.review_summary().columns) == [
        "round", "pass", "decision", "decided_by", "pairs"]


def test_a_cluster_keeps_its_best_record_whichever_pair_joins_it():
    """A Web of Science record joins the PubMed copy by DOI, then a Scopus record joins the Web of
    Science one by volume and page: the cluster keeps PubMed's record (earlier in the keep order than
    Scopus's), though the last pair joined was Web of Science's with Scopus's."""
    records = table(rec("p", database="PubMed", volume=None, issue=None, pages=None),
                    rec("w", database="Web of Science"),
                    rec("s", doi=None, title=BASE["title"] + " in Spain"))
    res = dedup.deduplicate(records, method="strict")
    assert res.clusters["kept_record_id"].tolist() == ["p", "p", "p"]
    assert res.merges[["pass", "record_id", "matched", "kept"]].values.tolist() == [
        ["doi", "w", "p", "p"], ["bibliographic", "w", "s", "p"]]


def test_a_decisions_header_is_read_however_its_comment_lines_are_spaced(tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text("#method: bramer\n#\n#passes: 1 2 3\nrecord_id_1,record_id_2,decision,reviewer,note\n"
                    "a,e,duplicate,R1,\n")
    decisions = dedup.read_decisions(path)
    assert decisions.recorded_under == {"method": "bramer", "passes": ["1", "2", "3"]}
    assert decisions == {frozenset(("a", "e")): (True, 5)}
    path.write_text("# method: strict\n# recorded by: R1\nrecord_id_1,record_id_2,decision,reviewer,note\n")
    with pytest.raises(InputError, match=r"decisions\.csv, line 2: expected a header line"):
        dedup.read_decisions(path)


def test_an_empty_decisions_file_names_its_first_line(tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text("")
    with pytest.raises(InputError, match=r"decisions\.csv, line 1: expected the columns record_id_1,"):
        dedup.read_decisions(path)


def test_decisions_are_a_mapping_of_pairs():
    pair = frozenset(("a", "e"))
    decisions = dedup.engine.Decisions({pair: (False, 2)}, recorded_under={"method": "strict"})
    assert dict(decisions) == {pair: (False, 2)} and decisions.recorded_under == {"method": "strict"}
    assert dedup.engine.Decisions().recorded_under == dedup.engine.DEFAULT_RECORDED_UNDER


def test_a_cluster_without_a_doi_takes_on_the_doi_of_a_record_it_joins():
    """The PubMed record (kept, no DOI) joins the Scopus copy that carries DOI Y; the Web of Science record
    with DOI X (and another issue, so not one article with two DOIs) matches the PubMed record by volume
    and page too, but the cluster now holds Y, so it stays apart."""
    records = table(rec("p", database="PubMed", doi=None), rec("s", doi="10.5555/y"),
                    rec("w", database="Web of Science", doi="10.5555/x", issue="8"))
    groups, res = clusters(records, method="strict")
    assert groups == [("p", "s"), ("w",)]
    assert res.refusals[["record_id", "matched", "rule"]].values.tolist() == [
        ["w", "p", "one cluster would hold two doi values (overruled: same volume and first page)"],
        ["w", "s", "different DOIs (overruled: same volume and first page)"]]


def test_blocks_are_taken_in_the_order_their_records_come():
    zebra = dict(title="Zebra crossings and sexting", doi=None)
    alpha = dict(title="Alpha males and sexting", doi=None)
    records = table(rec("z1", **zebra), rec("a1", **alpha), rec("z2", **zebra), rec("a2", **alpha))
    res = dedup.deduplicate(records, method="bramer", passes=["1"])
    assert res.merges[["record_id", "matched"]].values.tolist() == [["z2", "z1"], ["a2", "a1"]]


def test_a_record_without_a_round_counts_as_found_first():
    """A record without a round is taken to come before the first round: it is the one kept."""
    records = table(rec("w", round=None, database="Web of Science"), rec("p", database="PubMed"))
    res = dedup.deduplicate(records, method="strict")
    assert res.clusters["kept_record_id"].tolist() == ["w", "w"]


def test_a_block_of_many_records_gives_every_pair_to_its_pass(monkeypatch):
    """Twenty-six editorials of one title, one a year in different journals: a block of 26 records
    (large blocks are sifted by the title pass's test of titles): Bramer's pass 6 flags each of the
    325 pairs, and the strict method merges none of them (recurring column, years apart)."""
    monkeypatch.delenv("MMRS_CACHE_DIR", raising=False)  # each call computes (the block size is no argument)
    editorials = [rec(f"e{k:02d}", title="Editorial", authors="Berg, Anne", year=1990 + k, journal=f"Journal {k}",
                      volume=str(k + 1), issue="1", pages="1", doi=None) for k in range(26)]
    # after them, one work found twice, online a year before its issue: it shares only the title's
    # blocks with the other copy, each found after the editorials' block of the same fields
    online = dict(title="Sexting among adolescents in Norway", authors="Holm, Kari", doi=None)
    records = table(*editorials, rec("p", year=2020, volume="12", issue="1", pages="1-10", **online),
                    rec("q", year=2019, volume=None, issue=None, pages=None, database="PsycInfo", **online))
    res = dedup.deduplicate(records.iloc[:26], method="bramer", passes=["6"])
    assert len(res.flagged) == 26 * 25 // 2 and res.unique == 26
    assert set(res.flagged["decided_by"]) == {"default (separate)"}
    from mmrs.dedup import engine
    for start, small in ((engine.SIFT_FROM, True), (10**9, False)):  # sifted, or not at all
        monkeypatch.setattr(engine, "SIFT_FROM", start)
        monkeypatch.setattr(engine, "SIFT_SMALL", small)
        strict = dedup.deduplicate(records, method="strict")
        assert strict.unique == 27 and strict.merges[["record_id", "matched", "rule"]].values.tolist() == [
            ["q", "p", "online first"]]


TOPICS = ("loneliness", "gaming", "alcohol", "sleep", "religion", "athletics", "music", "poverty", "migration",
          "disability", "parenting", "school climate", "workplace")


@pytest.mark.parametrize("again", [1, 2])
def test_a_large_block_merges_the_same_pairs_sifted_or_not(monkeypatch, again):
    """Thirteen works by one author in one year, each found in round 1 and again in round 1 or 2 (the
    second copy with a typo early in its title; no volume, pages or DOI): the only block that holds both
    copies of a work is the first author, year and title's first letters, 26 records, which the title
    pass sifts. Sifted or not, the same 13 pairs merge, each second copy matched with the first (in
    one round, the copy ranks after it: Web of Science after Scopus; in round 2, the first copy's
    cluster is closed but open to the new record)."""
    monkeypatch.delenv("MMRS_CACHE_DIR", raising=False)  # each call computes (the block size is no argument)
    rows = []
    for k, topic in enumerate(TOPICS):
        title = f"Image-based abuse and {topic} in young adults"
        rows += [rec(f"w{k:02d}", title=title, doi=None, volume=None, issue=None, pages=None),
                 rec(f"x{k:02d}", round=again, title=title.replace("abuse", "abuze"), doi=None, volume=None,
                     issue=None, pages=None, database="Web of Science")]
    records = table(*rows)
    from mmrs.dedup import engine
    results = []
    for start, small in ((engine.SIFT_FROM, True), (10**9, False)):  # sifted, or not at all
        monkeypatch.setattr(engine, "SIFT_FROM", start)
        monkeypatch.setattr(engine, "SIFT_SMALL", small)
        results.append(dedup.deduplicate(records, method="strict"))
    sifted, whole = results
    pd.testing.assert_frame_equal(sifted.evidence, whole.evidence)
    assert sorted(sifted.clusters.groupby("cluster")["record_id"].apply(tuple)) == [
        (f"w{k:02d}", f"x{k:02d}") for k in range(13)]
    assert sorted(sifted.merges[["record_id", "matched", "rule"]].values.tolist()) == [
        [f"x{k:02d}", f"w{k:02d}", "near-identical title"] for k in range(13)]


def test_decisions_recorded_under_settings_run_does_not_name(tmp_path):
    """``run`` called directly: settings without passes, or decisions whose settings name none beside
    settings that do, are not the settings the decisions were recorded under (a decision about a pair
    not flagged is listed); decisions recorded under the strict method are an error under it."""
    from mmrs.dedup import engine

    records = table(rec("a"), rec("e", year=2020, volume=None, issue=None, pages=None))
    pair = frozenset(("a", "zz"))
    for decisions, parameters in (({pair: (True, 2)}, {}),
                                  (engine.Decisions({pair: (True, 2)}, recorded_under={"method": "bramer"}),
                                   {"passes": ["1", "2"]})):
        res = engine.run(records, dedup.bramer.passes(), method="bramer", parameters=parameters,
                         decisions=decisions)
        assert res.unused_decisions.values.tolist() == [["a", "zz", "duplicate", 2]]
    path = tmp_path / "decisions.csv"
    path.write_text("# method: strict\nrecord_id_1,record_id_2,decision,reviewer,note\na,zz,duplicate,R1,\n")
    with pytest.raises(InputError, match="line 3: a decision about a and zz, a pair the method did not flag"):
        dedup.deduplicate(records, method="strict", decisions=path)


def test_the_overlap_counts_each_cluster_once_by_the_databases_of_its_records_in_name_order():
    """A cluster's databases sorted by name whatever its records' order, a record without a database
    adding none (a cluster of such records alone counts under no database), and the combinations in
    order of their names (the notebook's sort by count keeps that order for ties), indexed by
    ``database``."""
    from mmrs.dedup.engine import DedupResult

    clusters = pd.DataFrame({"cluster": [1, 1, 1, 2, 2, 3, 4, 5],
                             "database": ["Web of Science", "PubMed", "Scopus", "Scopus", None, pd.NA, "Scopus",
                                          "PsycInfo"]})
    overlap = DedupResult("strict", {}, clusters, pd.DataFrame(), pd.DataFrame(), pd.DataFrame()).overlap()
    assert list(overlap.items()) == [((), 1), (("PsycInfo",), 1), (("PubMed", "Scopus", "Web of Science"), 1),
                                     (("Scopus",), 2)]
    assert (overlap.index.name, overlap.name) == ("database", "count")


def test_records_without_a_round_are_a_round_0_that_a_later_round_cannot_bridge():
    """Records without a round come before round 1: they form a round 0 of their own in every table
    (the pass table, the evidence, the table per round), and when round 1 starts their clusters are
    closed, so a round-1 record that matches one by title and the other by pages cannot make them one."""
    a = rec("a", round=None, title="Alpha study of sexting", doi=None, pages="1-5")
    b = rec("b", round=None, title="Beta study of sexting", doi=None, pages="6-9")
    c = rec("c", title="Alpha study of sexting", doi=None, pages="6-9")
    groups, res = clusters(table(a, b, c), method="bramer", passes=["1", "4"])
    assert groups == [("a", "c"), ("b",)]
    assert res.evidence[["round", "record_id", "matched", "kept"]].values.tolist() == [[1, "c", "a", "a"]]
    assert res.pass_table().values.tolist() == [["1 author+year+title+journal", 0, 1, 1],
                                                ["4 author+volume+pages", 0, 0, 0]]
    assert list(res.pass_table().columns) == ["Pass", "Round 0", "Round 1", "Total"]
    assert res.per_round().to_dict("records") == [
        {"round": 0, "records": 2, "duplicates_removed": 0, "new_unique": 2, "unique_to_date": 2},
        {"round": 1, "records": 1, "duplicates_removed": 1, "new_unique": 0, "unique_to_date": 2}]
    assert clusters(table(a, b, {**c, "round": None}), method="bramer", passes=["1", "4"])[0] == [("a", "b", "c")]


def test_records_indexed_by_their_identifiers_are_deduplicated_as_any_others():
    """The frame's own index plays no part: records indexed by ``record_id`` (kept as a column too) give
    the clusters and evidence of the same records numbered from 0."""
    records = _two_rounds()
    plain = dedup.deduplicate(records, method="bramer")
    indexed = dedup.deduplicate(records.set_index("record_id", drop=False), method="bramer")
    pd.testing.assert_frame_equal(indexed.clusters, plain.clusters)
    pd.testing.assert_frame_equal(indexed.evidence, plain.evidence)


def test_the_evidence_and_the_flagged_pairs_show_the_fields_and_values_compared(monkeypatch):
    """Each merge with its round, pass, records, rule, the fields compared and their normalised values
    (joined by `` | ``), and the record kept; each flagged pair with both records' values."""
    monkeypatch.delenv("MMRS_CACHE_DIR", raising=False)  # computed here (other tests deduplicate the same records)
    res = dedup.deduplicate(_two_rounds(), method="bramer")
    values = ("gamezguadix m|mateosperez e | 2021 | nonconsensualsharingofsextsamongadolescentsalongitudinalstudy"
              " | journalofyouthstudies")
    assert res.evidence.values.tolist() == [
        [1, "1 author+year+title+journal", "a", "b", "merged", "1 author+year+title+journal",
         "authors, year, title, journal", values, "b"],
        [2, "1 author+year+title+journal", "c", "b", "merged", "1 author+year+title+journal",
         "authors, year, title, journal", values, "b"]]
    title = "nonconsensualsharingofsextsamongadolescentsalongitudinalstudy"
    assert res.flagged.values.tolist() == [
        [2, "6 title (review)", "e", "b", "title", title, title, "not duplicate", "default (separate)"]]


def test_passes_of_ones_own_decide_through_the_engine():
    """``run`` with passes written for another review: a refusal without an overruled rule is recorded
    with its rule as given, a pair accepted with ``True`` under the pass's description, a pass without
    ``accept`` merges every pair of its blocks under its name, and a pair it answers ``None`` is left to
    the passes after it; each cluster keeps its PubMed record."""
    from mmrs.dedup import engine

    records = table(rec("a"), rec("b", database="PubMed"), rec("c", database="PsycInfo"),
                    rec("d", database="ERIC", title="Another work"))
    ids = records["record_id"].tolist()

    def accept(i, j):
        pair = {ids[i], ids[j]}
        if pair == {"a", "b"}:
            return engine.Verdict(False, "different editions")
        return True if pair == {"a", "c"} else None

    res = engine.run(records, [engine.Pass("isbn", ("title",), description="same ISBN", accept=accept),
                               engine.Pass("year", ("year",))], method="own", parameters={"passes": ["isbn", "year"]})
    assert (res.method, res.parameters) == ("own", {"passes": ["isbn", "year"]})  # as the narrative names them
    title = "nonconsensualsharingofsextsamongadolescentsalongitudinalstudy"
    assert res.evidence.values.tolist() == [
        [1, "isbn", "a", "b", "refused", "different editions", "title", title, None],
        [1, "isbn", "c", "a", "merged", "same ISBN", "title", title, "a"],
        [1, "year", "a", "b", "merged", "year", "year", "2021", "b"],
        [1, "year", "d", "b", "merged", "year", "year", "2021", "b"]]
    assert res.passes.values.tolist() == [[1, "isbn", 1], [1, "year", 2]]
    assert res.clusters["kept_record_id"].tolist() == ["b"] * 4
    assert res.clusters["cluster"].tolist() == [1] * 4 and pd.api.types.is_integer_dtype(res.clusters["cluster"])
    assert list(res.evidence.columns) == ["round", "pass", "record_id", "matched", "decision", "rule", "fields",
                                          "values", "kept"]
    assert list(res.flagged.columns) == ["round", "pass", "record_id_1", "record_id_2", "fields", "values_1",
                                         "values_2", "decision", "decided_by"] and res.flagged.empty
    assert list(res.unused_decisions.columns) == ["record_id_1", "record_id_2", "decision", "line"]
    assert res.unused_decisions.empty


def test_each_flagged_pair_follows_its_own_recorded_decision_or_the_default(tmp_path):
    """Round 2 brings e (online first) and f (another journal, a year before): Bramer's pass 6 flags e
    with the round-1 cluster (once, though it holds b, a and c), then f with that cluster and with e.
    A recorded "not duplicate" keeps e apart, the pair without a decision follows the default, and the
    recorded "duplicate" merges f into e's cluster, whose record is kept."""
    records = pd.concat([_two_rounds(), table(rec("f", round=2, year=2019, volume=None, issue=None, pages=None,
                                                  database="ERIC", journal="Sexuality and Culture"))],
                        ignore_index=True)
    path = _decisions(tmp_path, ["e,b,not duplicate,R1,", "f,e,duplicate,R1,"])
    res = dedup.deduplicate(records, method="bramer", decisions=path)
    assert res.flagged[["record_id_1", "record_id_2", "decision", "decided_by"]].values.tolist() == [
        ["e", "b", "not duplicate", "recorded decision"], ["f", "b", "not duplicate", "default (separate)"],
        ["f", "e", "duplicate", "recorded decision"]]
    assert res.merges[["round", "record_id", "matched", "rule", "kept"]].values.tolist()[-1] == [
        2, "f", "e", "6 title (review), recorded decision", "e"]
    assert res.clusters["kept_record_id"].tolist() == ["b", "b", "x", "b", "e", "e"]
    assert res.unused_decisions.empty


def test_a_review_pass_blocked_on_other_fields_shows_each_records_values_of_the_fields_it_compares():
    """A review pass of one's own that blocks on the year and compares title and year: the flagged pair
    names both fields and shows each record's own values; with ``review_default="merge"`` the pair merges
    under the pass's name and the default, recorded with the field it was blocked on."""
    from mmrs.dedup import engine

    records = table(rec("a"), rec("b", database="PubMed", title="Sexting and consent"),
                    rec("c", database="ERIC", year=2019))
    res = engine.run(records, [engine.Pass("same year", ("title", "year"), review=True, block_on=(("year",),))],
                     method="own", parameters={}, review_default="merge")
    assert res.flagged.values.tolist() == [
        [1, "same year", "a", "b", "title, year",
         "nonconsensualsharingofsextsamongadolescentsalongitudinalstudy | 2021", "sextingandconsent | 2021",
         "duplicate", "default (merge)"]]
    assert res.evidence.values.tolist() == [
        [1, "same year", "a", "b", "merged", "same year, default (merge)", "year", "2021", "b"]]
    assert res.passes.values.tolist() == [[1, "same year", 1]]


def test_decisions_about_pairs_not_flagged_are_taken_in_the_order_of_their_lines():
    """Decisions given to ``run`` in another order than their lines: those about pairs no pass flagged
    are listed by line, each pair's identifiers in order (or not at all when told to ignore them), and the
    error under the settings they were recorded under names the earliest line."""
    from mmrs.dedup import engine

    records = table(rec("a"), rec("e", year=2020, volume=None, issue=None, pages=None))
    decisions = {frozenset(("zz", "a")): (True, 5), frozenset(("yy", "b")): (False, 2)}
    res = engine.run(records, dedup.bramer.passes(), method="bramer", parameters={}, decisions=decisions,
                     unused_decisions="list")
    assert res.unused_decisions.values.tolist() == [["b", "yy", "not duplicate", 2], ["a", "zz", "duplicate", 5]]
    ignored = engine.run(records, dedup.bramer.passes(), method="bramer", parameters={}, decisions=decisions,
                         unused_decisions="ignore")
    assert ignored.unused_decisions.empty
    with pytest.raises(InputError, match=r"decisions\.csv, line 2: a decision about b and yy"):
        engine.run(records, dedup.bramer.passes(), method="bramer", parameters={}, decisions=decisions,
                   decisions_file="decisions.csv", unused_decisions="error")


@pytest.mark.parametrize("method", ["bramer", "strict"])
def test_no_records_give_no_clusters(method):
    res = dedup.deduplicate(table(rec("a")).iloc[:0], method=method)
    assert res.unique == 0 and res.clusters.empty and res.evidence.empty and res.flagged.empty
    assert list(res.clusters.columns) == ["record_id", "round", "database", "cluster", "kept", "kept_record_id"]
    # the tables a notebook shows from it are empty, with their columns, rather than an error
    assert list(res.pass_table().columns) == ["Pass", "Total"] and res.pass_table().empty
    assert res.per_round().empty
