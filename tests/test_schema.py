"""The schema's analysis and the documents it produces, through the public functions."""

from __future__ import annotations

import pickle
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from whoosh import index

from searchsvc.archive import Article
from searchsvc.store import schema


def test_analyze_gives_folded_accented_pairs_and_numbers() -> None:
    a = schema.analyze("Kế hoạch số 45/KH-UBND ngày 09/03/2023 về thi đua, Tây Hồ")
    assert a.folded[:3] == ["ke", "hoach", "so"]
    assert "thi" in a.folded and "dua" in a.folded
    assert "đua" in a.accented and "thi" not in a.accented  # only words with diacritics
    assert "thi_dua" in a.pairs and "ke_hoach" in a.pairs
    assert "dua_tay" not in a.pairs  # pairs stop at punctuation
    assert "45/kh-ubnd" in a.docnums and "09/03/2023" in a.docnums


def test_analysis_ignores_form_tone_placement_and_case() -> None:
    forms = ["Hòa bình", "hoà bình", "HÒA BÌNH", unicodedata.normalize("NFD", "Hòa bình")]
    results = {tuple(schema.analyze(f).accented) for f in forms}
    assert len(results) == 1
    assert {tuple(schema.analyze(f).folded) for f in forms} == {("hoa", "binh")}


def test_body_pairs_cover_the_lead_only() -> None:
    words = " ".join(f"tu{i}" for i in range(schema.BODY_LEAD_WORDS + 50))
    a = schema.analyze(words, lead=schema.BODY_LEAD_WORDS)
    assert len(a.pairs) == schema.BODY_LEAD_WORDS - 1
    assert len(a.folded) == schema.BODY_LEAD_WORDS + 50


def _article(**kw: object) -> Article:
    base: dict[str, object] = {"id": "a1", "title": "Tây Hồ", "body": "Hồ Tây đẹp.", "source": "s"}
    base.update(kw)
    return Article(**base)  # type: ignore[arg-type]


def test_document_has_every_field_and_local_dates() -> None:
    aware = datetime(2023, 3, 9, 1, 30, tzinfo=UTC)
    doc = schema.document(_article(published=aware, category="Tin tức"))
    assert doc["published"] == datetime(2023, 3, 9, 8, 30)  # Asia/Ho_Chi_Minh wall time
    assert doc["year"] == 2023 and doc["month"] == 3
    assert doc["title_f"] == ["tay", "ho"] and doc["title_a"] == ["tây", "hồ"]
    assert set(doc) <= set(schema.build_schema().names())
    undated = schema.document(_article())
    assert "published" not in undated and "minutes" not in undated


def test_content_hash_is_stable_and_sensitive() -> None:
    a = _article()
    assert schema.content_hash(a) == schema.content_hash(_article())
    assert schema.content_hash(a) != schema.content_hash(_article(body="Khác."))
    naive = datetime(2023, 3, 9, 8, 30)
    assert schema.local_time(naive.replace(tzinfo=timezone(timedelta(hours=7)))) == naive


def test_term_field_indexes_strings_and_lists() -> None:
    field = schema.build_schema()["body_f"]
    from_list = sorted(field.index(["hoa", "hoa", "binh"]))
    assert from_list == [(b"binh", 1, 1.0, b""), (b"hoa", 2, 2.0, b"")]
    assert sorted(field.index("Hòa hoà bình")) == from_list


def test_schema_survives_pickling_into_an_index(tmp_path: Path) -> None:
    ix = index.create_in(str(tmp_path), schema.build_schema())
    with ix.writer() as w:
        w.add_document(**schema.document(_article(published=datetime(2024, 1, 2))))
    again = index.open_dir(str(tmp_path))
    assert pickle.loads(pickle.dumps(again.schema)).names() == schema.build_schema().names()
    with again.searcher() as s:
        assert s.doc_frequency("title_a", "tây") == 1
        assert s.doc_frequency("body_p", "ho_tay") == 1


def test_indexes_pickled_before_the_store_layout_still_load() -> None:
    """A schema pickled under the old module name `searchsvc.schema` unpickles to today's."""
    import pickle

    from searchsvc.store.schema import TermCounts

    new = pickle.dumps(TermCounts("folded"), protocol=2)
    old = new.replace(b"searchsvc.store.schema", b"searchsvc.schema")
    assert old != new
    loaded = pickle.loads(old)
    assert isinstance(loaded, TermCounts) and loaded.kind == "folded"
