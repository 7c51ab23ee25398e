"""How big a workbook's text is once printed (issue 16.1): LibreOffice converts it to PDF as it
would print it (A4, its own print set-up and scaling), `pdftotext -bbox` gives every word's box,
and a box's height is 1.30 × the font size at print for the fonts Clauses uses (measured:
7 pt → 9.10, 11 pt → 14.30, 14 pt → 18.20 in a LibreOffice PDF at 100 %).

    python tests/print_measure.py outbox/2026-10/maitres-ouvrage/*.xlsx
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

BOX_PER_POINT = 1.30
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r"([^<]*)</word>")


@dataclass(frozen=True)
class Printed:
    """What a workbook looks like on paper."""

    name: str
    pages: int
    landscape: bool  # every page wider than high (A4 landscape)
    smallest: float  # the smallest text, in points at print
    smallest_word: str
    widest: float  # how far right the rightmost word reaches, in points (page width 842)

    def __str__(self) -> str:
        return (f"{self.name}: {self.pages} p., texte le plus petit {self.smallest:.1f} pt "
                f"(« {self.smallest_word} »), {'paysage' if self.landscape else 'PORTRAIT'}")


def to_pdf(workbooks: list[Path], folder: Path, timeout: int = 240) -> dict[Path, Path]:
    """Every workbook converted in ONE LibreOffice call (start-up is most of the cost). Names
    must be distinct: the PDF takes the workbook's stem."""
    profile = folder / "profil-libreoffice"  # own profile: no clash with another soffice
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), *map(str, workbooks)],
                   check=True, capture_output=True, timeout=timeout)
    return {book: folder / f"{book.stem}.pdf" for book in workbooks}


def measure(pdf: Path, name: str | None = None) -> Printed:
    text = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = _PAGE.findall(text)
    words = [(float(y1) - float(y0), float(x1), word)
             for _, y0, x1, y1, word in _WORD.findall(text) if word.strip()]
    height, _, word = min(words, default=(0.0, 0.0, ""))
    return Printed(name or pdf.stem, len(pages),
                   all(float(w) > float(h) for w, h in pages), height / BOX_PER_POINT, word,
                   max((x for _, x, _ in words), default=0.0))


def main(paths: list[str]) -> None:
    books = [Path(p) for p in paths]
    with tempfile.TemporaryDirectory() as folder:
        for book, pdf in to_pdf(books, Path(folder)).items():
            print(measure(pdf, book.name))


if __name__ == "__main__":
    if not shutil.which("soffice"):
        sys.exit("LibreOffice (soffice) est nécessaire.")
    main(sys.argv[1:])
