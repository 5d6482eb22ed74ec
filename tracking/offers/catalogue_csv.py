"""Catalogue CSV uploads: check the file, validate each row like the API does, report rejects by line."""
import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from .catalogue import FIELDS, ProductIn, duplicate_skus

REQUIRED_COLUMNS = ("sku", "title")
TAG_SEPARATOR = re.compile(r"[|;]")
# The largest cell csv reads; longer ones are refused (no column holds more than 500 characters).
MAX_CELL = 10_000


class CsvFileError(ValueError):
    """The file as a whole cannot be read (encoding, header, size): nothing is imported."""


@dataclass
class RejectedRow:
    line: int                 # the row's first line in the file, the header being line 1
    sku: str
    reasons: list[str]


@dataclass
class CsvReport:
    products: list[dict] = field(default_factory=list)  # valid rows, validated like the API's
    rejected: list[RejectedRow] = field(default_factory=list)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte order mark
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise CsvFileError(_l("The file is not UTF-8 text (line %(line)d). Save it as “CSV UTF-8” "
                              "and upload it again.", line=line)) from None


def _dialect(first_line: str) -> str:
    """Comma, or the semicolon spreadsheets use where the comma is the decimal mark."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _header(row: list[str]) -> list[str]:
    names = [name.strip().lower() for name in row]
    unknown = [name for name in names if name not in FIELDS]
    if unknown:
        raise CsvFileError(_l("Unknown columns: %(names)s. The columns are: %(known)s.",
                              names=", ".join(unknown) or "“”", known=", ".join(FIELDS)))
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise CsvFileError(_l("The header row lacks these columns: %(names)s.", names=", ".join(missing)))
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise CsvFileError(_l("These columns appear twice: %(names)s.", names=", ".join(repeated)))
    return names


def _reasons(messages: dict) -> list[str]:
    """marshmallow's {field: [message]} (tags nested by index) as "field: message" lines."""
    out = []
    for name, value in messages.items():
        if isinstance(value, dict):
            value = [m for inner in value.values() for m in (inner if isinstance(inner, list) else [inner])]
        for message in value if isinstance(value, list) else [value]:
            out.append(f"{name}: {message}")
    return out


def _row_dict(names: list[str], cells: list[str]) -> dict:
    row = dict(zip(names, cells))
    if row.get("tags"):
        row["tags"] = [tag for tag in TAG_SEPARATOR.split(row["tags"]) if tag.strip()]
    return row


def read_csv(data: bytes, max_rows: int) -> CsvReport:
    """Validate every row of an uploaded catalogue; CsvFileError when the file itself is unusable.

    Cells are data, never formulas: `=SUM(A1)` is stored as those characters, and the console
    and the page escape it like any text.
    """
    text = _text(data)
    if not text.strip():
        raise CsvFileError(_l("The file is empty."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text.partition("\n")[0]))
    report, schema, rows, line = CsvReport(), ProductIn(), [], 1
    previous_limit = csv.field_size_limit(MAX_CELL)
    try:
        names = _header(next(reader))
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) + len(report.rejected) >= max_rows:
                raise CsvFileError(_l("The file has more than %(max)d products; split it.", max=max_rows))
            if len(cells) != len(names):
                report.rejected.append(RejectedRow(start, cells[0].strip() if cells else "", [str(_l(
                    "This row has %(cells)d cells; the header has %(columns)d.",
                    cells=len(cells), columns=len(names)))]))
                continue
            try:
                rows.append((start, schema.load(_row_dict(names, cells))))
            except ValidationError as error:
                sku = cells[names.index("sku")].strip()
                report.rejected.append(RejectedRow(start, sku, _reasons(error.messages)))
    except csv.Error as error:
        raise CsvFileError(_l("The file cannot be read as CSV near line %(line)d (%(error)s).",
                              line=line, error=str(error))) from None
    finally:
        csv.field_size_limit(previous_limit)
    repeats = duplicate_skus([product for _, product in rows])
    for index, (start, product) in enumerate(rows):
        if index in repeats:
            report.rejected.append(RejectedRow(start, product["sku"], [str(_l(
                "sku: %(sku)s is on line %(line)d already.", sku=product["sku"],
                line=rows[repeats[index]][0]))]))
        else:
            report.products.append(product)
    report.rejected.sort(key=lambda rejected: rejected.line)
    return report
