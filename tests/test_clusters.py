"""The cluster table: every merged group with its records and the rule (or decision) that merged each."""

from __future__ import annotations

import pandas as pd

from mmrs import dedup, paths
from mmrs.dedup import clusters
from mmrs.schema import to_records

#: (record_id, database, title, authors, year, journal, volume, issue, pages, doi)
ROWS = [
    ("r1/wos/A1", "Web of Science", "Screen time and sleep in adolescents", "Berg, Anna; Lund, Per", 2019,
     "Journal of Adolescent Health", "64", "2", "201-209", "10.1000/jah.2019.001"),
    ("r1/scopus/A2", "Scopus", "Screen time and sleep in adolescents", "Berg A.; Lund P.", 2019,
     "Journal of Adolescent Health", "64", "2", "201-209", "10.1000/jah.2019.001"),
    # one work twice, with no DOI and no issue: only the bibliographic fields support the merge
    ("r1/wos/B1", "Web of Science", "Editorial: sleep matters", "Vik, Ola", 2020, "Sleep Medicine", "70", "",
     "1", ""),
    ("r1/scopus/B2", "Scopus", "Editorial: sleep matters", "Vik O.", 2020, "Sleep Medicine", "70", "", "1", ""),
    # the same title with other authors and year: Bramer's pass 6 flags the pair, a person decided
    ("r1/wos/C1", "Web of Science", "Parental rules for smartphone use at bedtime", "Holm, Kari", 2020,
     "Sleep Health", "5", "1", "33-41", ""),
    ("r2/pubmed/C2", "PubMed", "Parental rules for smartphone use at bedtime", "Nilsen, Ivar", 2021,
     "Sleep Hlth", "", "", "", ""),
    ("r1/wos/D1", "Web of Science", "Video gaming, bedtime and sleep duration", "Nilsen, Ivar", 2019,
     "Sleep Medicine", "61", "2", "88-95", "10.1000/sm.2019.006"),
]


def _records() -> pd.DataFrame:
    frame = pd.DataFrame(ROWS, columns=["record_id", "database", "title", "authors", "year", "journal", "volume",
                                        "issue", "pages", "doi"])
    frame["round"] = frame["record_id"].str[1].astype(int)
    return to_records(frame.assign(source_file="x", line=range(1, len(frame) + 1), format="ris"))


def _bramer(tmp_path):
    decisions = tmp_path / "decisions.csv"
    decisions.write_text("record_id_1,record_id_2,decision,reviewer,note\n"
                         "r2/pubmed/C2,r1/wos/C1,duplicate,Ann,same paper\n", encoding="utf-8")
    records = _records()
    return records, dedup.deduplicate(records, method="bramer", decisions=decisions)


def test_every_merged_group_lists_its_records_and_what_merged_each(tmp_path):
    records, result = _bramer(tmp_path)
    table = clusters.table(result, records)
    assert list(table.columns) == list(clusters.HEADERS)
    # three groups of two (D1 stands alone and is not listed); the kept record first in each
    assert table["group"].tolist() == [1, 1, 2, 2, 3, 3] and (table["size"] == 2).all()
    assert set(table["record_id"]) == set(records["record_id"]) - {"r1/wos/D1"}
    firsts = table.groupby("group").head(1)
    assert firsts["kept"].all() and (firsts["joined_by"] == "").all() and (firsts["joined_to"] == "").all()
    joined = table[~table["kept"]].set_index("record_id")
    # the record that joined names the rule, the record it joined, who decided and what identifier it shares
    for rid in joined.index:
        row = joined.loc[rid]
        kept = table[(table["group"] == row["group"]) & table["kept"]]["record_id"].item()
        assert row["joined_to"] == kept
    a = joined.loc[[r for r in joined.index if r.endswith("A1") or r.endswith("A2")][0]]
    assert a["joined_by"].startswith("1 author+year+title+journal") and a["confirmed_by"] == "DOI"
    assert a["decided_by"] == clusters.RULE
    b = joined.loc[[r for r in joined.index if r[-2:] in ("B1", "B2")][0]]
    assert b["confirmed_by"] == "none" and b["decided_by"] == clusters.RULE
    c = joined.loc["r2/pubmed/C2"]  # joins the earlier round's record
    assert c["joined_by"].startswith("6 title") and c["decided_by"] == clusters.RECORDED
    # every merge of the evidence appears in the table, once
    merges = clusters.merges(result, records)
    assert len(merges) == len(result.merges) == len(joined)
    assert sorted(zip(merges["record_id"], merges["matched"])) == sorted(zip(joined.index, joined["joined_to"]))


def test_the_merges_no_identifier_confirms_leave_out_the_ones_a_person_decided(tmp_path):
    records, result = _bramer(tmp_path)
    short = clusters.unconfirmed(result, records)
    assert len(short) == 1 and {short["record_id"].item(), short["matched"].item()} == {"r1/wos/B1", "r1/scopus/B2"}
    assert short["title"].item() == short["matched_title"].item() == "Editorial: sleep matters"
    # the same merges as the evaluation module's list (which also holds the records' other fields)
    assert len(dedup.merges_to_check(result, records)) == len(short)


def test_the_cluster_table_opens_in_a_spreadsheet(tmp_path):
    records, result = _bramer(tmp_path)
    layout = paths.Layout(tmp_path / "raw", tmp_path / "out")
    path = clusters.write(clusters.table(result, records), layout)
    assert path == tmp_path / "out" / "results" / "tables" / "dedup_clusters.csv"
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark: Excel shows accents as they are
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(back.columns) == list(clusters.HEADERS.values())
    assert set(back["Kept"]) == {"yes", "no"} and back["Group"].tolist() == ["1", "1", "2", "2", "3", "3"]
    assert back.loc[back["Record"] == "r2/pubmed/C2", "Decided by"].item() == clusters.RECORDED


def test_the_strict_method_names_its_own_rules(tmp_path):
    records = _records()
    result = dedup.deduplicate(records, method="strict")
    table = clusters.table(result, records)
    joined = table[~table["kept"]]
    assert (joined["decided_by"] == clusters.RULE).all()
    assert set(joined["joined_by"]) <= {r for r in dedup.rules("strict")["rule"]}
    assert "same DOI" in set(joined["joined_by"])
