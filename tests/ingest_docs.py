"""Real documents built for the ingest tests: PDFs (reportlab), Word files (python-docx), web pages.

Each builder writes a file and returns its path; the text drawn is known, so
tests can check what extraction and cleaning make of it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
from docx.oxml import parse_xml
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

WORD_XMLNS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
FONT, BOLD, SIZE, LEADING = "Helvetica", "Helvetica-Bold", 10, 13
WIDTH, HEIGHT = A4

HEADER = "Kommunedelplan helse og omsorg 2022–2033"
FOOTER_TEMPLATE = "Side {n} av {total}   Lillevik kommune"

# Left column of page 1, with line ends chosen to test hyphenation.
LEFT_COLUMN_LINES = [
    "Kommunen skal sikre gode helse-",
    "og omsorgstjenester for alle innbyggere i",
    "planperioden 2019-",
    "2023. Det viktigste an-",
    "svaret ligger hos tjenestene i Sør-",
    "Aurdal og i nabokommunene, og alle skal",
    "få hjelp når de trenger den. Eldre med",
    "store behov får tilbud om praktisk bistand.",
]
LEFT_COLUMN_TEXT = (
    "Kommunen skal sikre gode helse- og omsorgstjenester for alle innbyggere i planperioden 2019-2023. "
    "Det viktigste ansvaret ligger hos tjenestene i Sør-Aurdal og i nabokommunene, og alle skal få hjelp "
    "når de trenger den. Eldre med store behov får tilbud om praktisk bistand."
)
RIGHT_COLUMN_LINES = [
    "Reformen Leve hele livet handler om et",
    "aldersvennlig samfunn der eldre kan bo",
    "hjemme lenger. Frivillige lag og foreninger",
    "bidrar med aktiviteter og fellesskap, og",
    "måltidene på sykehjemmet skal bli bedre.",
    "Pårørende får mer støtte, og overgangene",
    "mellom sykehus og kommune blir tryggere",
    "for både brukere og ansatte.",
]
RIGHT_COLUMN_TEXT = (
    "Reformen Leve hele livet handler om et aldersvennlig samfunn der eldre kan bo hjemme lenger. "
    "Frivillige lag og foreninger bidrar med aktiviteter og fellesskap, og måltidene på sykehjemmet skal bli bedre. "
    "Pårørende får mer støtte, og overgangene mellom sykehus og kommune blir tryggere for både brukere og ansatte."
)
PAGE2_PARAGRAPHS = [
    (
        "Ærlig talt: økonomien er stram, men kommunestyret har vedtatt å prioritere hjemmetjenestene. "
        "Tiltakene følges opp i handlings- og økonomiplanen hvert år."
    ),
    (
        "Kommunen vil styrke dagaktivitetstilbudet for personer med demens og bygge flere omsorgsboliger "
        "nær sentrum, slik at flest mulig kan bo trygt hjemme."
    ),
]


def _running_furniture(page: canvas.Canvas, n: int, total: int) -> None:
    page.setFont(FONT, 8)
    page.drawString(50, HEIGHT - 30, HEADER)
    page.drawRightString(WIDTH - 50, HEIGHT - 30, "Lillevik kommune")
    page.drawString(50, 25, FOOTER_TEMPLATE.format(n=n, total=total))


def _wrap(text: str, width: float, font: str = FONT, size: float = SIZE) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if stringWidth(candidate, font, size) > width and current:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def two_column_plan(path: Path) -> Path:
    """Three pages: a two-column page, a one-column page, and a scanned (image-only) page."""
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setTitle("Kommunedelplan helse og omsorg 2022–2033")
    total = 3
    _running_furniture(page, 1, total)
    page.setFont(BOLD, 16)
    page.drawString(50, HEIGHT - 80, "1 Helse og omsorg i Lillevik")
    page.setFont(FONT, SIZE)
    for column_x, lines in ((50, LEFT_COLUMN_LINES), (310, RIGHT_COLUMN_LINES)):
        y = HEIGHT - 120
        for line in lines:
            page.drawString(column_x, y, line)
            y -= LEADING
    page.showPage()
    _running_furniture(page, 2, total)
    page.setFont(BOLD, 13)
    page.drawString(50, HEIGHT - 80, "2 Økonomi og tiltak")
    y = HEIGHT - 110
    page.setFont(FONT, SIZE)
    for paragraph in PAGE2_PARAGRAPHS:
        for line in _wrap(paragraph, WIDTH - 100):
            page.drawString(50, y, line)
            y -= LEADING
        y -= LEADING
    page.drawString(50, y, "Tabell 1 Plasser")
    y -= LEADING * 1.5
    for row in (
        ("Tjeneste", "2022", "2026"),
        ("Sykehjemsplasser", "64", "72"),
        ("Omsorgsboliger", "120", "150"),
    ):
        for x, cell in zip((50, 250, 350), row):
            page.drawString(x, y, cell)
        y -= LEADING
    page.showPage()
    _running_furniture(page, 3, total)
    page.drawImage(ImageReader(scanned_image()), 50, 150, width=WIDTH - 100, height=HEIGHT - 250)
    page.showPage()
    page.save()
    return path


def scanned_image() -> io.BytesIO:
    """A grey page image with dark text strokes, like a scan (no text layer)."""
    image = Image.new("L", (800, 1000), 235)
    draw = ImageDraw.Draw(image)
    for row in range(40):
        draw.rectangle((60, 40 + row * 24, 60 + (row * 37) % 600 + 100, 52 + row * 24), fill=30)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


SCANNED_LINES = [
    "Møteprotokoll for eldrerådet",
    "",
    "Eldrerådet drøftet handlingsplanen for",
    "Leve hele livet og ba om at måltidene",
    "på omsorgssenteret blir prioritert.",
]


def scanned_text_pdf(path: Path) -> Path:
    """A page scanned at 200 dpi: an image of printed Norwegian text, no text layer."""
    from PIL import ImageFont

    font = ImageFont.load_default(size=36)  # Pillow's bundled scalable font (its æøå are boxes)
    image = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(SCANNED_LINES):
        draw.text((150, 200 + row * 60), line, fill=0, font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    page = canvas.Canvas(str(path), pagesize=A4)
    page.drawImage(ImageReader(buffer), 0, 0, width=WIDTH, height=HEIGHT)
    page.showPage()
    page.save()
    return path


def scanned_pdf(path: Path, pages: int = 2) -> Path:
    page = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        page.drawImage(ImageReader(scanned_image()), 0, 0, width=WIDTH, height=HEIGHT)
        page.showPage()
    page.save()
    return path


SAKER = [
    ("PS", "12/21", "Leve hele livet – handlingsplan 2021–2024",
     ("Kommunedirektøren legger fram handlingsplan for Leve hele livet. Planen bygger på kartlegging av "
     "eldres behov og følger de fem innsatsområdene i reformen, med tiltak for mat og måltider, aktivitet "
     "og fellesskap, helsehjelp og sammenheng i tjenestene.")),
    ("PS", "13/21", "Budsjettjustering 1. tertial",
     ("Saken gjelder justering av driftsbudsjettet etter første tertial. Merforbruket i hjemmetjenesten "
     "dekkes av disposisjonsfondet, og rammene for skole og barnehage holdes uendret resten av året i tråd "
     "med økonomiplanen.")),
    ("K-sak", "14/21", "Reguleringsplan for Nordbyen skole",
     ("Planforslaget legger til rette for ny skole med idrettshall og trafikksikker skolevei. Innkomne "
     "merknader er vurdert, og kommunedirektøren tilrår at planen vedtas med de endringene som går fram "
     "av saksutredningen nedenfor.")),
]  # fmt: skip


def meeting_bundle(path: Path) -> Path:
    """A møteinnkalling: header fields, a saksliste, then one saksframlegg per sak."""
    page = canvas.Canvas(str(path), pagesize=A4)
    y = HEIGHT - 60
    page.setFont(BOLD, 16)
    page.drawString(50, y, "MØTEINNKALLING")
    page.setFont(FONT, SIZE)
    y -= 30
    for label, value in (("Utvalg:", "Kommunestyret"), ("Møtested:", "Rådhuset, kommunestyresalen"),
                         ("Møtedato:", "15.06.2021"), ("Tid:", "18:00")):  # fmt: skip
        page.drawString(50, y, label)
        page.drawString(150, y, value)
        y -= LEADING
    y -= LEADING
    page.drawString(
        50,
        y,
        "Eventuelt forfall meldes til servicetorget. Varamedlemmer møter etter nærmere innkalling.",
    )
    y -= 2 * LEADING
    page.setFont(BOLD, 12)
    page.drawString(50, y, "SAKSLISTE")
    page.setFont(FONT, SIZE)
    y -= 1.5 * LEADING
    for prefix, nr, title, _ in SAKER:
        page.drawString(50, y, f"{prefix} {nr}")
        page.drawString(130, y, title)
        y -= LEADING
    page.showPage()
    for prefix, nr, title, body in SAKER:
        y = HEIGHT - 60
        page.setFont(BOLD, 13)
        page.drawString(50, y, f"{prefix} {nr} {title}")
        page.setFont(FONT, SIZE)
        y -= 25
        page.drawString(50, y, "Saksbehandler: Kari Nordmann")
        y -= 2 * LEADING
        for line in _wrap(body, WIDTH - 100):
            page.drawString(50, y, line)
            y -= LEADING
        page.showPage()
        if nr == "12/21":  # this sak goes on over a page that repeats its heading
            page.setFont(BOLD, 13)
            page.drawString(50, HEIGHT - 60, f"{prefix} {nr} {title}")
            page.setFont(FONT, SIZE)
            y = HEIGHT - 90
            for line in _wrap(SAK_CONTINUATION, WIDTH - 100):
                page.drawString(50, y, line)
                y -= LEADING
            page.showPage()
    page.save()
    return path


SAK_CONTINUATION = (
    "Kommunedirektørens innstilling: Kommunestyret vedtar handlingsplanen for Leve hele livet 2021–2024. "
    "Tiltakene innarbeides i handlings- og økonomiplanen, og eldrerådet får status hvert halvår."
)


def encrypted_pdf(path: Path) -> Path:
    page = canvas.Canvas(str(path), pagesize=A4, encrypt="hemmelig")
    page.drawString(50, 700, "Denne teksten er låst.")
    page.showPage()
    page.save()
    return path


def simple_pdf(path: Path, text: str = "Ein enkel side med tekst om eldreomsorg i kommunen.") -> Path:
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setFont(FONT, SIZE)
    page.drawString(50, 700, text)
    page.showPage()
    page.save()
    return path


def saksframlegg_docx(path: Path) -> Path:
    """A saksframlegg in Word with a letterhead in the page header and an address footer."""
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Lillevik kommune – brevmal HEADERTEKST"
    section.footer.paragraphs[0].text = "Postadresse: Postboks 1, 9999 Lillevik FOOTERTEKST"
    document.add_paragraph("Saksframlegg")
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Saksbehandler:", "Arkiv:", "Arkivsaksnr.:")):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ("Ola Nordmann", "F00", "21/1234")):
        cell.text = text
    body = document.element.body
    # archive templates fill header fields into content controls; a deleted word must not come back
    body.append(parse_xml(
        f'<w:p {WORD_XMLNS}><w:r><w:t xml:space="preserve">Saksbehandler: </w:t></w:r><w:sdt><w:sdtContent>'
        '<w:r><w:t>Ola Nordmann</w:t></w:r></w:sdtContent></w:sdt><w:del><w:r><w:delText> SLETTET</w:delText>'
        "</w:r></w:del></w:p>"
    ))  # fmt: skip
    body.append(parse_xml(
        f"<w:sdt {WORD_XMLNS}><w:sdtContent><w:p><w:r><w:t>Arkivsaksnr.: 21/1234</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
    ))  # fmt: skip
    document.add_heading("Handlingsplan for et aldersvennlig lokalsamfunn", level=1)
    document.add_heading("Kommunedirektørens innstilling", level=2)
    document.add_paragraph("Kommunestyret vedtar handlingsplanen for et aldersvennlig lokalsamfunn 2022–2025.")
    document.add_heading("Saksopplysninger", level=2)
    document.add_paragraph(
        "Stortinget vedtok i 2018 kvalitetsreformen Leve hele livet. Kommunen har kartlagt behovene "
        "sammen med eldrerådet, frivilligsentralen og helse- og omsorgstjenestene."
    )
    document.add_paragraph().add_run("Vurdering").bold = True
    document.add_paragraph("Tiltakene gir eldre flere møteplasser og bedre måltider.")
    document.add_paragraph("Dagsenter med transport", style="List Bullet")
    document.add_paragraph("Felles måltider på omsorgssenteret", style="List Bullet")
    document.save(str(path))
    return path


def zip_bomb_docx(path: Path, unpacked_mb: int = 60) -> Path:
    """A .docx whose document part inflates to `unpacked_mb` MB of zeros."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(unpacked_mb):
                part.write(chunk)
    return path


