"""Mutate the sample county's real files and read each mutant with credittool.read.readers.

Run as a subprocess by test_fuzz.py (`python hostile_mutate.py SEED COUNT OUTDIR`): a mutant
that makes a parser abort the process then fails that test rather than the test runner.
Two kinds of mutation: raw bytes (flip, cut, insert, delete: mostly caught by the zip CRC
or the OLE2 structure), and edits inside a zip part's XML re-packed with valid CRCs, which
reach calamine. Prints a JSON summary: outcome counts, and any exception that escaped.
"""

from __future__ import annotations

import json
import random
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

from credittool.read.readers import ReadError, read_workbook

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "county-2009-h1"
SNIPPETS = [b'<c r="B2"><v>1</v></c>', b'<c r="ZZ99"><v>1</v></c>', b"<c>", b"</c>", b"<row>", b"</row>",
            b'<row r="7">', b'<c r="A1" t="e"><v>#N/A</v></c>', b'<c r="C3" t="e"><v>#WHAT</v></c>', b"<f>1</f>",
            b"<v/>", b"&amp;", b"&bogus;", b'<!-- <c r="XFD1"> -->', b"<c r='b3'><v>2</v></c>",
            b'<x:c r="D4"><x:v>3</x:v></x:c>', b'"', b"'", b">", b"<", b'<c r="A0"><v>1</v></c>',
            b'<c r="A4294967297"><v>1</v></c>', b'<row r="0">', b"\x00", b"\xff\xfe", b'<sheet name="x" r:id="rId9"/>',
            b'<c r="IV65536"><v>1</v></c>', b'<row r="1048576" hidden="1">']


def mutate_bytes(rng: random.Random, data: bytearray) -> bytearray:
    k = rng.randrange(4)
    pos = rng.randrange(len(data))
    if k == 0:
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif k == 1:
        del data[pos:]
    elif k == 2:
        data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 50)))
    else:
        del data[pos:pos + rng.randint(1, 200)]
    return data


def mutate_xml(rng: random.Random, src: Path, dst: Path) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        names = zin.namelist()
        victim = rng.choice([n for n in names if n.endswith(".xml")])
        for name in names:
            data = zin.read(name)
            if name == victim:
                data = bytearray(data)
                for _ in range(rng.randint(1, 8)):
                    pos, k = rng.randrange(len(data) + 1), rng.randrange(4)
                    if k == 0:
                        data[pos:pos] = rng.choice(SNIPPETS)
                    elif k == 1:
                        del data[pos:pos + rng.randint(1, 40)]
                    elif k == 2 and data:
                        data[min(pos, len(data) - 1)] = rng.randrange(256)
                    else:
                        a, b = sorted((rng.randrange(len(data) + 1), rng.randrange(len(data) + 1)))
                        data[pos:pos] = data[a:b][:2000]
                data = bytes(data)
            zout.writestr(name, data, compress_type=zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)


def main(seed: int, count: int, out: Path) -> dict:
    rng = random.Random(seed)
    sources = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".xlsx", ".xls", ".csv"))
    zips = [p for p in sources if p.suffix == ".xlsx"]
    outcomes: Counter[str] = Counter()
    escaped, slowest = [], 0.0
    for i in range(count):
        if rng.random() < 0.6:
            src = rng.choice(zips)
            path = out / f"x{i}{src.suffix}"
            mutate_xml(rng, src, path)
        else:
            src = rng.choice(sources)
            path = out / f"b{i}{src.suffix}"
            path.write_bytes(mutate_bytes(rng, bytearray(src.read_bytes())))
        start = time.monotonic()
        try:
            wb = read_workbook(path)
            outcomes["read"] += 1
            outcomes["read with flags"] += any(s.cell_flags for s in wb.sheets)
        except ReadError as exc:
            outcomes[exc.code] += 1
        except BaseException as exc:  # noqa: BLE001 - this is what the test looks for
            escaped.append(f"{path.name} from {src.name}: {type(exc).__name__}: {exc}"[:300])
        slowest = max(slowest, time.monotonic() - start)
    return {"outcomes": dict(outcomes), "escaped": escaped, "slowest": slowest}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])), ensure_ascii=False))
