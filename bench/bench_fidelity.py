"""Fidelity of the stored text on real PDFs, against an independent reference: poppler's `pdftotext`.

For every PDF in ../shared/real/documents (read in place) the text `lhl ingest`
stores (extraction + cleaning, the same code) is compared with `pdftotext`:

* **similarity**: word-sequence similarity of the stored text to the reference,
  after removing from the reference what the cleaner rightly drops: running
  headers/footers (edge lines repeated on ≥ 40 % of the pages, digits ignored) and
  page numbers.  Punctuation-only tokens, cell bars and bullets are ignored on both
  sides, and line-end hyphens are joined in the reference.  `strict` is difflib's
  ratio over the words in order; `sim` also counts blocks of ≥ 2 words that the two
  tools read in a different order (table cells, letter grids, side boxes).  The
  target applies to `sim`.
* **split**: split or doubled words in the stored text: two neighbouring tokens
  that together make one reference word while one of them is no reference word
  («mi dlertidig»), or a stray 1–3-letter token that repeats the end of the
  previous word or the start of the next («av v frittliggende»).
* **rows**: table rows of the reference (`pdftotext -layout` lines with ≥ 2 numeric
  cells) whose numbers all come back, in order, in the stored text.
* **outside**: share of the stored words that land in no passage and no heading.

Then one timing run: bare pypdfium2 (text of every page) against extraction +
cleaning, on the same pages, in the same process.

Targets: 0 split or doubled words per document (≤ 2 in all), ≥ 98 % of table rows
intact, ≤ 1 % of words outside passages, similarity ≥ 0.98 on every text PDF
except maps, speed ≥ 1/5 of bare pypdfium2.

    apt-get install poppler-utils        # Debian/Ubuntu; macOS: brew install poppler
    python bench/bench_fidelity.py [--documents ../shared/real/documents] [--repeat 3]

Needs `pdftotext` on PATH (a benchmark tool, not a dependency of lhl-mining).
"""

from __future__ import annotations

import argparse
import difflib
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium

from lhl_mining.ingest.clean import clean_pages
from lhl_mining.ingest.model import HEADING
from lhl_mining.ingest.pdf import extract_pdf
from lhl_mining.ingest.segment import passages as cut_passages

NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
TOKEN = re.compile(r"[^\W_]+(?:[-'’./@][^\W_]+)*", re.UNICODE)
PAGE_NUMBER = re.compile(r"^\s*(?:(?:side|page)\s*)?[-–(]?\s*\d{1,3}\s*[-–)]?(?:\s*(?:av|of|/)\s*\d{1,4})?\s*$", re.I)
MAPS = ("plankart",)  # map sheets: scattered labels, no reading order to compare


def pdftotext(path: Path, *, layout: bool) -> list[str]:
    """Pages of poppler's text."""
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(path), "-"]
    out = subprocess.run(args, capture_output=True, check=True, timeout=120).stdout.decode("utf-8")
    return out.split("\f")[: len(pdfium.PdfDocument(str(path)))]


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


def drop_furniture(pages: list[str]) -> list[list[str]]:
    """Reference lines per page without running headers/footers and page numbers (what the cleaner drops)."""
    paged = [[line for line in page.split("\n") if line.strip()] for page in pages]
    counts: Counter[str] = Counter()
    for lines in paged:
        counts.update({_key(line) for line in lines[:3] + lines[-3:]})
    threshold = max(2, round(0.4 * len(paged)))
    kept = []
    for lines in paged:
        edge = set(range(min(3, len(lines)))) | set(range(max(0, len(lines) - 3), len(lines)))
        kept.append([
            line for index, line in enumerate(lines)
            if not (index in edge and (PAGE_NUMBER.match(line) or (len(paged) >= 2 and counts[_key(line)] >= threshold)))
        ])  # fmt: skip
    return kept


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "")
    return TOKEN.findall(text)


