"""Bytes of the files structures send: spreadsheets (.xlsx, .xlsm, .csv, .ods) and pièces
justificatives (.pdf, .docx).

Everything is built in memory and is byte-for-byte reproducible: zip members carry a fixed
timestamp and workbooks a fixed creation date, so the same seed gives the same files (and the
same SHA-256, which the archive and FICHIER_DEJA_RECU rely on).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.sax.saxutils import escape

import xlsxwriter


@dataclass(frozen=True)
class Styled:
    """A cell value with its Excel number format (`mmm-yy` for a month written as a date)."""

    value: object
    fmt: str


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]
    bold: set[int] = field(default_factory=set)  # indexes of title and header rows
    widths: dict[int, float] = field(default_factory=dict)


_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _zip(members: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index, (name, data) in enumerate(members):
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            stored = stored_first and index == 0  # ODF wants `mimetype` first, uncompressed
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def xlsx_bytes(sheets: list[Sheet], *, created: datetime, macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
    })
    workbook.set_properties({"created": created, "author": "", "company": ""})
    bold = workbook.add_format({"bold": True})
    formats: dict[str, object] = {"dd/mm/yyyy": workbook.add_format({"num_format": "dd/mm/yyyy"})}
    for sheet in sheets:
        worksheet = workbook.add_worksheet(sheet.name)
        for column, width in sheet.widths.items():
            worksheet.set_column(column, column, width)
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                style = bold if r in sheet.bold else None
                if isinstance(value, Styled):
                    fmt = formats.setdefault(value.fmt, workbook.add_format({"num_format": value.fmt}))
                    worksheet.write_datetime(r, c, _as_datetime(value.value), fmt)
                elif isinstance(value, date):
                    worksheet.write_datetime(r, c, _as_datetime(value), formats["dd/mm/yyyy"])
                elif isinstance(value, int | float):
                    worksheet.write_number(r, c, value, style)
                elif value not in (None, ""):
                    worksheet.write_string(r, c, str(value), style)
    workbook.close()
    content = buffer.getvalue()
    return _macro_enabled(content) if macro else content


def _as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    assert isinstance(value, date)
    return datetime(value.year, value.month, value.day)


def _macro_enabled(content: bytes) -> bytes:
    """An .xlsm: the same package declared macro-enabled (what Excel saves for a workbook kept
    in .xlsm without macros). xlsxwriter only does it with a VBA project, which we have not."""
    source = zipfile.ZipFile(io.BytesIO(content))
    members = []
    for info in source.infolist():
        data = source.read(info)
        if info.filename == "[Content_Types].xml":
            data = data.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        members.append((info.filename, data))
    return _zip(members)


def csv_bytes(sheet: Sheet, *, delimiter: str, encoding: str) -> bytes:
    """A CSV as Excel exports it: every row as wide as the table, CRLF line ends; with `;` the
    decimal separator is a comma (the French Windows setting)."""
    width = max(len(row) for row in sheet.rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in sheet.rows:
        cells = [_csv_text(value, delimiter) for value in row]
        writer.writerow(cells + [""] * (width - len(cells)))
    return buffer.getvalue().encode(encoding)


def _csv_text(value: object, delimiter: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Styled):
        value = value.value
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if delimiter == ";" else text
    return str(value)


def ods_bytes(sheets: list[Sheet]) -> bytes:
    """A minimal OpenDocument spreadsheet (what LibreOffice needs to open it, nothing more)."""
    tables = []
    for sheet in sheets:
        rows = "".join(
            "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
            for row in sheet.rows
        )
        tables.append(f'<table:table table:name="{escape(sheet.name)}">{rows}</table:table>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet>{"".join(tables)}</office:spreadsheet></office:body>'
        '</office:document-content>'
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '</manifest:manifest>'
    )
    return _zip([
        ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
        ("content.xml", content.encode()),
        ("META-INF/manifest.xml", manifest.encode()),
    ], stored_first=True)


def _ods_cell(value: object) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, Styled):
        value = value.value
    if isinstance(value, date):
        return (f'<table:table-cell office:value-type="date" office:date-value="{value:%Y-%m-%d}">'
                f"<text:p>{value:%d/%m/%Y}</text:p></table:table-cell>")
    if isinstance(value, int | float):
        shown = f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{shown}</text:p></table:table-cell>")
    return (f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
            "</text:p></table:table-cell>")


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF with the given lines (a scanned contract stands in for the real one)."""
    def text(line: str) -> bytes:
        raw = line.encode("cp1252", errors="replace")
        return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    stream = b"BT /F1 11 Tf 56 780 Td 15 TL " + b"".join(
        b"(" + text(line) + b") Tj T* " for line in lines) + b"ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A minimal Word document (an end-of-mission evaluation sheet)."""
    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(p)}</w:t></w:r></w:p>"
                   for p in paragraphs)
    return _zip([
        ("[Content_Types].xml", (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" '
            b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/word/document.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        )),
        ("_rels/.rels", (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
        )),
        ("word/document.xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>"
        ).encode()),
    ])


def truncated(content: bytes) -> bytes:
    """A copy cut short, as a transfer that failed half way leaves it (FICHIER_ILLISIBLE)."""
    return content[: len(content) * 3 // 5]
