"""The reader on bad and awkward uploads: every failure is one DataError sentence.

`read_table` sees bytes the way an upload arrives: it sniffs the content (never the
name), unwraps gzip/zip after checking sizes, decodes the text (or asks), and finds
the delimiter. These tests build each input by hand, in memory, and assert the
sentence the user sees; a failure must be a `DataError` (a `ChoiceNeeded` where the
reader has to ask), never another exception type, and must not warn or half-read.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import sys
import textwrap
import time
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeymap.analytics.read import RawTable, read_table
from journeymap.errors import ChoiceNeeded, DataError

ROOT = Path(__file__).resolve().parents[2]
EVENTS_CSV = b"event,user_id,timestamp\nsignup,u1,2026-01-01 10:00\npurchase,u2,2026-01-02 11:30\n"
EVENTS_ROWS = [["signup", "u1", "2026-01-01 10:00"], ["purchase", "u2", "2026-01-02 11:30"]]


# -- helpers ------------------------------------------------------------------------------


def refused(source, **options) -> str:
    """The sentence `read_table` refuses `source` with; fails on any other outcome."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            table = read_table(source, **options)
        except DataError as err:
            error = err
        except Exception as err:  # the bug this helper exists to catch
            pytest.fail(f"{type(err).__name__} instead of a DataError: {err}")
        else:
            pytest.fail(f"read as a {table.container} table instead of being refused")
    assert type(error) is DataError, f"{type(error).__name__}, expected a plain DataError"
    message = str(error)
    assert_sentence(message)
    assert not [str(w.message) for w in caught], "the refusal also warned"
    return message


def assert_sentence(message: str) -> None:
    """A sentence a user can read: capitalised, ends with a full stop, one line, no traceback."""
    assert message[:1].isupper(), message
    assert message.endswith("."), message
    assert "\n" not in message, message
    assert "Traceback" not in message and 'File "' not in message, message
    assert len(message) < 400, message


def rows(table: RawTable) -> list[list]:
    return table.frame.astype(object).where(table.frame.notna(), None).values.tolist()