def dehyphenate(lines: list[str]) -> str:
    """Join words hyphenated at a line end, as the cleaner does («An-» + «svaret»; «IKT-», «SONE-» keep theirs)."""
    text = "\n".join(lines)
    return re.sub(r"([a-zæøå])-\n(?=[a-zæøå])", r"\1", text)


def split_words(tokens: list[str], vocabulary: set[str]) -> list[str]:
    """Split («mi dlertidig») or doubled («av v frittliggende») words among the stored tokens."""
    found = []
    lower = [t.lower() for t in tokens]
    for i, token in enumerate(lower):
        if token in vocabulary or not token.isalpha():
            continue
        nxt = lower[i + 1] if i + 1 < len(lower) else ""
        prev = lower[i - 1] if i else ""
        if (
            (nxt and token + nxt in vocabulary)
            or (prev and prev + token in vocabulary)
            or (len(token) <= 3 and (prev.endswith(token) or nxt.startswith(token)))
        ):
            found.append(f"{prev} {token} {nxt}".strip())
    return found


def similarity(reference: list[str], ours: list[str]) -> tuple[float, float]:
    """(strict, with moves): difflib's word ratio, and the same counting blocks of ≥ 2 words that moved.

    The two tools read table cells, letter grids and side boxes in different orders;
    a block read elsewhere is still the document's text, so the second pass aligns
    what the first left over (up to three times).
    """
    a, b = [w.lower() for w in reference], [w.lower() for w in ours]
    if not a and not b:
        return 1.0, 1.0
    left_a, left_b = list(range(len(a))), list(range(len(b)))
    matched = strict = 0
    for round_no in range(4):
        matcher = difflib.SequenceMatcher(None, [a[i] for i in left_a], [b[j] for j in left_b], autojunk=False)
        blocks = [blk for blk in matcher.get_matching_blocks() if blk.size >= (1 if round_no == 0 else 2)]
        if not blocks or not any(blk.size for blk in blocks):
            break
        used_a = {left_a[blk.a + k] for blk in blocks for k in range(blk.size)}
        used_b = {left_b[blk.b + k] for blk in blocks for k in range(blk.size)}
        matched += len(used_a)
        if round_no == 0:
            strict = matched
        left_a = [i for i in left_a if i not in used_a]
        left_b = [j for j in left_b if j not in used_b]
    total = len(a) + len(b)
    return 2 * strict / total, 2 * matched / total


def table_rows(layout_pages: list[list[str]]) -> list[list[str]]:
    """Numbers of every reference line that reads as a table row (≥ 2 numeric cells at column gaps)."""
    rows = []
    for lines in layout_pages:
        for line in lines:
            cells = [c for c in re.split(r"\s{2,}", line.strip()) if c]
            numeric = [c for c in cells if NUMBER.fullmatch(c.replace(" ", "").replace("\u00a0", ""))]
            if len(cells) >= 3 and len(numeric) >= 2:
                rows.append(NUMBER.findall(line))
    return rows