NAV_PAGE = """<!DOCTYPE html>
<html lang="no"><head><meta charset="utf-8"><title>Leve hele livet i Lillevik</title>
<script>var tracking = "SKRIPTTEKST";</script><style>.x{color:red}</style></head>
<body>
<div class="cookie-banner">Vi bruker informasjonskapsler COOKIETEKST</div>
<header><a href="/">Lillevik kommune</a> <nav><ul><li><a href="/helse">Helse og omsorg MENYTEKST</a></li>
<li><a href="/skole">Skole og barnehage</a></li></ul></nav></header>
<nav class="breadcrumb">Forside / Helse / BRØDSMULETEKST</nav>
<main>
<h1>Leve hele livet i Lillevik</h1>
<p>Lillevik kommune deltar i kvalitetsreformen <b>Leve hele livet</b>. Målet er at eldre skal
mestre livet lenger og ha trygghet for nødvendig hjelp.</p>
<h2>Innsatsområder</h2>
<ul><li>Et aldersvennlig Lillevik</li><li>Aktivitet og fellesskap</li><li>Mat og måltider</li></ul>
<h2>Kontakt</h2>
<table><tr><th>Rolle</th><th>Navn</th></tr><tr><td>Koordinator</td><td>Kari Nordmann</td></tr></table>
<p>Handlingsplanen ble vedtatt av kommunestyret i sak 45/21.</p>
</main>
<aside>Relaterte saker SIDEKOLONNETEKST</aside>
<footer>Lillevik kommune, Postboks 1 FOTTEKST</footer>
</body></html>
"""


TILTAK_ROWS = [
    ("Tiltak", "Ansvar og frist"),
    ("Måltidsvenner for hjemmeboende eldre som ofte spiser alene", "Frivilligsentralen sammen med hjemmetjenesten, innen 2023"),
    ("Dagaktivitetstilbud for personer med demens i sentrum", "Enhet for helse og omsorg, oppstart høsten 2022"),
    ("Seniorsenter med kafé og trim to dager i uka", "Kultur og frivillighet, vurderes i budsjettet for 2024"),
]  # fmt: skip


def tiltak_table_pdf(path: Path) -> Path:
    """A handlingsplan page with a ruled two-column table of long cells (read row by row, not as columns)."""
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    style = getSampleStyleSheet()["BodyText"]
    rows = [[Paragraph(cell, style) for cell in row] for row in TILTAK_ROWS]
    table = Table(rows, colWidths=[230, 230])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    intro = Paragraph("Tabellen viser tiltakene i handlingsplanen for Leve hele livet.", style)
    SimpleDocTemplate(str(path), pagesize=A4).build([intro, table])
    return path


def zero_page_pdf(path: Path) -> Path:
    """A well-formed PDF whose page tree is empty."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    data, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(data))
        data += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    data += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    data += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(data)
    return path