def xlsx_bytes(rows_: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows_:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


# -- empty, short and ragged files ---------------------------------------------------------


@pytest.mark.parametrize(
    "data", [b"", b"   ", b"\n\n\r\n", b"\t \n"], ids=["0-bytes", "spaces", "newlines", "blank"]
)
def test_an_empty_file_is_refused(data):
    assert refused(data, filename="events.csv") == "The file is empty: there is nothing to import."


@pytest.mark.parametrize(
    "data",
    [
        b"event,user_id,timestamp\n",
        b"event,user_id,timestamp",
        b"event;user_id;timestamp\r\n",
        "\ufeffevent,user_id\n".encode(),
    ],
    ids=["lf", "no-newline", "semicolon-crlf", "bom"],
)
def test_a_header_without_rows_is_refused(data):
    assert refused(data) == "The file has a header row but no data rows."


def test_a_ragged_row_is_named_with_both_counts():
    data = b"a,b,c,d,e\n1,2,3,4,5\n1,2,3,4,5,6,7\n1,2,3,4,5\n"
    message = refused(data)
    assert message.startswith("Row 3 has 7 fields, the header has 5; fix that row"), message


def test_a_short_row_is_named_too():
    data = b"event;user;ts;page;price\nview;u1;1;/;0\nview;u2;2;/a;0\nbuy;u2;3\n"
    assert refused(data).startswith("Row 4 has 3 fields, the header has 5;")


def test_an_unclosed_quote_is_refused_not_swallowing_the_rest_of_the_file():
    # The quote opened on row 2 never closes: a reader that accepts this reads rows 2-4
    # as one row whose last value holds the rest of the file, and two events vanish.
    data = b'event,page\nview,"/home\nview,/pricing\nbuy,/checkout\n'
    message = refused(data)
    assert re.search(r"\b(quote|Row 2)\b", message), message


def test_a_stray_carriage_return_inside_a_row_is_a_data_error():
    # A bare "\r" (an old Mac line end, or one pasted into a cell) splits the row for the
    # CSV parser; whatever the reader makes of it, the user gets a sentence, not a csv.Error.
    data = b"event,user_id\nsignup\r,u1\nbuy,u2\n"
    try:
        table = read_table(data)
    except DataError as err:
        assert_sentence(str(err))
    except Exception as err:
        pytest.fail(f"{type(err).__name__} instead of a DataError: {err}")
    else:
        assert len(table.frame.columns) == 2


def test_a_one_column_file_asks_for_the_delimiter():
    data = b"event:user:ts\nsignup:u1:1\nbuy:u2:2\n"
    assert refused(data) == (
        "The file has only one column, so its delimiter is not one of comma, semicolon, tab "
        "or bar; pick the delimiter it uses, or save it again as CSV."
    )


def test_a_one_column_file_reads_with_the_delimiter_given():
    table = read_table(b"event:user:ts\nsignup:u1:1\nbuy:u2:2\n", delimiter=":")
    assert list(table.frame.columns) == ["event", "user", "ts"]
    assert rows(table) == [["signup", "u1", "1"], ["buy", "u2", "2"]]


def test_a_header_naming_a_column_twice_is_refused():
    assert refused(b"event,user,event\nsignup,u1,x\n") == (
        "The header names the column 'event' more than once; give each column its own name "
        "and upload the file again."
    )


# -- delimiters and encodings --------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "text"),
    [
        (";", "event;user_id;revenue\nbuy;u1;12,50\nbuy;u2;3,10\nrefund;u1;-1,00\n"),
        ("\t", "event\tuser_id\tpage\nview\tu1\t/a,b\nview\tu2\t/c;d\n"),
        ("|", "event|user_id|note\nview|u1|a, b; c\nbuy|u2|x\n"),
        (",", 'event,user_id,note\nview,u1,"a; b | c"\nbuy,u2,"x\ty"\n'),
    ],
    ids=["semicolon", "tab", "bar", "comma"],
)
def test_the_delimiter_is_found(delimiter, text):
    table = read_table(text.encode())
    assert table.delimiter == delimiter
    assert table.container == "csv"
    expected = [line.split(delimiter) for line in text.splitlines()]
    if delimiter == ",":  # the quoted values keep their inner delimiters
        expected = [["event", "user_id", "note"], ["view", "u1", "a; b | c"], ["buy", "u2", "x\ty"]]
    assert list(table.frame.columns) == expected[0]
    assert rows(table) == expected[1:]


def test_utf8_with_bom_and_semicolons_reads_the_first_column_name_clean():
    data = (
        "\ufeffevent;user_id;timestamp;city\nsignup;u1;2026-01-01;Zürich\nbuy;u2;2026-01-02;Köln\n"
    )
    table = read_table(data.encode("utf-8"))
    assert table.encoding == "utf-8"
    assert table.delimiter == ";"
    assert list(table.frame.columns) == ["event", "user_id", "timestamp", "city"]
    assert "\ufeff" not in "".join(table.frame.columns)
    assert rows(table) == [
        ["signup", "u1", "2026-01-01", "Zürich"],
        ["buy", "u2", "2026-01-02", "Köln"],
    ]


def test_utf8_with_bom_and_quoted_header():
    table = read_table('\ufeff"event","user_id"\n"signup","u1"\n'.encode())
    assert list(table.frame.columns) == ["event", "user_id"]


def test_utf16_with_bom_reads():
    table = read_table("event\tuser\nanmelden\tJosé\n".encode("utf-16"))
    assert table.encoding == "utf-16"
    assert rows(table) == [["anmelden", "José"]]


