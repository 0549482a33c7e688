"""Line breaking for Chinese text in the terminal.

rich breaks a line only at spaces, so a message such as 「警告：26 名教师未验印是因为……」 is
one short word and one long one: 「警告：26」 stays alone on its line and the rest goes below
it. Here a line may also break between two characters where either is wide (汉字, full-width
punctuation), as Chinese is set, but never before closing punctuation (，。）」…) nor after
opening punctuation (（「…): the common rule of Chinese typesetting (避头尾).
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

NO_LINE_START = frozenset("，。、；：？！）」』】》〉…％,.;:?!)]}%")
NO_LINE_END = frozenset("（「『【《〈([{")


def _breakable(a: str, b: str) -> bool:
    """Whether a line may break between the characters `a` and `b`."""
    if b.isspace() or b in NO_LINE_START:
        return False
    if a.isspace():
        return True  # after a run of spaces, which stay at the end of the line
    return a not in NO_LINE_END and (cell_len(a) > 1 or cell_len(b) > 1)


def units(line: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of `line` that must stay on one line, trailing spaces included."""
    start = 0
    for i in range(1, len(line)):
        if _breakable(line[i - 1], line[i]):
            yield start, i
            start = i
    if line:
        yield start, len(line)


def break_offsets(line: str, width: int) -> list[int]:
    """Where to break `line` (one line, no newline) so that each piece fits in `width` cells:
    at the last place a break is allowed, or, for a run wider than a whole line, where it
    reaches the edge."""
    offsets: list[int] = []
    col = 0
    for start, end in units(line):
        piece = line[start:end]
        if col and col + cell_len(piece.rstrip()) > width:
            offsets.append(start)
            col = 0
        for k, ch in enumerate(piece):  # a run wider than the line: folded where it reaches the edge
            w = cell_len(ch)
            if col and col + w > width and not ch.isspace():
                offsets.append(start + k)
                col = 0
            col += w
    return offsets


class Folded:
    """A Text that rich lays out with the breaks above: the text is cut into lines that fit,
    and rich then lays out each line as it stands (styles, overflow and justification are its)."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def _lines(self, width: int) -> list[Text]:
        return [piece for line in self.text.split(allow_blank=True)
                for piece in line.divide(break_offsets(line.plain, max(width, 1)))]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        t = self.text
        if t.no_wrap or options.no_wrap:
            yield t
            return
        yield Text("\n", justify=t.justify, overflow=t.overflow, end=t.end).join(self._lines(options.max_width))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        lines = self.text.plain.splitlines() or [""]
        widest = max(cell_len(line) for line in lines)
        narrowest = max((cell_len(line[s:e].rstrip()) for line in lines for s, e in units(line)), default=0)
        return Measurement(narrowest, widest)
