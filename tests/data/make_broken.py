"""Write the broken-archive fixtures: small ones into tests/data/broken/, the rest on demand.

Run `python tests/data/make_broken.py` to rewrite tests/data/broken/ (its files are committed).
Tests call `write_generated(directory)` for what must not be committed: a 20 MB file, a
100,000-character line, a symbolic-link loop, a dangling link, a pipe and a chmod-000 file.
All text here was written for these tests.
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

HERE = Path(__file__).parent / "broken"

NAVIGATION = "Tìm kiếm\n\n  Album Ảnh\n\n  Các chuyên mục\n\n"


def page(
    title: str,
    date: str = "Ngày đăng 12/05/2021 | 08:15  |  View count: 37",
    category: str = "Tin tức - sự kiện",
    body: str = "Sáng nay, UBND phường Quảng An tổ chức ra quân làm sạch bờ hồ.",
    code: str = "PV",
) -> str:
    """Return a scraped page in the site's format."""
    return f"{NAVIGATION}  {category}\n\n{title}\n{date}\n\n{body}\n\n{code}"


GOOD_PAGES = {
    "good/quang-an-ve-sinh.txt": page("Phường Quảng An ra quân vệ sinh môi trường ven hồ"),
    "good/nhat-tan-hoa-dao.txt": page(
        "Làng hoa Nhật Tân chuẩn bị cho mùa Tết",
        date="Ngày đăng 03/01/2020 | 16:40  |  View count: 1.204",
        body="Các nhà vườn ở Nhật Tân đã bắt đầu tuốt lá đào.\n\nẢnh: Vườn đào ven đê",
    ),
    "good/nested/tu-lien-quat.txt": page(
        "Tứ Liên: nông dân chăm quất cảnh",
        category="Kinh tế",
        body="Hợp tác xã Tứ Liên hướng dẫn kỹ thuật bón phân cho cây quất.",
    ),
}

# TCVN3 (ABC): each toned vowel is one byte; tones ordered grave, hook, tilde, acute, dot.
_TCVN3_VOWELS = {
    "a": "µ¶·¸¹",
    "ă": "»¼½¾Æ",
    "â": "ÇÈÉÊË",
    "e": "ÌÎÏÐÑ",
    "ê": "ÒÓÔÕÖ",
    "i": "×ØÜÝÞ",
    "o": "ßáâãä",
    "ô": "åæçèé",
    "ơ": "êëìíî",
    "u": "ïñòóô",
    "ư": "õö÷øù",
    "y": "úûüýþ",
}
_TCVN3_PLAIN = {"ă": "¨", "â": "©", "ê": "ª", "ô": "«", "ơ": "¬", "ư": "\xad", "đ": "®", "Đ": "§"}
_TONES = "\u0300\u0309\u0303\u0301\u0323"


def tcvn3(text: str) -> bytes:
    """Encode lowercase-vowel Vietnamese text in TCVN3 (ABC), as a legacy font would store it."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        out.append(_tcvn3_char(_tcvn3_upper(char)))
    return "".join(out).encode("latin-1")


def _tcvn3_char(char: str) -> str:
    """Return the TCVN3 byte (as a Latin-1 character) of one character."""
    parts = unicodedata.normalize("NFD", char)
    tone = next((c for c in parts if c in _TONES), "")
    base = unicodedata.normalize("NFC", parts.replace(tone, "")) if tone else char
    if tone and base in _TCVN3_VOWELS:
        return _TCVN3_VOWELS[base][_TONES.index(tone)]
    return _TCVN3_PLAIN.get(char, char)


def _tcvn3_upper(char: str) -> str:
    """Return an accented capital as its lowercase (ABC capital fonts reuse those bytes)."""
    return char if char.isascii() or char == "Đ" else char.lower()


def cp1258(text: str) -> bytes:
    """Encode text as Windows-1258 stores it: base letters precomposed, tones combining."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        tone = next((c for c in parts if c in _TONES), "")
        out.append(unicodedata.normalize("NFC", parts.replace(tone, "")) + tone if tone else char)
    return "".join(out).encode("cp1258")


def static_files() -> dict[str, bytes]:
    """Return the committed broken and good fixtures by relative path."""
    files = {name: text.encode("utf-8") for name, text in GOOD_PAGES.items()}
    body = "Quận Tây Hồ tổ chức hội nghị tổng kết công tác năm, biểu dương các tập thể tiêu biểu."
    utf8 = page("Hội nghị tổng kết năm 2022 của quận", body=body).encode("utf-8")
    files.update(
        {
            "empty.txt": b"",
            "blank-lines.txt": b"\n \n\t\n",
            "binary.txt": bytes(range(256)) * 4,
            "image-named-txt.txt": b"\x89PNG\r\n\x1a\n" + bytes(64),
            "truncated-utf8.txt": utf8[: utf8.rindex("ậ".encode()) + 2],
            "utf16-no-bom.txt": page("Bản tin UTF-16 không có BOM").encode("utf-16-le"),
            "utf16-with-bom.txt": page("Bản tin UTF-16 có BOM").encode("utf-16"),
            "utf8-bom.txt": b"\xef\xbb\xbf" + page("Bản tin UTF-8 có BOM").encode("utf-8"),
            "windows-1258.txt": cp1258(page("Bản tin lưu bằng bảng mã Windows-1258")),
            "tcvn3.txt": tcvn3(page("Tin v\u1ec1 qu\u1eadn T\u00e2y H\u1ed3", body=body)),
            "vni.txt": _vni_page(),
            "mojibake.txt": _mojibake(page("Quận Tây Hồ", body=body)),
            "no-title.txt": f"{NAVIGATION}Ngày đăng 01/02/2021 | 09:00\n\nNội dung.".encode(),
            "no-date.txt": f"{NAVIGATION}Tin tức\n\nBài không có ngày đăng\n\nNội dung.".encode(),
            "impossible-date.txt": page(
                "Bài có ngày không tồn tại", date="Ngày đăng 31/02/2023 | 10:00 | View count: 5"
            ).encode(),
            "unknown-kind.pdf": b"%PDF-1.4\n",
            "records.jsonl": _jsonl_with_error_on_line_7(),
            "duplicates.jsonl": _jsonl_duplicates(),
            ".hidden.txt": b"not read: hidden files are skipped",
        }
    )
    return files


