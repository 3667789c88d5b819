"""The database a file's content shows against the one the search log lists it under."""

from __future__ import annotations

import shutil

import pytest

from mmrs import io
from mmrs.errors import InputError
from mmrs.io import provenance

LOG = "round,date,database,interface,file,records_reported,limits\n"

SCOPUS_RIS = """TY  - JOUR
AU  - Doe, J.
TI  - A Scopus record
PY  - 2020
DB  - Scopus
UR  - https://www.scopus.com/inward/record.uri?eid=2-s2.0-1
ER  - 
"""

ERIC_NBIB = """OWN - ERIC
OID - EJ1000001
TI  - An ERIC record.
DP  - 2020
"""

EBSCO_RIS = """TY  - JOUR
TI  - A PsycInfo record
DP  - EBSCOhost
DB  - psyh
AN  - 2020-00001-001
ER  - 
"""


@pytest.mark.parametrize("shown,database,interface,fits", [
    ("Scopus", "Scopus", "Scopus", True),
    ("Scopus", "Web of Science", "Web of Science Core Collection", False),
    ("Scopus", "Web of Science", "Scopus", False),  # a known database in the log must be the one shown
    ("PubMed", "MEDLINE", "Ovid", True),
    ("PubMed", "Ovid MEDLINE(R) and Epub Ahead of Print", "Ovid", True),
    ("PsycInfo", "APA PsycInfo", "EBSCOhost", True),
    ("PsycInfo", "CINAHL", "EBSCOhost", False),
    ("Web of Science", "Zoological Record", "Web of Science", True),  # another database on the WoS platform
    ("Web of Science", "Zoological Record", "Clarivate", True),
    ("Web of Science", "Zoological Record", "Ovid", False),
    ("ERIC", "PubMed", "PubMed", False),
    ("ERIC", "ERIC", "ERIC (eric.ed.gov)", True),
    (None, "Anything", "Anywhere", True),  # a file that shows nothing fits any row
])
def test_agrees(shown, database, interface, fits):
    assert provenance.agrees(shown, database, interface) is fits


def _folder(tmp_path, name, text, database, interface):
    folder = tmp_path / "search"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    (folder / "searches.csv").write_text(LOG + f"1,2024-01-10,{database},{interface},{name},,\n")
    return folder


@pytest.mark.parametrize("name,text,database,interface,shown,evidence", [
    ("scopus.ris", SCOPUS_RIS, "Web of Science", "Web of Science Core Collection", "Scopus", "line 5: DB  - Scopus"),
    ("eric.nbib", ERIC_NBIB, "PubMed", "PubMed", "ERIC", "line 1: 'OWN - ERIC'"),
    ("psyc.ris", EBSCO_RIS, "CINAHL", "EBSCOhost", "PsycInfo", "line 4: DB  - psyh"),
])
def test_a_file_listed_under_another_database_is_refused_naming_both(tmp_path, name, text, database, interface,
                                                                     shown, evidence):
    folder = _folder(tmp_path, name, text, database, interface)
    with pytest.raises(InputError) as err:
        io.read_searches(folder)
    msg = str(err.value)
    assert msg.startswith(str(folder / name) + ": the search log (searches.csv, line 2) lists this file as "
                          f"{database} (interface {interface}), but its content shows a {shown} export ({evidence})")
    assert "\n" not in msg


def test_the_same_file_under_its_own_database_is_read(tmp_path):
    folder = _folder(tmp_path, "scopus.ris", SCOPUS_RIS, "Scopus", "Scopus")
    assert io.read_searches(folder).records["database"].tolist() == ["Scopus"]


def test_read_export_with_a_contradicting_database(tmp_path):
    path = tmp_path / "scopus.ris"
    path.write_text(SCOPUS_RIS)
    with pytest.raises(InputError, match=r"declared as PubMed, but its content shows a Scopus export"):
        io.read_export(path, database="PubMed")


@pytest.mark.realdata
@pytest.mark.parametrize("name,database,interface,refused", [
    ("ASySD/scopus.ris", "Web of Science", "Web of Science Core Collection", True),
    ("merge-systematic-review/scopus.csv", "Web of Science", "Web of Science", True),
    ("colrev/web_of_science_bib.bib", "Scopus", "Scopus", True),
    ("CiteSource/valid_data/psycinfo_64.ris", "ERIC", "EBSCOhost", True),
    ("MSM-Syndemic-Scoping-Review/electronic_search/medline.ris", "MEDLINE", "Ovid", False),
    ("litsearchr/zoorec.txt", "Zoological Record", "Web of Science", False),
    ("colrev/pubmed-chatbot.csv", "PubMed", "PubMed", False),
    ("CiteSource/topic_data/20221207_gambling-harms_crimjust_41.ris", "Criminal Justice Abstracts", "EBSCOhost",
     False),
])
def test_real_exports_against_a_search_log(tmp_path, realdata, name, database, interface, refused):
    folder = tmp_path / "search"
    folder.mkdir()
    target = folder / name.replace("/", "_")
    shutil.copyfile(realdata / name, target)
    (folder / "searches.csv").write_text(LOG + f"1,2024-01-10,{database},{interface},{target.name},,\n")
    if refused:
        with pytest.raises(InputError, match=f"lists this file as {database} .*but its content shows a"):
            io.read_searches(folder)
    else:
        assert len(io.read_searches(folder).records) > 0