def contains_run(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def measure(path: Path) -> dict:
    extraction = extract_pdf(path.read_bytes(), max_pages=10_000)
    cleaned = clean_pages(extraction.pages)
    text = cleaned.text
    reference = drop_furniture(pdftotext(path, layout=False))
    ref_words = words(dehyphenate([line for page in reference for line in page]))
    ours = words(text)
    strict, moved = similarity(ref_words, ours)
    vocabulary = {w.lower() for w in ref_words}
    rows = table_rows(drop_furniture(pdftotext(path, layout=True)))
    numbers = NUMBER.findall(text)
    intact = sum(contains_run(numbers, row) for row in rows)
    spans = cut_passages(cleaned.units, text, cleaned.page_ranges)
    covered = bytearray(len(text))
    for start, end in [(s.start, s.end) for s in spans] + [
        (u.start, u.end) for u in cleaned.units if u.kind == HEADING
    ]:
        covered[start:end] = b"\x01" * (end - start)
    outside = sum(1 for m in TOKEN.finditer(text) if not covered[m.start()])
    return {
        "pages": len(extraction.pages),
        "words": len(ours),
        "ref_words": len(ref_words),
        "strict": strict,
        "similarity": moved,
        "split": split_words(ours, vocabulary),
        "rows": len(rows),
        "intact": intact,
        "outside": outside / max(1, len(ours)),
    }


def timing(paths: list[Path], repeat: int) -> tuple[int, float, float]:
    """Pages, seconds for bare pypdfium2 text, seconds for extraction + cleaning.

    The two run in turn on each document and the best of `repeat` runs counts per document,
    so a busy machine slows both alike.
    """
    blobs = [p.read_bytes() for p in paths]
    n_pages = sum(len(pdfium.PdfDocument(b)) for b in blobs)
    bare = [float("inf")] * len(blobs)
    ours = [float("inf")] * len(blobs)
    for _ in range(repeat):
        for index, blob in enumerate(blobs):
            start = time.perf_counter()
            document = pdfium.PdfDocument(blob)
            for page in document:
                textpage = page.get_textpage()
                textpage.get_text_range()
                textpage.close()
                page.close()
            document.close()
            bare[index] = min(bare[index], time.perf_counter() - start)
            start = time.perf_counter()
            clean_pages(extract_pdf(blob, max_pages=10_000).pages)
            ours[index] = min(ours[index], time.perf_counter() - start)
    return n_pages, sum(bare), sum(ours)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--documents", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "real" / "documents"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timing runs (the best per document counts)")
    parser.add_argument("--show", action="store_true", help="print the split words found")
    args = parser.parse_args()
    if shutil.which("pdftotext") is None:
        print("pdftotext not found: install poppler-utils (apt-get install poppler-utils)", file=sys.stderr)
        return 2
    paths = sorted(args.documents.glob("*.pdf"))
    if not paths:
        print(f"no PDFs in {args.documents}", file=sys.stderr)
        return 1
    print(f"{'document':<58}{'pages':>6}{'words':>7}{'strict':>7}{'sim':>7}{'split':>6}{'rows':>10}{'outside':>9}")
    total_split = total_rows = total_intact = 0
    failures = []
    for path in paths:
        result = measure(path)
        is_map = any(m in path.name for m in MAPS)
        total_split += len(result["split"])
        total_rows += result["rows"]
        total_intact += result["intact"]
        rows = f"{result['intact']}/{result['rows']}" if result["rows"] else "–"
        print(f"{path.name[:57]:<58}{result['pages']:>6}{result['words']:>7}{result['strict']:>7.3f}{result['similarity']:>7.3f}"
              f"{len(result['split']):>6}{rows:>10}{result['outside']:>9.1%}" + ("  (map)" if is_map else ""))  # fmt: skip
        if args.show and result["split"]:
            print("      " + "; ".join(result["split"]))
        if not is_map and result["similarity"] < 0.98:
            failures.append(f"similarity {result['similarity']:.3f} < 0.98: {path.name}")
        if result["outside"] > 0.01 and not is_map:
            failures.append(f"{result['outside']:.1%} of words outside passages: {path.name}")
    share = total_intact / total_rows if total_rows else 1.0
    print(f"\nsplit or doubled words: {total_split} in all (target ≤ 2)")
    print(f"table rows with all numbers kept: {total_intact}/{total_rows} = {share:.1%} (target ≥ 98 %)")
    n_pages, bare, ours = timing(paths, args.repeat)
    ratio = bare / ours
    print(f"speed on {n_pages} pages: bare pypdfium2 {n_pages / bare:.0f} pages/s, "
          f"extract + clean {n_pages / ours:.0f} pages/s = 1/{1 / ratio:.1f} of bare (target ≥ 1/5)")  # fmt: skip
    if total_split > 2:
        failures.append(f"{total_split} split or doubled words")
    if share < 0.98:
        failures.append(f"{share:.1%} of table rows intact")
    if ratio < 0.2:
        failures.append(f"speed 1/{1 / ratio:.1f} of bare pypdfium2")
    for failure in failures:
        print(f"MISSED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