def _mojibake(text: str) -> bytes:
    """Return UTF-8 text that was read as Windows-1252 and saved as UTF-8 again."""
    return text.encode("utf-8").decode("cp1252", "replace").encode("utf-8")


def _vni_page() -> bytes:
    """Return a page typed in the VNI legacy font encoding (stored as Windows-1252 bytes)."""
    vni = (
        "Tìm kieám\n\nCaùc chuyeân muïc\n\nTin töùc - söï kieän\n\n"
        "Quaän Taây Hoà toång keát naêm\nNgaøy ñaêng 12/05/2021 | 08:15\n\n"
        "Quaän Taây Hoà toå chöùc hoäi nghò toång keát coâng taùc naêm. "
        "Caùc phöôøng ñaõ hoaøn thaønh nhieäm vuï ñöôïc giao.\n\nPV"
    )
    return vni.encode("cp1252")


def _record(number: int, **extra: object) -> str:
    """Return one good JSON Lines record."""
    record = {
        "id": f"rec-{number}",
        "title": f"Thông báo số {number}/TB-UBND",
        "date": "2019-04-0" + str(number % 9 + 1),
        "category": "Thông báo",
        "body": f"Nội dung thông báo số {number} của UBND quận Tây Hồ.",
    } | extra
    return json.dumps(record, ensure_ascii=False)


def _jsonl_with_error_on_line_7() -> bytes:
    """Return JSON Lines whose line 7 is broken JSON, with good and odd records around it."""
    lines = [_record(n) for n in range(1, 7)]
    lines.append('{"id": "rec-7", "body": "thiếu dấu ngoặc"')
    lines += [
        _record(8, title=None),
        _record(9, date="31/02/2023"),
        _record(10, url="javascript:alert(1)", unknown_field=[1, 2]),
        json.dumps({"id": "rec-11", "title": "Không có nội dung"}),
        json.dumps({"body": "Không có id"}),
        json.dumps(["not", "an", "object"]),
        _record(14, id="bad id/with slash"),
        "",
        _record(16, published="2020-01-15T08:30:00+00:00"),
    ]
    return ("\n".join(lines) + "\n").encode()


def _jsonl_duplicates() -> bytes:
    """Return JSON Lines repeating an id of records.jsonl and one of its own."""
    lines = [_record(20), _record(21), _record(20, title="Bản trùng"), _record(1)]
    return ("\n".join(lines) + "\n").encode()


def write_static(directory: Path = HERE) -> None:
    """Write the committed fixtures into a directory."""
    for name, data in static_files().items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def write_generated(directory: Path) -> dict[str, Path]:
    """Write the fixtures that are too big or too special to commit; return them by kind."""
    directory.mkdir(parents=True, exist_ok=True)
    made = {
        "big": directory / "big-20mb.txt",
        "long_line": directory / "long-line.txt",
        "loop": directory / "loop",
        "dangling": directory / "dangling.txt",
        "pipe": directory / "pipe.txt",
        "unreadable": directory / "unreadable.txt",
    }
    line = "Dòng rất dài về hoạt động của quận Tây Hồ. " * 450
    with made["big"].open("w", encoding="utf-8") as out:
        out.write(page("Tệp 20 MB", body=""))
        while out.tell() < 20_000_000:
            out.write(line + "\n")
    long_body = ("x" * 99_991) + " kết thúc"  # one line of 100,000 characters
    made["long_line"].write_text(page("Bài có một dòng 100.000 ký tự", body=long_body), "utf-8")
    (directory / "loop" / "inner").mkdir(parents=True)
    (directory / "loop" / "inner" / "back").symlink_to("../..", target_is_directory=True)
    (directory / "loop" / "inner" / "in-loop.txt").write_text(page("Bài trong thư mục có vòng lặp"))
    made["dangling"].symlink_to("does-not-exist.txt")
    os.mkfifo(made["pipe"])
    made["unreadable"].write_text(page("Bài không đọc được"), "utf-8")
    made["unreadable"].chmod(0)
    return made


if __name__ == "__main__":
    write_static()
    print(f"wrote {len(static_files())} files into {HERE}")
