"""Two realistic French person files to link, and the truth: `a.csv`, `b.csv`, `truth.csv`.

    uv run python bench/make_persons.py --size 25000 [--size-b N] [--seed S] --out DIR

File A holds `--size` people drawn by bench/_people.py (frequency-weighted INSEE names, communes of
the 78 and the 92 by population). File B (`--size-b` rows, default the same) is what a second base
knows: ~75 % of A's people as `perturb` gives them (married names, typos, capitals without accents,
first names cut, dates typed DD/MM/YYYY or swapped, moves, changed phones…), ~5 % of B hard
negatives — twins and homonyms of A's people, who are *not* matches — and the rest people found only
in B. Every B record goes through `perturb`, so B's style (dates DD/MM/YYYY, capitals, first names
cut, fewer e-mails and NIRs) says nothing of whether a record is a match. B is shuffled and both
files get sequential ids, so ids say nothing of the truth either.
`truth.csv` lists the true pairs (id_a, id_b), `lookalikes.csv` the look-alike pairs (id_a, id_b, kind). The same (sizes, seed) always gives the same files.

Records are generated in a single pass and B is kept as CSV lines until shuffled, so 1.5 M × 1.6 M
needs a few hundred MB and a few minutes (the rate is printed at the end).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import secrets
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

MATCH_RATE = 0.75  # share of A's people also in B
NEGATIVE_RATE = 0.05  # share of B that are look-alikes of A's people (_people.PersonFactory.LOOKALIKES)
CHUNK = 10_000
VERSION = 2  # of the generator: cached files of another version are not reused (2: look-alikes by kind)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(32))  # the public default is refused
    import django

    django.setup()


class _Lines:
    """Formats records as CSV lines (without the id column, added once ids are known)."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")

    def flush(self, rows: list[list[str]]) -> list[str]:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerows(rows)
        lines = self.buffer.getvalue().split("\n")
        lines.pop()  # after the last terminator
        return lines

    def row(self, record: dict) -> list[str]:
        return [record[column] for column in self.columns]


def generate(out: Path, size_a: int, size_b: int | None = None, seed: int = 1, *, quiet: bool = False) -> dict:
    """Writes out/a.csv, out/b.csv, out/truth.csv; returns counts and timing."""
    setup_django()
    from _people import COLUMNS, PersonFactory

    size_b = size_a if size_b is None else size_b
    started = time.perf_counter()
    rng = random.Random(f"make_persons/{seed}")
    negatives = min(round(NEGATIVE_RATE * size_b), size_a)
    matches = min(round(MATCH_RATE * size_a), size_b - negatives)
    only_b = size_b - matches - negatives
    matched = set(rng.sample(range(size_a), matches))
    echoed = set(rng.sample(range(size_a), negatives))
    factory = PersonFactory(seed=seed)
    fields = COLUMNS[1:]  # source_id is written separately
    lines = _Lines(fields)

    out.mkdir(parents=True, exist_ok=True)
    b_lines: list[str] = []  # B's records, without id, in generation order
    b_truth: list[str] = []  # id_a of the person behind each B line, "" if none
    b_lookalike: dict[int, tuple[str, str]] = {}  # B line → (id_a it looks like, kind of look-alike)
    with (out / "a.csv").open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(COLUMNS) + "\n")
        for begin in range(0, size_a, CHUNK):
            rows_a, ids_a, rows_b = [], [], []
            for index in range(begin, min(begin + CHUNK, size_a)):
                id_a = f"A{index + 1:07d}"
                record = factory.person(id_a)
                rows_a.append(lines.row(record))
                ids_a.append(id_a)
                if index in matched:
                    rows_b.append(lines.row(factory.perturb(record, "")))
                    b_truth.append(id_a)
                if index in echoed:
                    lookalike, kind = factory.lookalike(record, "")
                    rows_b.append(lines.row(factory.perturb(lookalike, "")))
                    b_truth.append("")
                    b_lookalike[len(b_lines) + len(rows_b) - 1] = (id_a, kind)
            handle.writelines(f"{id_a},{line}\n" for id_a, line in zip(ids_a, lines.flush(rows_a), strict=True))
            b_lines.extend(lines.flush(rows_b))
    for begin in range(0, only_b, CHUNK):
        rows_b = [lines.row(factory.perturb(factory.person(""), "")) for _ in range(min(CHUNK, only_b - begin))]
        b_lines.extend(lines.flush(rows_b))
        b_truth.extend([""] * len(rows_b))

    order = list(range(len(b_lines)))
    rng.shuffle(order)
    with (
        (out / "b.csv").open("w", encoding="utf-8", newline="") as handle_b,
        (out / "truth.csv").open("w", encoding="utf-8", newline="") as handle_t,
        (out / "lookalikes.csv").open("w", encoding="utf-8", newline="") as handle_l,
    ):
        handle_b.write(",".join(COLUMNS) + "\n")
        handle_t.write("id_a,id_b\n")
        handle_l.write("id_a,id_b,kind\n")
        for number, position in enumerate(order, start=1):
            id_b = f"B{number:07d}"
            handle_b.write(f"{id_b},{b_lines[position]}\n")
            if b_truth[position]:
                handle_t.write(f"{b_truth[position]},{id_b}\n")
            if position in b_lookalike:
                id_a, kind = b_lookalike[position]
                handle_l.write(f"{id_a},{id_b},{kind}\n")
    seconds = time.perf_counter() - started
    stats = {
        "rows_a": size_a,
        "rows_b": len(b_lines),
        "matches": matches,
        "lookalikes": negatives,
        "only_b": only_b,
        "seconds": seconds,
        "rows_per_second": (size_a + len(b_lines)) / seconds,
    }
    if not quiet:
        print(f"{summary(stats)} → {out}", file=sys.stderr)
    return stats


def summary(stats: dict) -> str:
    def count(value: float) -> str:
        return f"{value:_.0f}".replace("_", " ")

    return (
        f"generated {count(stats['rows_a'])} + {count(stats['rows_b'])} rows ({count(stats['matches'])} true pairs, "
        f"{count(stats['lookalikes'])} look-alikes, {count(stats['only_b'])} only in B) "
        f"in {stats['seconds']:.1f} s = {count(stats['rows_per_second'])} rows/s"
    )


def cached(size_a: int, size_b: int | None = None, seed: int = 1) -> Path:
    """The directory holding the files for (sizes, seed) in bench/out/, generated on first use."""
    size_b = size_a if size_b is None else size_b
    final = OUT / f"persons_v{VERSION}_{size_a}x{size_b}_seed{seed}"
    if (final / "truth.csv").exists():
        return final
    partial = final.with_name(final.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    stats = generate(partial, size_a, size_b, seed, quiet=True)
    partial.rename(final)  # only complete sets are ever reused
    print(f"{summary(stats)} → {final}", file=sys.stderr)
    return final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=25_000, help="rows in A")
    parser.add_argument("--size-b", type=int, default=None, help="rows in B (default: --size)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="directory for a.csv, b.csv, truth.csv")
    args = parser.parse_args()
    generate(args.out, args.size, args.size_b, args.seed)


if __name__ == "__main__":
    main()
