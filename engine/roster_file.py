"""A staff roster (人员名册) as a spreadsheet: reading one, and the template to fill in.

An .xlsx workbook (its first sheet), or a .csv text in UTF-8, with or without its BOM, or in GBK
as Excel in China saves one. The first row names the columns, in Chinese as the template does or
in English; the order is free and other columns are left aside (an export from another system
may carry a phone number). Each further row is one person; blank rows are skipped. Only the file
itself is judged here (its kind, its size, its columns): what each row says is checked against
the people and departments there are by engine/services/roster.py.
"""
import csv
import io
import zipfile
from typing import NamedTuple

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from engine.errors import Invalid

# key: the Chinese header (the template's) and the English one.
COLUMNS = {"login": ("登录名", "login"), "name": ("姓名", "name"), "department": ("部门代码", "department code"),
           "department_name": ("部门名称", "department name"), "roles": ("角色", "roles")}
REQUIRED = ("login", "name", "department", "roles")
MAX_ROWS = 2000  # people in one file: a county's service centre is a few hundred
MAX_BYTES = 1024 * 1024  # a roster of MAX_ROWS takes a tenth of it
# What an .xlsx may unpack to: a few megabytes for MAX_ROWS, not the gigabytes a crafted
# archive of a megabyte could hold.
MAX_UNPACKED = 40 * 1024 * 1024
MAX_COLUMNS = 50
MAX_LINES = 10 * MAX_ROWS  # blank rows in between too
XLSX_SIGNATURE, XLS_SIGNATURE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"


class Row(NamedTuple):
    number: int  # as the spreadsheet numbers it: the header is row 1
    login: str
    name: str
    department: str
    department_name: str
    roles: str


class Sheet(NamedTuple):
    rows: list[Row]
    headers: dict[str, str]  # key -> the column's header as the file writes it, to name it back
    ignored: list[str]  # headers of the columns left aside


def read(data: bytes, filename: str) -> Sheet:
    """The roster's rows, or Invalid naming what is wrong with the file as a whole."""
    if not data:
        raise Invalid("%(file)s is empty", file=filename)
    if len(data) > MAX_BYTES:
        raise Invalid("%(file)s is larger than %(size)s MB: a roster of %(rows)s people takes a tenth of that",
                      file=filename, size=MAX_BYTES // (1024 * 1024), rows=MAX_ROWS)
    kind = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data.startswith(XLS_SIGNATURE):
        raise Invalid("%(file)s is a workbook of Excel 97-2003 (.xls): save it as .xlsx or .csv", file=filename)
    if kind == "xlsx" and data.startswith(XLSX_SIGNATURE):
        return _workbook(data, filename)
    if kind in ("csv", "txt") and not data.startswith(XLSX_SIGNATURE) and b"\0" not in data:
        try:
            return _rows(csv.reader(io.StringIO(_text(data, filename), newline="")), filename)
        except csv.Error as exc:  # a cell past the module's limit, a quote left open at the end
            raise Invalid("%(file)s cannot be read as CSV: %(error)s", file=filename, error=str(exc)) from exc
    raise Invalid("%(file)s is not a spreadsheet: send a .xlsx workbook or a .csv file", file=filename)


def _workbook(data: bytes, filename: str) -> Sheet:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > MAX_UNPACKED:
            raise Invalid("%(file)s unpacks to more than %(size)s MB: not a roster", file=filename,
                          size=MAX_UNPACKED // (1024 * 1024))
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Invalid:
        raise
    except Exception as exc:  # a ZIP that is no workbook, or a broken one: openpyxl's errors vary
        raise Invalid("%(file)s is not a workbook that can be read (%(error)s): save it again as .xlsx or .csv",
                      file=filename, error=type(exc).__name__) from exc
    try:
        return _rows(([_shown(value) for value in line]
                      for line in book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)), filename)
    finally:
        book.close()


def _shown(value) -> str:
    """A cell's value as the sheet shows it: a login of digits is 1024, not 1024.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(data: bytes, filename: str) -> str:
    """UTF-8 (Excel's "CSV UTF-8" begins with a BOM), else GBK, as Excel in China saves a CSV
    (read as GB 18030, which contains it)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("%(file)s is neither UTF-8 nor GBK text: save it from Excel as CSV", file=filename)


def _rows(lines, filename: str) -> Sheet:
    """The people of the lines (each a list of cells), numbered as the spreadsheet numbers them.
    Read no further than MAX_LINES: a sheet can say its last row is the millionth."""
    header, where, ignored, rows = None, {}, [], []
    for number, line in enumerate(lines, start=1):
        if number > MAX_LINES:
            raise Invalid("%(file)s goes on past row %(max)s: delete the rows below its people", file=filename,
                          max=MAX_LINES)
        cells = [cell.strip() for cell in line[:MAX_COLUMNS]]  # U+3000, a Chinese space, too
        if not any(cells):
            continue
        if len(rows) == MAX_ROWS:
            raise Invalid("%(file)s has more than %(max)s people: import it in parts", file=filename, max=MAX_ROWS)
        if header is None:
            header = cells
            where, ignored = _columns(header, filename)
            continue
        rows.append(Row(number, *(cells[where[key]] if where.get(key, len(cells)) < len(cells) else ""
                                  for key in COLUMNS)))
    if header is None:
        raise Invalid("%(file)s has no rows", file=filename)
    if not rows:
        raise Invalid("%(file)s names no one: its first row names the columns, each further row a person",
                      file=filename)
    return Sheet(rows, {key: header[index] for key, index in where.items()}, ignored)


def _columns(header: list[str], filename: str) -> tuple[dict[str, int], list[str]]:
    """Which column holds what (key -> index), and the headers left aside."""
    known = {_key(name): key for key, names in COLUMNS.items() for name in names}
    where, ignored = {}, []
    for index, text in enumerate(header):
        key = known.get(_key(text))
        if key is None:
            if text:
                ignored.append(text)
        elif key in where:
            raise Invalid("%(file)s has two columns %(column)s", file=filename, column=text)
        else:
            where[key] = index
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in where]
    if missing:
        raise Invalid("%(file)s has no column %(columns)s: its first row names the columns (%(all)s)",
                      file=filename, columns=", ".join(missing), all=", ".join(names[0] for names in COLUMNS.values()))
    return where, ignored


def _key(text: str) -> str:
    """A header as compared: case, spaces and underscores aside (Department_Code)."""
    return "".join(ch for ch in text.casefold() if ch not in " _")


def template(roles: list[tuple[str, str]], departments: list[tuple[str, str]]) -> bytes:
    """The workbook to fill in: the columns, and a second sheet listing the role names it takes
    (name, code) and the departments there are (code, name)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "人员名册"
    sheet.append([names[0] for names in COLUMNS.values()])
    for cell, width in zip(sheet[1], (16, 12, 14, 24, 30)):
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = width
    notes = book.create_sheet("说明")
    notes.append(["登录名：字母、数字及 _ . @ -；姓名、部门代码、角色必填；部门名称只在部门代码为新时填写，用于新建部门。"])
    notes.append(["角色可填多个，以顿号、逗号、分号或空格分隔。只读第一张工作表；文件中没有的人员保持不变。"])
    notes.append([])
    notes.append(["角色", "代码"])
    for code, name in roles:
        notes.append([name, code])
    notes.append([])
    notes.append(["部门代码", "部门名称"])
    for code, name in departments:
        notes.append([code, name])
        notes.cell(notes.max_row, 2).data_type = "s"  # a name typed as "=..." stays text
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 18, 30
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