SIMPLIFIED = [
    "浏览首页",
    "搜索商品",
    "查看商品详情",
    "加入购物车",
    "提交订单",
    "支付成功",
    "申请退款",
    "联系客服",
    "领取优惠券",
    "分享给好友",
]
CITIES_CN = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安"]
TRADITIONAL = [
    "瀏覽首頁",
    "搜尋商品",
    "查看商品詳情",
    "加入購物車",
    "提交訂單",
    "付款成功",
    "申請退款",
    "聯絡客服",
    "領取優惠券",
    "分享給好友",
]
CITIES_TW = ["台北", "新北", "台中", "高雄", "台南", "桃園", "新竹", "基隆"]


def chinese_csv(header: str, events: list[str], cities: list[str], n: int) -> str:
    lines = [header]
    for i in range(n):
        lines.append(
            f"{events[i % len(events)]},u{i % 37},2026-03-{1 + i % 28:02d} {i % 24:02d}:15:00,{cities[i % len(cities)]}"
        )
    return "\n".join(lines) + "\n"


GBK_FILES = {
    "short-register": "事件,用户,时间\n注册账号,u1,2026-01-01\n加入购物车,u2,2026-01-02\n提交订单,u3,2026-01-03\n支付成功,u1,2026-01-04\n",
    "short-campaign": "活动名称,渠道,点击次数\n双十一大促,微信公众号,1200\n新用户专享,小红书,860\n会员日,抖音,2300\n",
    "medium": chinese_csv("事件名称,用户ID,发生时间,城市", SIMPLIFIED, CITIES_CN, 40),
    "long": chinese_csv("事件名称,用户ID,发生时间,城市", SIMPLIFIED, CITIES_CN, 3000),
}
BIG5_FILES = {
    "short-register": "事件名稱,使用者,時間\n註冊帳號,u1,2026-01-01\n加入購物車,u2,2026-01-02\n提交訂單,u3,2026-01-03\n付款成功,u1,2026-01-04\n",
    "short-campaign": "活動名稱,管道,點擊次數\n雙十一大促銷,臉書粉絲專頁,1200\n新會員專屬優惠,電子報,860\n週年慶,官方網站,2300\n",
    "medium": chinese_csv("事件名稱,使用者ID,發生時間,城市", TRADITIONAL, CITIES_TW, 40),
    "long": chinese_csv("事件名稱,使用者ID,發生時間,城市", TRADITIONAL, CITIES_TW, 3000),
}


def expected_table(text: str) -> tuple[list[str], list[list[str]]]:
    lines = [line.split(",") for line in text.splitlines()]
    return lines[0], lines[1:]


@pytest.mark.parametrize(("codec", "name"), [("gbk", n) for n in GBK_FILES] + [("gb18030", "long")])
def test_simplified_chinese_gbk_and_gb18030_decode_correctly(codec, name):
    text = GBK_FILES[name]
    table = read_table(text.encode(codec), filename="导出.csv")
    header, body = expected_table(text)
    assert table.encoding == "gb18030"
    assert list(table.frame.columns) == header
    assert rows(table) == body


def test_gb18030_beyond_gbk_characters_decode():
    # Four-byte GB18030 sequences (an emoji, a rare name character) in a long file.
    text = chinese_csv(
        "事件名称,用户ID,发生时间,城市", [*SIMPLIFIED, "点赞👍", "关注𠮷野家"], CITIES_CN, 500
    )
    table = read_table(text.encode("gb18030"))
    _, body = expected_table(text)
    assert table.encoding == "gb18030"
    assert rows(table) == body


@pytest.mark.parametrize("name", list(BIG5_FILES))
def test_traditional_chinese_big5_decodes_correctly(name):
    text = BIG5_FILES[name]
    table = read_table(text.encode("big5"), filename="export.csv")
    header, body = expected_table(text)
    assert table.encoding == "big5"
    assert list(table.frame.columns) == header
    assert rows(table) == body


