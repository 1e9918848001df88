"""Runs one million-row job in a process of its own and prints by how many
KiB its peak resident memory grew, so a test can bound it.

    python -m tests.infra.spreadsheets.memory_probe write-xlsx
    python -m tests.infra.spreadsheets.memory_probe read-csv FILE

Peak RSS counts what tracemalloc cannot see (zlib's buffers, the csv
module's) and costs nothing while the job runs; tracemalloc slowed the
writer twelvefold.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

from infra.spreadsheets import XlsxResultWriter, open_table

ROWS = 1_000_000


def peak_kib() -> int:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def write_xlsx() -> int:
    sizes = [0]
    writer = XlsxResultWriter(lambda data: sizes.append(len(data)), ["id", "text", "stars"])
    for number in range(ROWS):
        cells = [str(number), f"Отзыв номер {number}, вполне нормальный", "5"]
        writer.write_row(cells, "positive", (0.01, 0.02, 0.97))
    writer.close()
    return sum(sizes)


def read_csv(path: Path) -> int:
    with open_table(path, "csv") as table:
        return sum(1 for _ in table.rows())


def main() -> None:
    before = peak_kib()
    done = write_xlsx() if sys.argv[1] == "write-xlsx" else read_csv(Path(sys.argv[2]))
    print(done, peak_kib() - before)


if __name__ == "__main__":
    main()
