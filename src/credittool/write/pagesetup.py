"""How every output sheet prints: A4, one page wide, the header row on every page, margins,
and a footer 「<title>　第 N 页 共 M 页」. The writer (rustpy-xlsxwriter, xlsxout.py) takes
its settings from here.

Fit to width lets the viewer pick the scale. A sheet is laid out (columns chosen, widths,
orientation) so that the scale stays at or above MIN_SCALE: the default 11 pt font then
prints at 9 pt or more. `fit_scale` estimates that scale from the column widths, as Excel
and LibreOffice compute a column's width from its character count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

A4 = 9  # Excel's paper size code
A4_INCHES = (8.27, 11.69)  # width, height (portrait)
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.6, "header": 0.2, "footer": 0.25}  # inches
FONT_PT = 11  # the writers' default font size
MIN_SCALE = 9 / FONT_PT  # printed text ≥ 9 pt
WHOLE_COLUMN = 1_048_574  # a row index past any table (not the last row: openpyxl cannot read $B:$M)


def footer(title: str) -> str:
    """Excel's footer codes: the title on the left, 第 &P 页 共 &N 页 on the right."""
    return "&L" + title.replace("&", "&&") + "&R第 &P 页 共 &N 页"


def column_points(width: float) -> float:
    """A column `width` characters wide, in points, as LibreOffice lays it out without
    Calibri (measured: 7 pt per character plus 5); Excel's Calibri is narrower (5.25 pt)."""
    return 7 * width + 5


def printable_points(landscape: bool) -> float:
    paper = A4_INCHES[1] if landscape else A4_INCHES[0]
    return (paper - MARGINS["left"] - MARGINS["right"]) * 72


def fit_scale(widths: Sequence[float], landscape: bool) -> float:
    """The scale at which columns of these widths fill one page width (at most 1)."""
    return min(1.0, printable_points(landscape) / sum(column_points(w) for w in widths))


def print_span(columns: Sequence[str], printed: tuple[str, str] | None) -> tuple[int, int]:
    """(first, last) index of the columns that print; the others stay on screen only."""
    if printed is None:
        return 0, max(len(columns) - 1, 0)
    return columns.index(printed[0]), columns.index(printed[1])


def rust_page(title: str, landscape: bool, header_row: int, span: tuple[int, int],
              gridlines: bool = False) -> dict[str, Any]:
    """rustpy-xlsxwriter's `page_setup` of one sheet."""
    return {"landscape": landscape, "paper_size": A4, "margins": dict(MARGINS),
            "print_area": (0, span[0], WHOLE_COLUMN, span[1]), "repeat_rows": (header_row, header_row),
            "fit_to_pages": (1, 0), "footer": footer(title), "print_gridlines": gridlines}


# How a wrapped cell's text breaks into lines, as LibreOffice sets it without Calibri
# (measured on its PDFs; its fallback is DejaVu Sans): a CJK character is one em (11 pt), a
# digit or small letter at most 7 pt, a capital 8 (W, M: more), a line 16 pt. The estimate
# errs towards more lines: a row a line too tall wastes a little paper, a row a line too
# short prints its text over the next row.
CJK_POINTS = 11.0
LATIN_POINTS = 7.0
CAPITAL_POINTS = 8.0
NARROW_POINTS = 4.5
_NARROW = set(" .,:;'!|()[]/ijl")
LINE_POINTS = 16.0
CELL_PADDING = 6.0  # points of a column's width that text cannot use
_NO_BREAK_BEFORE = set("，。、；：？！）》」』】〕…,.;:?!)]}%")  # closing marks stay on the line
_NO_BREAK_AFTER = set("（《「『【〔([{")  # opening marks go with what follows


def _char_points(ch: str) -> float:
    if ch > "\u2e80":
        return CJK_POINTS
    return NARROW_POINTS if ch in _NARROW else CAPITAL_POINTS if "A" <= ch <= "Z" else LATIN_POINTS


_ASCII_POINTS = {chr(i): _char_points(chr(i)) for i in range(128)}  # any other character: as wide as CJK
_CJK = "\u2e81-\U0010ffff"
# where a line may break: after a space, and between two CJK characters (not before a closing
# mark, not after an opening one); Latin text joined to a CJK character stays with it
_BREAK = re.compile(rf"(?<= )|(?<=[{_CJK}])(?<![{re.escape(''.join(_NO_BREAK_AFTER))}])"
                    rf"(?=[{_CJK}])(?![{re.escape(''.join(_NO_BREAK_BEFORE))}])")


def _pieces(text: str) -> list[str]:
    """`text` cut where a line may break."""
    return [p for p in _BREAK.split(text) if p]


def text_lines(text: Any, width: float) -> int:
    """Lines that `text` takes in a wrapped cell of a column `width` characters wide: pieces
    (see `_pieces`) fill a line in turn; a piece wider than a whole line breaks anywhere."""
    s = "" if text is None else str(text)
    room = max(column_points(width) - CELL_PADDING, CJK_POINTS)
    if len(s) * CJK_POINTS <= room:  # no character is wider than a CJK one
        return 1
    return _lines(s, room)


@lru_cache(maxsize=1 << 12)  # pieces repeat: most are one CJK character
def _piece_points(piece: str) -> tuple[float, float]:
    """A piece's width on a line, and the room it takes there (less: spaces at a line's end)."""
    points = sum(_ASCII_POINTS.get(ch, CJK_POINTS) for ch in piece)
    return points, points - NARROW_POINTS * (len(piece) - len(piece.rstrip(" ")))


@lru_cache(maxsize=1 << 14)  # a province's reasons: a few patterns, each on many teachers
def _lines(s: str, room: float) -> int:
    lines, used = 1, 0.0
    for piece in _pieces(s):
        points, size = _piece_points(piece)
        if used and used + size > room:
            lines, used = lines + 1, 0.0
        if size <= room:
            used += points
            continue
        for ch in piece:  # a piece longer than a whole line: character by character
            w = _ASCII_POINTS.get(ch, CJK_POINTS)
            if used + w > room:
                lines, used = lines + 1, 0.0
            used += w
    return lines


def row_points(lines: int) -> float:
    """The height of a row whose tallest cell is `lines` lines of wrapped text."""
    return LINE_POINTS * lines + 2
