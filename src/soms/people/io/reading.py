"""Turn an uploaded file into a header and rows of text, or refuse it with one clear sentence."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from soms import limits

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class FileProblem(ValueError):
    """The file as a whole cannot be read (encoding, format, sheets, size)."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)
    encoding: str = ""
    sheet: str = ""
    notes: list[str] = field(default_factory=list)


def unescape(value: str) -> str:
    """Undo the export's formula-injection guard: "'=SUM(A1)" was written for "=SUM(A1)"."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        return value[1:]
    return value


def escape(value: str) -> str:
    """Make a cell that a spreadsheet would run as a formula into plain text."""
    if value and value[0] in FORMULA_START:
        return "'" + value
    return value


def _decode(content: bytes) -> tuple[str, str]:
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise FileProblem(
                f"The file starts like UTF-16 but byte {exc.start} is not valid UTF-16."
            ) from None
    if b"\x00" in content[:4096]:
        raise FileProblem(
            "The file contains NUL bytes: it looks like UTF-16 without a byte-order mark, or is not a text "
            "file. Save it as CSV UTF-8 (or UTF-16 with a byte-order mark) and upload it again."
        )
    try:
        return content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        # Excel's "CSV" on Windows writes Windows-1252; it defines every byte but five.
        return content.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"The file is neither UTF-8 nor Windows-1252 text (byte {exc.start}). Save it as CSV UTF-8."
        ) from None


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_csv(content: bytes) -> Table:
    text, encoding = _decode(content)
    dialect = _dialect(text)
    # strict: a quote left open would otherwise run to the end of the file as one cell, and every
    # row after it would silently become part of one person's name.
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1  # the line the record being read starts on
    try:
        headers = next(reader, None)
        if headers is None:
            raise FileProblem("The file is empty: the first row must name the columns.")
        _check_width(len(headers))
        start = reader.line_num + 1
        for cells in reader:
            if cells:  # csv.reader gives [] for a blank line
                rows.append((start, [unescape(c) for c in cells]))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise FileProblem(
                f"Line {start}: a quoted value starts there and its closing quote never comes, so "
                "the rest of the file would be read as one cell. Close the quote (a quote inside a "
                'value is written twice: "").'
            ) from None
        raise FileProblem(f"The CSV cannot be read at line {reader.line_num}: {exc}") from None
    table = Table(headers=[h.strip() for h in headers], rows=rows, encoding=encoding)
    _check_ragged(table, "line")
    if encoding == "Windows-1252":
        table.notes.append("Read as Windows-1252 text (not UTF-8).")
    return table


def _check_width(columns: int) -> None:
    if columns > limits.MAX_IMPORT_COLUMNS:
        raise FileProblem(
            "The first row names "
            + limits.over("columns", columns, limits.MAX_IMPORT_COLUMNS, "MAX_IMPORT_COLUMNS")
            + "."
        )


def _check_ragged(table: Table, where: str) -> None:
    """A row with more values than the header has columns lost a quote (a name such as "Smith,
    John" written without quotes shifts every later cell); its extra values would be dropped
    without a word. Refused, naming the rows. Short rows are read as empty trailing cells."""
    width = len(table.headers)
    long = [
        (n, len(cells))
        for n, cells in table.rows
        if len(cells) > width and any(c.strip() for c in cells[width:])
    ]
    if not long:
        return
    shown = ", ".join(f"{where} {n} has {count}" for n, count in long[:10])
    more = f" (and {len(long) - 10:,} more)" if len(long) > 10 else ""
    raise FileProblem(
        f"The header names {width} columns but some rows have more values: {shown}{more}. A value that "
        "contains the separator must be in quotes; every value needs a column in the first row."
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return unescape(str(value))


def sheet_names(content: bytes) -> list[str]:
    from python_calamine import CalamineWorkbook

    try:
        return list(CalamineWorkbook.from_filelike(io.BytesIO(content)).sheet_names)
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise FileProblem(f"The file is not a readable XLSX workbook ({exc}).") from None


def read_xlsx(content: bytes, sheet: str | None = None) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception as exc:
        raise FileProblem(f"The file is not a readable XLSX workbook ({exc}).") from None
    names = list(book.sheet_names)
    if sheet:
        if sheet not in names:
            raise FileProblem(f"There is no sheet {sheet!r}; the workbook has: {', '.join(names)}.")
        chosen = sheet
    elif len(names) == 1:
        chosen = names[0]
    else:
        raise FileProblem(
            f"The workbook has {len(names)} sheets ({', '.join(names)}): choose the one to import."
        )
    data = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    if not data:
        raise FileProblem(f"Sheet {chosen!r} is empty: the first row must name the columns.")
    headers = [_cell(h).strip() for h in data[0]]
    # A sheet's used area can be wider than its header (a stray value far to the right); trailing
    # columns without a name are dropped only when they are empty.
    while headers and not headers[-1]:
        headers.pop()
    _check_width(len(headers))
    rows = [(n, [_cell(c) for c in cells]) for n, cells in enumerate(data[1:], start=2)]
    table = Table(headers=headers, rows=rows, encoding="XLSX", sheet=chosen)
    _check_ragged(table, "row")
    return table


def is_xlsx(content: bytes, filename: str) -> bool:
    return content[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm"))


def read_header(
    content: bytes, filename: str, *, sheet: str | None = None, max_bytes: int | None = None
) -> list[str] | None:
    """What can be refused without reading every row: size, emptiness, encoding, an unreadable
    workbook or a sheet to choose, and the header of a CSV (its columns). Milliseconds for a file of
    50,000 rows, so a large file can be refused in the request and checked row by row in a job.
    Answers the CSV's header, or None for a workbook (its header is in the sheet, read by the job)."""
    if max_bytes is not None and len(content) > max_bytes:
        raise FileProblem(f"The file is {len(content):,} bytes; the limit is {max_bytes:,} bytes.")
    if not content:
        raise FileProblem("The file is empty.")
    if is_xlsx(content, filename):
        names = sheet_names(content)
        if sheet and sheet not in names:
            raise FileProblem(f"There is no sheet {sheet!r}; the workbook has: {', '.join(names)}.")
        if not sheet and len(names) > 1:
            raise FileProblem(
                f"The workbook has {len(names)} sheets ({', '.join(names)}): choose the one to import."
            )
        return None
    if filename.lower().endswith(".xls"):
        raise FileProblem("Old Excel (.xls) files are not read: save the sheet as .xlsx or CSV.")
    text, _ = _decode(content)
    # The reader is lazy: only the first record is parsed.
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text), strict=True)
    try:
        headers = next(reader, None)
    except csv.Error as exc:
        raise FileProblem(f"The first row of the CSV cannot be read: {exc}") from None
    if headers is None:
        raise FileProblem("The file is empty: the first row must name the columns.")
    _check_width(len(headers))
    return [h.strip() for h in headers]


def read_table(
    content: bytes, filename: str, *, sheet: str | None = None, max_bytes: int | None = None
) -> Table:
    if max_bytes is not None and len(content) > max_bytes:
        raise FileProblem(f"The file is {len(content):,} bytes; the limit is {max_bytes:,} bytes.")
    if not content:
        raise FileProblem("The file is empty.")
    if is_xlsx(content, filename):
        return read_xlsx(content, sheet)
    if filename.lower().endswith(".xls"):
        raise FileProblem("Old Excel (.xls) files are not read: save the sheet as .xlsx or CSV.")
    return read_csv(content)
