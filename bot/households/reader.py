"""A ledger file's cells: XLSX (the first sheet) or CSV (UTF-8, with or without BOM, or GBK/GB18030), refused
whole when it is too large, not a spreadsheet, or holds formulas (a formula's value is whatever Excel last
computed, and a formula in a CSV runs when staff open it)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

MAX_ROWS = 200_000
MAX_COLUMNS = 100
_UNPACKED_FACTOR = 20  # an XLSX may unpack to at most this many times its size (zip bombs)


class FileRefused(ValueError):
    """The whole file cannot be read; the message says why, in Chinese."""


@dataclass
class Sheet:
    header: list[object]
    rows: list[tuple[int, list[object]]]  # (row number as the spreadsheet shows it, cells)
    formulas: list[tuple[int, int]] = field(default_factory=list)  # (row number, column index) of formula cells


def read_sheet(name: str, data: bytes, max_bytes: int) -> Sheet:
    if len(data) > max_bytes:
        raise FileRefused(
            f"文件太大（{len(data) / 1024 / 1024:.1f} MB），最大 {max_bytes / 1024 / 1024:g} MB；"
            "请按片区分成几个文件导入"
        )
    if not data.strip():
        raise FileRefused("文件是空的")
    lowered = name.lower()
    if data[:4] == b"PK\x03\x04" or lowered.endswith(".xlsx"):
        return _read_xlsx(data, max_bytes)
    if lowered.endswith((".xls", ".et", ".numbers", ".ods")):
        raise FileRefused("只支持 .xlsx 和 .csv 文件，请在 Excel/WPS 中“另存为” .xlsx")
    return _read_csv(data)


def _read_xlsx(data: bytes, max_bytes: int) -> Sheet:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FileRefused("文件不是有效的 .xlsx 表格（可能已损坏）") from None
    if unpacked > max_bytes * _UNPACKED_FACTOR:
        raise FileRefused("表格解压后过大，不能导入")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a damaged or foreign file
        raise FileRefused("文件不是有效的 .xlsx 表格（可能已损坏或加了密码）") from None
    try:
        sheet = book.worksheets[0]
        header: list[object] | None = None
        rows: list[tuple[int, list[object]]] = []
        formulas: list[tuple[int, int]] = []
        # values only (no cell objects: twice as fast); read without data_only, a formula cell's value is its text
        # (no max_col: read-only mode would pad every row with empty cells up to it)
        for number, cells in enumerate(sheet.iter_rows(values_only=True), 1):
            values: list[object] = list(cells[:MAX_COLUMNS])
            for index, value in enumerate(values):
                if isinstance(value, str) and value.startswith("="):
                    formulas.append((number, index))
                    values[index] = None
            if header is None:
                if any(v not in (None, "") for v in values):
                    header = values
                continue
            if all(v in (None, "") for v in values):
                continue
            rows.append((number, values))
            if len(rows) > MAX_ROWS:
                raise FileRefused(f"超过 {MAX_ROWS:,} 行，请按片区分成几个文件导入")
    finally:
        book.close()
    if header is None:
        raise FileRefused("表格第一页是空的")
    return Sheet(header, rows, formulas)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # a superset of GBK, what Excel on a Chinese Windows saves CSV in
    except UnicodeDecodeError:
        raise FileRefused("无法识别文件的编码，请另存为 UTF-8 或 GBK 编码的 CSV，或 .xlsx") from None


def _read_csv(data: bytes) -> Sheet:
    text = _decode(data)
    if "\x00" in text:
        raise FileRefused("文件不是文本格式的 CSV，请另存为 .xlsx 或 CSV")
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[object] | None = None
    rows: list[tuple[int, list[object]]] = []
    formulas: list[tuple[int, int]] = []
    try:
        for number, record in enumerate(reader, 1):
            cells: list[object] = list(record[:MAX_COLUMNS])
            if header is None:
                if any(c.strip() for c in record):
                    header = cells
                continue
            if not any(c.strip() for c in record):
                continue
            for index, cell in enumerate(cells):
                if isinstance(cell, str) and cell.lstrip().startswith("="):
                    formulas.append((number, index))
                    cells[index] = None
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise FileRefused(f"超过 {MAX_ROWS:,} 行，请按片区分成几个文件导入")
    except csv.Error:
        raise FileRefused("CSV 格式有误（引号不成对？），请用 Excel/WPS 重新保存") from None
    if header is None:
        raise FileRefused("文件是空的")
    return Sheet(header, rows, formulas)
