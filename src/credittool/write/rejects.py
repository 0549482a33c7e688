"""rejects.xlsx: what the term's active files held that is not in the register. 未接受的行
(each rejected row: file, sheet, row, column, the value seen, why, what to do, the code),
跳过的行 (blank rows, totals rows, exact duplicates) and 未导入的工作表 (hidden sheets and
sheets without a header), so that every row read is accounted for."""

from __future__ import annotations

import sqlite3

from credittool.diagnostics import Unimported
from credittool.ledger import registerrows
from credittool.write.xlsxout import SheetSpec

REJECT_COLUMNS = ["文件", "工作表", "行号", "列", "原值", "原因", "处理办法", "代码"]
SKIP_COLUMNS = ["文件", "工作表", "行号", "原因"]
UNIMPORTED_COLUMNS = ["文件", "工作表", "行数", "原因", "同名课程"]


def build_rejects(con: sqlite3.Connection, term_id: str) -> list[SheetSpec]:
    rej = registerrows.rejects(con, term_id)
    skip = registerrows.skipped(con, term_id)
    sheets = registerrows.unimported_sheets(con, term_id)
    unimported = [[fname, sheet, rows, Unimported(fname, sheet, rows, bool(hidden)).why, cname]
                  for fname, sheet, rows, hidden, cname in sheets]
    # long texts wrap, so that a page is one page wide at ≥ 9 pt (widths sum to ≤ 129 landscape,
    # ≤ 89 portrait); 原值 holds an 18-digit ID on a line, the rest gives the fewest lines
    return [SheetSpec("未接受的行", REJECT_COLUMNS, [list(r) for r in rej], landscape=True,
                      widths={"文件": 12, "工作表": 20, "行号": 5, "列": 8, "原值": 19, "原因": 28, "处理办法": 23,
                              "代码": 14}, wrap=("文件", "工作表", "列", "原值", "原因", "处理办法")),
            SheetSpec("跳过的行", SKIP_COLUMNS, [list(r) for r in skip], wrap=("文件", "工作表", "原因"),
                      widths={"文件": 20, "工作表": 16, "行号": 6, "原因": 46}),
            SheetSpec("未导入的工作表", UNIMPORTED_COLUMNS, unimported, wrap=("文件", "工作表", "原因", "同名课程"),
                      widths={"文件": 20, "工作表": 20, "行数": 6, "原因": 29, "同名课程": 14})]