def test_a_short_gbk_file_that_also_reads_as_big5_asks_which():
    # 登录/购买/订单 are GB2312 characters whose bytes are also frequent Big5 characters
    # (腎翹, 劃鎗...): both readings look like real Chinese, so the user picks.
    data = "event,user\n登录,u1\n购买,u2\n订单,u3\n".encode("gbk")
    with pytest.raises(ChoiceNeeded) as caught:
        read_table(data)
    err = caught.value
    assert err.option == "encoding"
    assert {"gb18030", "big5"} <= set(err.options)
    assert "登录" in err.options["gb18030"] and "购买" in err.options["gb18030"]
    assert "登录" not in err.options["big5"]
    assert_sentence(str(err))
    table = read_table(data, encoding="gb18030")  # the user's pick reads it
    assert rows(table) == [["登录", "u1"], ["购买", "u2"], ["订单", "u3"]]


WESTERN_FILES = {
    "german": "Ereignis,Benutzer,Ort\nAnmeldung,Müller,Köln\nKündigung,Groß,Straße\nBestellung,Jäger,Nürnberg\n",
    "french": "événement,utilisateur,ville\nCommande validée,Amélie,Besançon\nÀ côté,Zoé,Nîmes\nCréée,Léa,Orléans\n",
    "spanish": "evento,usuario,ciudad\nSeñal recibida,Íñigo,A Coruña\nAñadir al carrito,Begoña,Cádiz\n¿Qué pasó?,Nuño,Málaga\n",
    "nordic": "hendelse,by\nPåmelding,Tromsø\nKjøp,Ålesund\nÆrlig,Bærum\n",
}


@pytest.mark.parametrize("codec", ["latin-1", "cp1252"])
@pytest.mark.parametrize("name", list(WESTERN_FILES))
def test_western_european_files_decode(name, codec):
    text = WESTERN_FILES[name]
    table = read_table(text.encode(codec))
    header, body = expected_table(text)
    assert table.encoding in ("cp1252", "latin-1")
    assert list(table.frame.columns) == header
    assert rows(table) == body


def test_windows_1252_punctuation_decodes():
    text = "event,price,note\ncheckout,€49,“Sale” – today\nrefund,€5,café…\n"
    table = read_table(text.encode("cp1252"))
    assert table.encoding == "cp1252"
    assert rows(table) == [["checkout", "€49", "“Sale” – today"], ["refund", "€5", "café…"]]


def test_portuguese_windows_1252_is_read_right_or_asked_never_misread():
    # "çõ" is a valid GB2312 byte pair, so this short file also reads as Chinese.
    text = "evento,usuario,cidade\nPromoções de Verão,u1,São Paulo\nInformações,u2,Conceição\n"
    data = text.encode("cp1252")
    try:
        table = read_table(data)
    except ChoiceNeeded as err:
        assert err.option == "encoding"
        assert "Promoções de Verão" in err.options["cp1252"]
    else:
        assert rows(table) == expected_table(text)[1]


@pytest.mark.parametrize(
    ("codec", "text"),
    [
        (
            "euc-kr",
            "이벤트,사용자,시간\n회원가입,u1,2026-01-01\n구매,u2,2026-01-02\n장바구니 담기,u3,2026-01-03\n",
        ),
        (
            "shift_jis",
            "イベント,ユーザー,時間\n会員登録,u1,2026-01-01\n購入,u2,2026-01-02\nカートに追加,u3,2026-01-03\n",
        ),
        (
            "cp1251",
            "событие,пользователь,время\nрегистрация,u1,2026-01-01\nпокупка,u2,2026-01-02\nвход в систему,u3,2026-01-03\n",
        ),
    ],
    ids=["korean-euc-kr", "japanese-shift-jis", "russian-windows-1251"],
)
def test_a_legacy_encoding_the_reader_does_not_know_is_never_misread_silently(codec, text):
    # RELIABILITY.md: "never fall back silently". The reader may decode these correctly
    # or ask (ChoiceNeeded) or refuse; it must not return mojibake as if all was well.
    data = text.encode(codec)
    try:
        table = read_table(data)
    except DataError as err:
        assert_sentence(str(err))
        return
    header, body = expected_table(text)
    assert list(table.frame.columns) == header, f"read silently as {table.encoding}"
    assert rows(table) == body


