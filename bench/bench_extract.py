"""Text extraction benchmark: character error rate against the known source text, and pages/s.

Builds PDFs with reportlab from the seed texts (../shared/seeds/): one-column
and two-column pages with running headers, footers with page numbers, and
words hyphenated at line ends.  Each PDF goes through extraction and cleaning
(the same code `lhl ingest` runs); the cleaned text is compared with the
source text, whitespace-insensitively.  Then a 300-page plan is timed with
both PDF engines, and once through the whole `ingest_path` (store included).

Targets: CER ≤ 1 % on text PDFs, ≥ 20 pages/s on 2 cores.

    python bench/bench_extract.py [--pages 300] [--seeds ../shared/seeds]

A last run puts a folder of 20 PDFs through `ingest_path` with one and with two
extraction jobs.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import tempfile
import time
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from lhl_mining.ingest import IngestLimits, IngestOptions, ingest_path
from lhl_mining.ingest.clean import clean_pages
from lhl_mining.ingest.pdf import extract_pdf
from lhl_mining.store import Store

FONT, SIZE, LEADING = "Helvetica", 10, 13
WIDTH, HEIGHT = A4
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_SIDE = 70, 60, 55
HEADER = "Kommunedelplan helse og omsorg 2024–2035"


def seed_paragraphs(folder: Path) -> list[str]:
    paragraphs = []
    for seed in sorted(folder.glob("*.txt")):
        for chunk in re.split(r"\n\s*\n", seed.read_text(encoding="utf-8")):
            text = " ".join(chunk.split())
            # the seeds are themselves PDF extractions: keep real prose, skip slide debris and broken words
            if len(text.split()) >= 12 and not re.search(r"\w-$|\w- \w", text):
                paragraphs.append(text.replace("\u00ad", ""))
    return paragraphs


def wrap(text: str, width: float) -> list[str]:
    """Greedy line breaking that hyphenates long words at the line end, as word processors do."""
    lines: list[str] = []
    current = ""
    words: list[str] = []
    for word in text.split():
        while stringWidth(word, FONT, SIZE) > width:  # a URL wider than the column breaks anywhere
            cut = max(i for i in range(1, len(word)) if stringWidth(word[:i], FONT, SIZE) <= width)
            words.append(word[:cut])
            word = word[cut:]
        words.append(word)
    for word in words:
        candidate = f"{current} {word}".strip()
        if stringWidth(candidate, FONT, SIZE) <= width:
            current = candidate
            continue
        if len(word) >= 9 and word.isalpha():
            for cut in range(len(word) - 3, 3, -1):
                head = f"{current} {word[:cut]}-".strip()
                if stringWidth(head, FONT, SIZE) <= width:
                    lines.append(head)
                    current = word[cut:]
                    break
            else:
                lines.append(current)
                current = word
        else:
            if current:
                lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def build_pdf(
    path: Path, paragraphs: list[str], *, columns: int, max_pages: int | None = None
) -> tuple[int, list[str]]:
    """Write the paragraphs; returns (pages, paragraphs actually placed)."""
    page = canvas.Canvas(str(path), pagesize=A4)
    gutter = 24
    column_width = (WIDTH - 2 * MARGIN_SIDE - (columns - 1) * gutter) / columns
    lines_per_column = int((HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) / LEADING)
    placed: list[str] = []
    n_pages, column, row = 1, 0, 0

    def furniture(number: int) -> None:
        page.setFont(FONT, 8)
        page.drawString(MARGIN_SIDE, HEIGHT - 35, HEADER)
        page.drawRightString(WIDTH - MARGIN_SIDE, HEIGHT - 35, "Lillevik kommune")
        page.drawCentredString(WIDTH / 2, 30, f"Side {number}")
        page.setFont(FONT, SIZE)

    furniture(1)
    for paragraph in paragraphs:
        lines = wrap(paragraph, column_width)
        if row + len(lines) > lines_per_column and row > 0:
            column, row = column + 1, 0
            if column == columns:
                if max_pages and n_pages >= max_pages:
                    break
                page.showPage()
                n_pages += 1
                furniture(n_pages)
                column = 0
        for line in lines:
            if row >= lines_per_column:  # paragraph longer than a column: go on in the next one
                column, row = column + 1, 0
                if column == columns:
                    page.showPage()
                    n_pages += 1
                    furniture(n_pages)
                    column = 0
            x = MARGIN_SIDE + column * (column_width + gutter)
            page.drawString(x, HEIGHT - MARGIN_TOP - row * LEADING, line)
            row += 1
        row += 1  # blank line between paragraphs
        placed.append(paragraph)
    page.showPage()
    page.save()
    return n_pages, placed


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(
                    previous[j] + 1,
                    current[j - 1] + 1,
                    previous[j - 1] + (char_a != char_b),
                )
            )
        previous = current
    return previous[-1]


def character_errors(reference: str, hypothesis: str) -> int:
    """Edit distance, computed on the differing stretches of a word alignment (exact where they are short)."""
    ref_words, hyp_words = reference.split(), hypothesis.split()
    matcher = difflib.SequenceMatcher(None, ref_words, hyp_words, autojunk=False)
    errors = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        left, right = " ".join(ref_words[i1:i2]), " ".join(hyp_words[j1:j2])
        if len(left) * len(right) <= 4_000_000:
            errors += edit_distance(left, right) + (1 if left and right else 0)
        else:
            errors += max(len(left), len(right))
    return errors


def extract_clean(data: bytes, engine: str) -> str:
    extraction = extract_pdf(data, max_pages=10_000, engine=engine)
    return clean_pages(extraction.pages).text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared" / "seeds",
    )
    parser.add_argument("--pages", type=int, default=300, help="pages of the long plan used for timing")
    args = parser.parse_args()
    paragraphs = seed_paragraphs(args.seeds)
    if not paragraphs:
        print(f"no seed texts in {args.seeds}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="lhl-bench-") as folder:
        work = Path(folder)
        print(f"source: {len(paragraphs)} paragraphs, {sum(len(p) for p in paragraphs):,} characters from {args.seeds}")
        print("\nCharacter error rate (whitespace-insensitive; headers, footers and page numbers must be removed)")
        print(f"{'layout':<12}{'engine':<12}{'pages':>6}{'chars':>10}{'errors':>8}{'CER':>9}")
        for columns in (1, 2):
            path = work / f"cer-{columns}col.pdf"
            n_pages, placed = build_pdf(path, paragraphs, columns=columns)
            reference = " ".join(" ".join(placed).split())
            for engine in ("pypdfium2", "pdfplumber"):
                hypothesis = " ".join(extract_clean(path.read_bytes(), engine).split())
                errors = character_errors(reference, hypothesis)
                print(
                    f"{columns}-column{'':<4}{engine:<12}{n_pages:>6}{len(reference):>10,}{errors:>8}{errors / len(reference):>9.3%}"
                )

        long_plan = work / "plan.pdf"
        repeated = paragraphs * (args.pages // 40 + 2)
        n_pages, _ = build_pdf(long_plan, repeated, columns=2, max_pages=args.pages)
        data = long_plan.read_bytes()
        print(f"\nSpeed on a {n_pages}-page two-column plan ({len(data) / 1e6:.1f} MB), one process")
        for engine in ("pypdfium2", "pdfplumber"):
            start = time.perf_counter()
            extract_clean(data, engine)
            seconds = time.perf_counter() - start
            print(f"  extract+clean {engine:<11} {seconds:7.2f} s  {n_pages / seconds:7.1f} pages/s")
        with Store.open(work / "lhl.db", create=True) as store:
            start = time.perf_counter()
            (result,) = ingest_path(store, long_plan, IngestOptions(corpus_dir=work / "corpus", limits=IngestLimits()))
            seconds = time.perf_counter() - start
        print(f"  full ingest (pypdfium2, store) {seconds:6.2f} s  {n_pages / seconds:7.1f} pages/s  "
              f"{result.n_passages} passages")  # fmt: skip

        folder = work / "folder"
        folder.mkdir()
        chunk = max(1, len(repeated) // 20)
        folder_pages = 0
        for index in range(20):
            pages, _ = build_pdf(
                folder / f"plan-{index:02d}.pdf",
                [*repeated[index * chunk : (index + 1) * chunk], f"Dokument {index}."],
                columns=2,
                max_pages=15,
            )
            folder_pages += pages
        print(f"\nA folder of 20 PDFs ({folder_pages} pages) through `ingest_path`")
        for jobs in (1, 2):
            with Store.open(work / f"folder-{jobs}.db", create=True) as store:
                start = time.perf_counter()
                ingest_path(store, folder, IngestOptions(corpus_dir=work / "corpus", jobs=jobs))
                seconds = time.perf_counter() - start
            print(f"  --jobs {jobs}  {seconds:6.2f} s  {folder_pages / seconds:7.1f} pages/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
