"""What every extractor hands to cleaning and segmentation: pages of text blocks."""

from __future__ import annotations

from dataclasses import dataclass, field

# Block kinds: running text, a heading (with a level), a list item, a table row.
PARAGRAPH = "paragraph"
HEADING = "heading"
LIST_ITEM = "list_item"
TABLE_ROW = "table_row"


@dataclass
class Block:
    """A paragraph-like unit of text in reading order, made of one or more lines."""

    lines: list[str]
    kind: str = PARAGRAPH
    level: int = 0  # heading level (1 = top); 0 when unknown or not a heading
    size: float = 0.0  # font size in points (PDF only), used to spot headings
    bold: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Page:
    """One page (PDF) or the whole document (HTML, DOCX, text) as blocks."""

    blocks: list[Block] = field(default_factory=list)
    has_text_layer: bool = True
    image_regions: int = 0  # images covering a sizeable part of the page with no text on them
    header: list[str] = field(default_factory=list)  # lines in the top margin (PDF), maybe running headers
    footer: list[str] = field(default_factory=list)  # lines in the bottom margin (PDF), maybe running footers
    noise: str | None = None  # 'map': a drawing with scattered labels, its text is no prose to code


@dataclass
class Extraction:
    """Raw extractor output before cleaning."""

    pages: list[Page]
    extractor: str  # e.g. "pypdfium2 5.1", provenance stored in documents.extractor
    mime_type: str
    # document title from metadata (PDF Info, HTML <title>, DOCX core)
    title: str | None = None
    # False for Word and HTML: their one «page» is the whole text, not a printed page
    paginated: bool = True
