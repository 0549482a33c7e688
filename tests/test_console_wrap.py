"""Terminal lines broken as Chinese is set (console_wrap.py): between two characters where
either is wide, at spaces as before, never before closing nor after opening punctuation.
Each expected break below is worked out by hand from the cell widths (汉字 and full-width
punctuation 2 cells, ASCII 1)."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.text import Text

from credittool.console import _Console
from credittool.console_wrap import NO_LINE_START, Folded, break_offsets, units


def _pieces(line: str, width: int) -> list[str]:
    cuts = [0, *break_offsets(line, width), len(line)]
    return [line[a:b] for a, b in zip(cuts, cuts[1:])]


def test_a_short_prefix_is_not_left_alone_on_its_line() -> None:
    # 警2 告2 ：2 | "26 " 3 | 名 教 师 未 验 印 2 each; at 10 cells: 9 (the space at the
    # end), then 10, then the rest. rich alone gave 「警告：26」 and the whole rest below.
    assert _pieces("警告：26 名教师未验印", 10) == ["警告：26 ", "名教师未验", "印"]


def test_closing_punctuation_never_starts_a_line() -> None:
    # 一 二 三 fill 6 of 8 cells; 「四，」 stay together (4 cells) and go down as one
    assert _pieces("一二三四，五六", 8) == ["一二三", "四，五六"]


def test_opening_punctuation_never_ends_a_line() -> None:
    # 「丁」 is one run (6 cells): after 甲乙丙 (6) it starts the next line, its 「 with it
    assert _pieces("甲乙丙「丁」", 6) == ["甲乙丙", "「丁」"]


def test_ascii_breaks_at_spaces_and_folds_a_word_wider_than_the_line() -> None:
    assert _pieces("abc defgh", 5) == ["abc ", "defgh"]
    assert _pieces("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert _pieces("rejects.xlsx「未接受的行」", 14) == ["rejects.xlsx", "「未接受的行」"]


def test_a_message_through_the_console_fills_its_lines() -> None:
    # "  • " 4 + 桦甸市第三中学 14 + .xlsx 5 + ： 2 + 「成绩登记」 12 + 第 2 + 102 3 + 行与 4
    # + 「成绩登记」 12 + 第 2 = 60 cells; 101 does not fit after them
    out = io.StringIO()
    con = _Console(file=out, width=60, color_system=None)
    con.print("  • 桦甸市第三中学.xlsx：「成绩登记」第102行与「成绩登记」第101行完全重复，只计一次", highlight=False)
    assert out.getvalue().splitlines() == ["  • 桦甸市第三中学.xlsx：「成绩登记」第102行与「成绩登记」第",
                                           "101行完全重复，只计一次"]


def test_markup_is_kept_and_bad_markup_still_prints() -> None:
    out = io.StringIO()
    con = _Console(file=out, width=20, color_system=None)
    con.print("[bold]警告：[/]未验印的教师名单见报表", highlight=False)
    con.print("单元格写的是「[/]」", highlight=False)  # not markup: shown as written, no traceback
    assert out.getvalue().splitlines() == ["警告：未验印的教师名", "单见报表", "单元格写的是「[/]」"]


def test_a_table_column_may_be_as_narrow_as_its_widest_unbroken_run() -> None:
    # 桦 甸 市 第 一 中 学 break apart; 「学.xlsx」 stays together (no line starts with "."): 7 cells
    m = Folded(Text("桦甸市第一中学.xlsx")).__rich_measure__(_Console(width=80), _Console(width=80).options)
    assert (m.minimum, m.maximum) == (7, 19)


_MIXED = st.text(st.sampled_from(list("教师成绩第一行ab1 ，。「」（）.x")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(_MIXED, st.integers(2, 30))
def test_nothing_is_lost_and_every_line_fits(line: str, width: int) -> None:
    pieces = _pieces(line, width)
    assert "".join(pieces) == line
    assert all(cell_len(p.rstrip()) <= width for p in pieces)
    # a closing mark starts a line only where a run wider than the line had to be folded
    for p in pieces[1:]:
        if p[:1] in NO_LINE_START:
            assert any(cell_len(r) > width for r in _runs_of(line))


def _runs_of(line: str) -> list[str]:
    return [line[a:b].rstrip() for a, b in units(line)]