def test_an_encoding_the_user_picks_that_does_not_fit_is_refused():
    message = refused("event,user\n注册,u1\n".encode("gbk"), encoding="utf-8")
    assert message.startswith("The file is not valid UTF-8 text (")
    assert message.endswith("; pick another encoding.")


def test_utf8_cut_mid_character_is_refused():
    data = "event,user\nsignup,Zoë".encode()[:-1]
    assert (
        refused(data)
        == "The file ends in the middle of a character: it looks cut short. Download it again."
    )


# -- not a table at all --------------------------------------------------------------------


def test_a_png_renamed_csv_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert refused(png, filename="events.csv") == (
        "This file is a PNG image, not a table of events; upload the CSV, Excel, JSON or "
        "Parquet export from your analytics tool."
    )


@pytest.mark.parametrize(
    ("head", "what"),
    [(b"%PDF-1.7\n", "a PDF document"), (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image")],
)
def test_other_files_renamed_csv_are_named(head, what):
    assert refused(head + b"\x00" * 200, filename="export.csv").startswith(
        f"This file is {what}, not a table"
    )


def test_an_old_xls_workbook_is_refused_with_what_to_do():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    assert refused(ole, filename="report.xls") == (
        "This is an old-format Excel workbook (.xls) or a password-protected one; open it in "
        "Excel or LibreOffice, save it as .xlsx (without a password) or CSV, and upload that."
    )


def test_binary_text_is_refused():
    assert refused(b"event,user\nsign\x00up,u1\n").startswith("This file is binary, not text:")


# -- size limits and bombs -------------------------------------------------------------------


def test_a_file_over_max_bytes_is_refused_before_reading():
    data = EVENTS_CSV + b"view,u3,2026-01-03 09:00\n" * 130_000  # about 3.3 MB
    message = refused(data, max_bytes=1024**2)
    assert message == (
        "The file is 3 MB; the limit is 1 MB. Upload a shorter date range, or compress it "
        "(gzip or zip)."
    )


def test_the_size_refusal_never_states_a_size_within_the_limit():
    # 1.3 MB over a 1 MB limit: "The file is 1 MB; the limit is 1 MB" contradicts itself.
    data = EVENTS_CSV + b"view,u3,2026-01-03 09:00\n" * 52_000  # about 1.3 MB
    message = refused(data, max_bytes=1024**2)
    size, limit = (float(v) for v in re.findall(r"([\d.,]+) MB", message)[:2])
    assert size > limit, message


def test_max_bytes_counts_the_compressed_upload():
    data = gzip.compress(EVENTS_CSV + b"view,u3,2026-01-03 09:00\n" * 130_000)
    assert len(data) < 1024**2
    assert len(read_table(data, max_bytes=1024**2).frame) == 130_002


SPACES = b" " * (1 << 20)


@pytest.fixture(scope="module")
def xlsx_bomb() -> bytes:
    """A real workbook whose sheet XML is 300 MB (mostly whitespace), about 300 KB zipped."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["event", "user_id"], ["signup", "u1"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info, source.read(info.filename))
                continue
            with bomb.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                )
                for _ in range(300):  # streamed: never 300 MB in memory
                    sheet.write(SPACES)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def test_an_xlsx_zip_bomb_is_refused_before_parsing(xlsx_bomb, monkeypatch):
    import python_calamine

    assert len(xlsx_bomb) < 2 * 1024**2
    declared = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(xlsx_bomb)).infolist())
    assert declared > 300 * 1024**2

    def parse(*args, **kwargs):
        raise AssertionError("the bomb reached the workbook parser")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", parse)
    started = time.perf_counter()
    message = refused(xlsx_bomb, filename="report.xlsx")
    assert time.perf_counter() - started < 1.0
    assert re.fullmatch(
        r"This \d+\.\d MB compressed file expands more than 100 times \(or past 4 GB\), far "
        r"beyond any real export, so it was not opened\. Upload the export uncompressed or in "
        r"smaller parts\.",
        message,
    ), message


def test_a_zip_bomb_around_a_csv_is_refused_before_expanding(monkeypatch):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("events.csv", "w", force_zip64=True) as member:
            member.write(b"event,user_id,timestamp\n")
            for _ in range(300):
                member.write(SPACES)
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(
        zipfile.ZipFile, "open", lambda self, *a, **k: opened.append(a) or real_open(self, *a, **k)
    )
    message = refused(out.getvalue(), filename="events.zip")
    assert "expands more than 100 times (or past 4 GB)" in message
    assert "so it was not opened" in message
    assert not opened, "the member was opened (expanded) before the size check"


BOMB_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    from journeymap.analytics.read import read_table
    from journeymap.errors import DataError
    limit = 1024**3  # address space (about 400 MB is taken by the imports)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        read_table(sys.argv[1])
    except DataError as err:
        outcome = {"type": "DataError", "message": str(err)}
    except BaseException as err:
        outcome = {"type": type(err).__name__, "message": str(err)[:200]}
    else:
        outcome = {"type": "read", "message": ""}
    # VmHWM, not ru_maxrss: ru_maxrss keeps the forking parent's (pytest's) high-water mark
    with open("/proc/self/status") as status:
        hwm = next(line for line in status if line.startswith("VmHWM:"))
    outcome["peak_mb"] = int(hwm.split()[1]) / 1024
    print(json.dumps(outcome))
    """
)


def test_a_gzip_bomb_is_refused_without_expanding_it_in_memory(tmp_path):
    # 50 gzip members of 100 MB of zeros each: a 5 MB upload that expands to 5 GB. The
    # reader runs in a child process whose address space is capped at 1 GB.
    member = gzip.compress(b"\x00" * (100 << 20), compresslevel=9)
    path = tmp_path / "events.csv.gz"
    path.write_bytes(member * 50)
    assert path.stat().st_size < 6 * 1024**2
    done = subprocess.run(
        [sys.executable, "-c", BOMB_CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["type"] == "DataError", outcome
    assert "so it was not opened" in outcome["message"], outcome
    assert outcome["peak_mb"] < 400, f"peak memory {outcome['peak_mb']:.0f} MB for a 5 MB upload"


def test_a_damaged_gzip_is_refused():
    data = bytearray(gzip.compress(EVENTS_CSV))
    data[-6] ^= 0xFF  # the CRC no longer matches
    message = refused(bytes(data))
    assert message.startswith("The gzip file is damaged or cut short (")
    assert message.endswith(
        "Export it again from your analytics tool, or save it as CSV, and upload that."
    )


def test_a_cut_gzip_is_refused():
    assert refused(gzip.compress(EVENTS_CSV * 50)[:-40]).startswith("The gzip file is cut short")


# -- gzip and zip wrapping -------------------------------------------------------------------


JSONL = b'{"event":"signup","user_id":"u1","ts":1767225600}\n{"event":"buy","user_id":"u2","ts":1767229200}\n'


@pytest.mark.parametrize(
    ("wrap", "compression"),
    [
        (gzip.compress, "gzip"),
        (lambda d: zipped({"export/events.csv": d}), "zip"),
        (lambda d: zipped({"events.csv": d, "__MACOSX/._events.csv": b"\x00\x05"}), "zip"),
        (lambda d: zipped({"events.csv.gz": gzip.compress(d)}), "zip"),
    ],
    ids=["gzip", "zip", "zip-with-mac-resource-fork", "gzip-in-zip"],
)
def test_wrapped_csv_reads(wrap, compression):
    table = read_table(wrap(EVENTS_CSV), filename="events.bin")
    assert table.compression == compression
    assert table.container == "csv"
    assert rows(table) == EVENTS_ROWS


@pytest.mark.parametrize(
    "wrap", [gzip.compress, lambda d: zipped({"amplitude/2026-01-01.json": d})], ids=["gzip", "zip"]
)
def test_wrapped_jsonl_reads(wrap):
    table = read_table(wrap(JSONL))
    assert table.container == "jsonl"
    assert rows(table) == [["signup", "u1", 1767225600], ["buy", "u2", 1767229200]]


def test_concatenated_gzip_members_read_as_one_file():
    data = gzip.compress(EVENTS_CSV) + gzip.compress(b"view,u3,2026-01-03 09:00\n")
    assert rows(read_table(data))[-1] == ["view", "u3", "2026-01-03 09:00"]


def test_a_zip_with_two_files_is_refused():
    data = zipped({"events-jan.csv": EVENTS_CSV, "events-feb.csv": EVENTS_CSV})
    assert refused(data) == (
        "The zip file holds 2 files (events-jan.csv, events-feb.csv); upload a zip with one "
        "export in it, or the files one by one."
    )


def test_an_empty_zip_is_refused():
    assert refused(zipped({})) in (
        "The zip file holds no files.",
        "This file is binary, not text: it is not a CSV, whatever its name says. Upload the "
        "CSV, Excel, JSON or Parquet export from your analytics tool.",
    )


def test_a_cut_zip_is_refused():
    data = zipped({"events.csv": EVENTS_CSV})
    assert refused(data[:-30]).startswith("The zip file is damaged (")


@pytest.mark.parametrize(
    "method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"]
)
def test_a_zip_whose_data_is_damaged_is_refused(method):
    # The directory is intact, the member's bytes are not (a bad download): the CRC fails.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        archive.writestr("events.csv", EVENTS_CSV * 20)
    data = bytearray(out.getvalue())
    start = 30 + len("events.csv")
    data[start + 40] ^= 0x55
    message = refused(bytes(data))
    assert "damaged" in message, message


def test_a_password_protected_zip_is_refused():
    data = bytearray(zipped({"events.csv": EVENTS_CSV}))
    for offset in (6,):  # the local header's flag bits
        data[offset] |= 0x1
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1
    assert (
        refused(bytes(data)) == "The zip file is password-protected; upload it without a password."
    )


# -- JSON --------------------------------------------------------------------------------------


def test_a_jsonl_file_with_one_broken_line_names_that_line():
    lines = [
        json.dumps({"event": "view", "user_id": f"u{i}", "ts": 1767225600 + i}) for i in range(1500)
    ]
    lines[1233] = lines[1233][:-5]  # line 1,234 is cut
    message = refused(("\n".join(lines) + "\n").encode())
    assert message.startswith("Line 1,234 is not valid JSON (")
    assert message.endswith("Fix or remove that line and upload the file again.")


def test_a_json_array_reads():
    data = json.dumps(
        [{"event": "signup", "user_id": "u1"}, {"event": "buy", "user_id": "u2", "revenue": 9.5}]
    )
    table = read_table(data.encode())
    assert table.container == "json"
    assert list(table.frame.columns) == ["event", "user_id", "revenue"]
    assert table.frame["event"].tolist() == ["signup", "buy"]
    assert table.frame["revenue"].iloc[1] == 9.5


def test_broken_json_array_says_where():
    message = refused(b'[{"event": "a"},\n {"event": "b",}]')
    assert re.fullmatch(
        r"The JSON file is not valid JSON: .+ at line 2, column \d+\. Export it again .+", message
    ), message


@pytest.mark.parametrize(
    "data", [b"[]", b"[1, 2, 3]", b'["a", "b"]'], ids=["empty", "numbers", "strings"]
)
def test_json_that_is_not_a_list_of_events_is_refused(data):
    message = refused(data)
    assert message in (
        "The JSON file holds no events.",
        "The JSON holds something other than a list of objects (one per event); export the "
        "events as a JSON array or as JSON lines.",
    )


def test_a_pretty_printed_json_object_is_refused_with_the_reason():
    assert refused(b'{\n  "event": "a",\n  "user": "u1"\n}\n').startswith(
        "The file holds one JSON object spread over many lines"
    )


@pytest.mark.parametrize("container", ["jsonl", "json"])
def test_nested_json_is_flattened_to_dotted_columns(container):
    records = [
        {
            "event": "buy",
            "context": {
                "campaign": {"source": "google", "medium": "cpc"},
                "page": {"path": "/cart"},
            },
            "items": [1, 2],
        },
        {"event": "view", "context": {"campaign": {"source": "bing"}}},
    ]
    text = (
        "\n".join(json.dumps(r) for r in records) if container == "jsonl" else json.dumps(records)
    )
    table = read_table(text.encode())
    assert table.container == container
    assert {
        "event",
        "context.campaign.source",
        "context.campaign.medium",
        "context.page.path",
        "items",
    } == set(table.frame.columns)
    assert table.frame["context.campaign.source"].tolist() == ["google", "bing"]
    assert table.frame["context.page.path"].iloc[0] == "/cart"
    assert pd.isna(table.frame["context.campaign.medium"].iloc[1])


# -- Parquet and Excel ---------------------------------------------------------------------------


def test_parquet_reads_with_types_and_flattened_structs():
    table = pa.table(
        {
            "event": ["signup", "buy"],
            "user": [{"id": "u1", "plan": {"tier": "free"}}, {"id": "u2", "plan": {"tier": "pro"}}],
            "ts": pa.array(pd.to_datetime(["2026-01-01 10:00", "2026-01-02 11:00"], utc=True)),
            "revenue": [None, 19.5],
        }
    )
    out = io.BytesIO()
    pq.write_table(table, out)
    read = read_table(out.getvalue(), filename="events.csv")  # by content, not by name
    assert read.container == "parquet"
    assert list(read.frame.columns) == ["event", "user.id", "user.plan.tier", "ts", "revenue"]
    assert read.frame["user.plan.tier"].tolist() == ["free", "pro"]
    assert str(read.frame["ts"].dtype) == "datetime64[us, UTC]"
    assert read.frame["revenue"].iloc[1] == 19.5


def test_damaged_parquet_is_refused():
    out = io.BytesIO()
    pq.write_table(pa.table({"event": ["a"] * 100, "user": ["u"] * 100}), out)
    data = out.getvalue()
    message = refused(data[: len(data) // 2])
    assert message.startswith("This Parquet file could not be read (")


def test_xlsx_reads_with_calamine():
    import datetime as dt

    data = xlsx_bytes(
        [
            ["event", "user_id", "timestamp", "revenue"],
            ["signup", "u1", dt.datetime(2026, 1, 1, 9, 0), None],
            [None, None, None, None],  # an empty row in the middle is left out
            ["purchase", "u1", dt.datetime(2026, 1, 1, 9, 30), 49.9],
            ["注册", "u2", dt.datetime(2026, 1, 2, 9, 0), 10],
        ]
    )
    table = read_table(data, filename="export.csv")
    assert table.container == "xlsx"
    assert list(table.frame.columns) == ["event", "user_id", "timestamp", "revenue"]
    assert table.frame["event"].tolist() == ["signup", "purchase", "注册"]
    assert table.frame["timestamp"].tolist() == [
        dt.datetime(2026, 1, 1, 9),
        dt.datetime(2026, 1, 1, 9, 30),
        dt.datetime(2026, 1, 2, 9),
    ]
    assert table.frame["revenue"].tolist()[1:] == [49.9, 10]


def test_an_xlsx_with_only_a_header_is_refused():
    assert (
        refused(xlsx_bytes([["event", "user_id"]])) == "The file has a header row but no data rows."
    )


def test_a_damaged_xlsx_is_refused():
    data = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<not a workbook"})
    message = refused(data)
    assert message.startswith("This Excel workbook could not be read (")
    assert message.endswith("save it again as .xlsx, and upload that.")


def test_a_file_object_and_a_path_read_like_bytes(tmp_path):
    path = tmp_path / "events.csv"
    path.write_bytes(EVENTS_CSV)
    assert rows(read_table(path)) == EVENTS_ROWS
    assert rows(read_table(str(path))) == EVENTS_ROWS
    assert rows(read_table(io.BytesIO(EVENTS_CSV))) == EVENTS_ROWS
