"""Faithful text: numbers in tables, whole words, headings from bold or scaled fonts, Word breaks and cells.

Each test builds the document that reproduces one way the text used to differ
from what the document says, and checks the stored text or passages.
"""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
import reportlab
from docx.oxml import parse_xml
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from lhl_mining.ingest import IngestOptions, ingest_path, segment_stored
from lhl_mining.ingest.doctype import detect_metadata
from lhl_mining.store import Store
from lhl_mining.store import documents as doc_store

WORD_XMLNS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
WIDTH, HEIGHT = A4

VOTES = [
    ("Parti", "Stemmer 2019", "Stemmer 2023", "Endring"),
    ("Arbeiderpartiet", "460", "460", "0"),
    ("Høyre", "107", "107", "0"),
    ("Måltidsvert", "300", "300", "400"),
    ("Senterpartiet", "1 234", "1 234", "0"),
]


def _ingest(store, tmp_path: Path, path: Path):
    (result,) = ingest_path(store, path, IngestOptions(corpus_dir=tmp_path / "corpus"))
    assert result.status == "extracted", result.error
    return result


def _votes_pdf(path: Path) -> Path:
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setFont("Helvetica", 10)
    page.drawString(60, 780, "Tabellen viser stemmene per parti ved de to siste valgene i kommunen.")
    for row, cells in enumerate(VOTES):
        for column, cell in enumerate(cells):
            page.drawString(60 + 130 * column, 750 - 16 * row, cell)
    page.showPage()
    page.save()
    return path


def test_pdf_table_rows_with_repeated_values_keep_every_number(store, tmp_path):
    result = _ingest(store, tmp_path, _votes_pdf(tmp_path / "valg.pdf"))
    text = doc_store.document_text(store, result.document_id)
    for cells in VOTES[1:]:
        assert " | ".join(cells) in text


def test_docx_table_cells_equal_to_their_neighbour_are_kept(store, tmp_path):
    document = docx.Document()
    document.add_paragraph("Tabellen viser stemmene per parti ved de to siste valgene i kommunen.")
    table = document.add_table(rows=len(VOTES), cols=4)
    for row, cells in zip(table.rows, VOTES):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    path = tmp_path / "valg.docx"
    document.save(str(path))
    result = _ingest(store, tmp_path, path)
    passages = [p["text"] for p in doc_store.passages_of(store, result.document_id)]
    table_text = next(text for text in passages if "Arbeiderpartiet" in text)
    for cells in VOTES[1:]:
        assert " | ".join(cells) in table_text


def test_docx_line_breaks_and_cell_paragraphs_are_word_boundaries(store, tmp_path):
    document = docx.Document()
    body = document.element.body
    body.append(parse_xml(
        f'<w:p {WORD_XMLNS}><w:r><w:t>Spørsmål om saken kan sendes til</w:t><w:br/>'
        '<w:t>postmottak@lillevik.kommune.no</w:t><w:br/><w:t>eller ringes inn til servicetorget.</w:t></w:r></w:p>'
    ))  # fmt: skip
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Måltidsvenner"
    cell = table.rows[0].cells[1]
    cell.paragraphs[0].text = "Frivilligsentralen"
    cell.add_paragraph("innen 2023")
    path = tmp_path / "brev.docx"
    document.save(str(path))
    result = _ingest(store, tmp_path, path)
    text = " ".join(doc_store.document_text(store, result.document_id).split())
    assert "sendes til postmottak@lillevik.kommune.no eller ringes inn" in text
    assert "Måltidsvenner | Frivilligsentralen innen 2023" in text


def _split_glyphs_pdf(path: Path) -> Path:
    """Words written as several text objects whose glyph boxes overlap or stand a kerning gap apart."""
    page = canvas.Canvas(str(path), pagesize=A4)
    size = 11
    y = 760
    for parts, shift in (
        (["P", "lanprogrammet", " skal vise hvordan kommunen vil ", "e", "ksisterende boliger."], -0.8),
        (["Tiltakene skal være integ", "rert i planen for ", "mi", "dlertidig bruk av arealet."], 0.7),
    ):
        x = 60.0
        for part in parts:
            text = page.beginText(x, y)
            text.setFont("Times-Roman", size)
            text.textOut(part)
            page.drawText(text)
            x += stringWidth(part, "Times-Roman", size) + shift
        y -= 16
    page.showPage()
    page.save()
    return path


def test_no_split_or_doubled_letters_from_overlapping_or_kerned_glyphs(store, tmp_path):
    result = _ingest(store, tmp_path, _split_glyphs_pdf(tmp_path / "glyphs.pdf"))
    text = " ".join(doc_store.document_text(store, result.document_id).split())
    assert "Planprogrammet skal vise hvordan kommunen vil eksisterende boliger." in text
    assert "integrert i planen for midlertidig bruk av arealet." in text


def _doubled_letters_pdf(path: Path) -> Path:
    """Doubled letters where a glyph repeats close to its twin: stacked, rotated, one text object per glyph."""
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setFont("Helvetica", 11)
    page.drawString(60, 760, "Kommunen skal tilby gode tjenester til alle eldre innbyggere.")
    for index, letter in enumerate("Kommune"):  # a table head written downwards, one letter a line
        page.drawString(420, 700 - 12 * index, letter)
    page.saveState()
    page.translate(300, 480)
    page.rotate(90)
    page.drawString(0, 0, "Tilsettingsutvalget")
    page.restoreState()
    x = 60.0
    for letter in "Sammen med alle tillitsvalgte.":  # glyph by glyph, tracked tight
        text = page.beginText(x, 600)
        text.setFont("Helvetica", 11)
        text.textOut(letter)
        page.drawText(text)
        x += stringWidth(letter, "Helvetica", 11) - 0.4
    page.showPage()
    page.save()
    return path


def test_doubled_letters_stacked_rotated_or_glyph_by_glyph_are_each_read(store, tmp_path):
    """Only a glyph printed over its twin is read once (fake bold); a twin beside or below it is a letter."""
    result = _ingest(store, tmp_path, _doubled_letters_pdf(tmp_path / "doubled.pdf"))
    text = " ".join(doc_store.document_text(store, result.document_id).split())
    assert "K o m m u n e" in text
    assert "Tilsettingsutvalget" in text
    assert "Sammen med alle tillitsvalgte." in text


BODY = (
    "Leve hele livet er en kvalitetsreform for eldre. Kommunen skal kartlegge behovene "
    "sammen med eldrerådet og lage en handlingsplan innen utgangen av året."
)


def _word_style_bold_fonts() -> tuple[str, str]:
    """Embedded TrueType regular and bold (reportlab's own Bitstream Vera)."""
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont("VeraTest", str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont("VeraTest-Bold", str(folder / "VeraBd.ttf")))
    return "VeraTest", "VeraTest-Bold"


def _declare_bold_as_weight_400(path: Path) -> None:
    """Write the bold font's descriptor as Word exports of Calibri-Bold do: no ForceBold flag, thin stems,
    so pdfium reports weight 400 (same-length edits keep the file's offsets valid)."""
    data = path.read_bytes()
    name = data.index(b"BitstreamVeraSans-Bold /ItalicAngle")
    start, end = data.rindex(b"<<", 0, name), data.index(b">>", name)
    descriptor = data[start:end]
    patched = re.sub(rb"/Flags \d+", lambda m: b"/Flags " + b"4".rjust(len(m.group(0)) - 7), descriptor)
    patched = re.sub(rb"/StemV \d+", lambda m: b"/StemV " + b"80".rjust(len(m.group(0)) - 7), patched)
    assert len(patched) == len(descriptor) and patched != descriptor
    path.write_bytes(data[:start] + patched + data[end:])


def _heading_pdf(path: Path, *, scaled: bool = False, weight_400: bool = False) -> Path:
    """A bold heading over body text of the same size: Helvetica-Bold (pdfium says weight 0), an embedded
    bold font declared as weight 400, or Distiller-style 1-pt fonts scaled by the text matrix (pdfium says size 1)."""
    regular, bold = _word_style_bold_fonts() if weight_400 else ("Helvetica", "Helvetica-Bold")
    page = canvas.Canvas(str(path), pagesize=A4)
    y = 760
    for font, size, line in (
        ("Helvetica-Bold", 14 if scaled else 11, "Saksopplysninger"),
        ("Helvetica", 11, BODY[:90]),
        ("Helvetica", 11, BODY[90:]),
        ("Helvetica-Bold", 14 if scaled else 11, "Vurdering"),
        ("Helvetica", 11, "Tiltakene gir eldre flere møteplasser og bedre måltider i hele kommunen."),
    ):
        text = page.beginText()
        if scaled:
            text.setTextTransform(size, 0, 0, size, 60, y)
            text.setFont("Helvetica" if font == "Helvetica" else "Times-Roman", 1)
        else:
            text.setTextOrigin(60, y)
            text.setFont(regular if font == "Helvetica" else bold, size)
        text.textOut(line)
        page.drawText(text)
        y -= 18 if line in ("Saksopplysninger", "Vurdering") else 14
    page.showPage()
    page.save()
    if weight_400:
        _declare_bold_as_weight_400(path)
    return path


@pytest.mark.parametrize("weight_400", [False, True], ids=["weight-0", "weight-400"])
def test_bold_font_reporting_weight_zero_or_400_makes_headings(store, tmp_path, weight_400):
    result = _ingest(store, tmp_path, _heading_pdf(tmp_path / "bold.pdf", weight_400=weight_400))
    passages = doc_store.passages_of(store, result.document_id)
    body = next(p for p in passages if "kvalitetsreform" in p["text"])
    assert body["heading"] == "Saksopplysninger"
    assert body["text"].startswith("Leve hele livet")
    last = next(p for p in passages if "møteplasser" in p["text"])
    assert last["heading"] == "Vurdering"


def test_tiny_font_scaled_by_the_text_matrix_gives_heading_sizes(store, tmp_path):
    result = _ingest(store, tmp_path, _heading_pdf(tmp_path / "scaled.pdf", scaled=True))
    passages = doc_store.passages_of(store, result.document_id)
    body = next(p for p in passages if "kvalitetsreform" in p["text"])
    assert body["heading"] == "Saksopplysninger"
    assert body["text"].startswith("Leve hele livet")


def _wrap(text: str, font: str = "Helvetica", size: float = 10, width: float = 470) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if stringWidth(candidate, font, size) > width and current:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current]


# (kind, text): «sak» bold heading, «label» bold line, «p» body paragraph
PROTOKOLL = [
    ("title", "MØTEPROTOKOLL"),
    ("p", "Utvalg: Kommunestyret"),
    ("p", "Møtedato: 15.06.2021"),
    ("label", "SAKSLISTE"),
    ("list", "PS 12/21 Leve hele livet – handlingsplan 2021–2024"),
    ("list", "PS 13/21 Orientering om hjemmetjenesten"),
    ("list", "PS 14/21 Reguleringsplan for Nordbyen skole"),
    ("list", "FO 1/21 Spørsmål om brøyting av fortau"),
    ("list", "RS 1/21 Referat fra eldrerådet"),
    ("sak", "PS 12/21 Leve hele livet – handlingsplan 2021–2024"),
    ("p", "Kommunedirektøren legger fram handlingsplan for Leve hele livet. Planen bygger på kartlegging av "
          "eldres behov og følger de fem innsatsområdene i reformen."),
    ("label", "Kommunedirektørens innstilling:"),
    ("p", "Kommunestyret vedtar handlingsplanen for Leve hele livet 2021–2024."),
    ("label", "Behandling:"),
    ("p", "Høyre fremmet forslag om at eldrerådet skal få status hvert halvår. Forslaget ble enstemmig vedtatt."),
    ("label", "Kommunestyrets vedtak:"),
    ("p", "Kommunestyret vedtar handlingsplanen for Leve hele livet 2021–2024. Eldrerådet får status hvert halvår."),
    ("sak", "PS 13/21 Orientering om hjemmetjenesten"),
    ("p", "Enhetslederen orienterte om ventetider og bemanning i hjemmetjenesten gjennom vinteren, og om "
          "samarbeidet med frivilligsentralen om måltidsvenner."),
    ("p", "HO-13/21 Vedtak: Helse- og omsorgsutvalget tar saken om hjemmetjenesten til orientering."),
    ("sak", "PS 14/21 Reguleringsplan for Nordbyen skole"),
    ("p", "Planforslaget legger til rette for ny skole med idrettshall og trafikksikker skolevei."),
    ("p", "PS 12/21 Leve hele livet ble vedtatt tidligere i møtet, og skolen skal også være møteplass for eldre."),
    ("p", "Innkomne merknader er vurdert, og kommunedirektøren tilrår at planen vedtas med endringene i saken."),
    ("label", "Vedtak i Kommunestyret – 15.06.2021"),
    ("p", "Reguleringsplan for Nordbyen skole vedtas med de endringene som går fram av saksutredningen."),
    ("sak", "FO 1/21 Spørsmål om brøyting av fortau"),
    ("p", "Ordføreren svarte at fortauene brøytes først."),
    ("sak", "RS 1/21 Referat fra eldrerådet"),
    ("p", "Referatet ble tatt til orientering."),
]  # fmt: skip


def _protokoll_pdf(path: Path) -> Path:
    page = canvas.Canvas(str(path), pagesize=A4)
    y = HEIGHT - 60
    for kind, text in PROTOKOLL:
        font, size = {
            "title": ("Helvetica-Bold", 16),
            "sak": ("Helvetica-Bold", 12),
            "label": ("Helvetica-Bold", 10),
        }.get(kind, ("Helvetica", 10))
        lines = _wrap(text, font, size)
        if y - 14 * len(lines) < 80:
            page.showPage()
            y = HEIGHT - 60
        if kind in ("sak", "label"):
            y -= 8
        for line in lines:
            page.setFont(font, size)
            page.drawString(60, y, line)
            y -= 14
        if kind not in ("list", "title") or kind == "title":
            y -= 6 if kind != "list" else 0
    page.showPage()
    page.save()
    return path


def test_meeting_protokoll_splits_per_sak_and_keeps_every_decision(store, tmp_path):
    result = _ingest(store, tmp_path, _protokoll_pdf(tmp_path / "protokoll.pdf"))
    sections = doc_store.sections_of(store, result.document_id)
    assert [(s["saksnr"], s["title"]) for s in sections] == [
        ("PS 12/21", "Leve hele livet – handlingsplan 2021–2024"),
        ("PS 13/21", "Orientering om hjemmetjenesten"),
        ("PS 14/21", "Reguleringsplan for Nordbyen skole"),
        ("FO 1/21", "Spørsmål om brøyting av fortau"),  # short saker stay saker, apart from PS 1/21
        ("RS 1/21", "Referat fra eldrerådet"),
    ]
    section_of = {s["id"]: s["saksnr"] for s in sections}
    passages = doc_store.passages_of(store, result.document_id)

    def passage(words: str) -> dict:
        return next(p for p in passages if words in " ".join(p["text"].split()))

    # a sak mentioned in prose starts nothing: the rest of 14/21 stays in 14/21
    assert section_of[passage("ble vedtatt tidligere i møtet")["section_id"]] == "PS 14/21"
    assert section_of[passage("Innkomne merknader er vurdert")["section_id"]] == "PS 14/21"
    decisions = {
        "Kommunestyret vedtar handlingsplanen for Leve hele livet 2021–2024.": "PS 12/21",
        "Eldrerådet får status hvert halvår.": "PS 12/21",
        "Helse- og omsorgsutvalget tar saken om hjemmetjenesten til orientering.": "HO 13/21",
        "Reguleringsplan for Nordbyen skole vedtas": "PS 14/21",
    }
    for words, saksnr in decisions.items():
        found = passage(words)
        assert (found["role"], found["saksnr"]) == ("decision", saksnr), words
    assert passage("Høyre fremmet forslag")["role"] is None  # the debate is not the decision
    assert passage("Enhetslederen orienterte")["role"] is None
    innstilling = passage("Kommunestyret vedtar handlingsplanen for Leve hele livet 2021–2024.")
    assert "Behandling" not in innstilling["text"] and "Høyre" not in innstilling["text"]
    short = passage("fortauene brøytes først")
    assert section_of[short["section_id"]] == "FO 1/21"


LOGIN_PAGE = """<!DOCTYPE html><html lang="no"><head><meta charset="utf-8"><title>Logg inn – Lillevik kommune</title></head>
<body><main><h1>Logg inn</h1><form><label>Brukernavn <input name="u"></label>
<label>Passord <input type="password" name="p"></label><button>Logg inn</button></form>
<p>Du må logge inn for å se dokumentet.</p></main></body></html>"""
ERROR_PAGE = """<!DOCTYPE html><html><head><title>404 - Siden finnes ikke</title></head>
<body><h1>Beklager, siden finnes ikke</h1><p>Dokumentet kan være flyttet eller slettet.</p></body></html>"""


def test_saved_login_or_error_page_is_refused_with_a_numbered_error(store, tmp_path):
    folder = tmp_path / "inn"
    folder.mkdir()
    (folder / "vedtak.pdf").write_text(LOGIN_PAGE, encoding="utf-8")  # what a browser saved instead of the PDF
    (folder / "plan.pdf").write_text(ERROR_PAGE, encoding="utf-8")
    _votes_pdf(folder / "valg.pdf")
    results = {Path(r.path).name: r for r in ingest_path(store, folder, IngestOptions(corpus_dir=tmp_path / "corpus"))}
    for name in ("vedtak.pdf", "plan.pdf"):
        assert results[name].status == "failed"
        assert results[name].error.startswith("[E215]") and "not a document" in results[name].error
        assert results[name].n_passages == 0
    assert "Logg inn" in results["vedtak.pdf"].error
    assert results["valg.pdf"].status == "extracted"  # the batch goes on


SLIDE_TEXT = (
    "Det overordnede målet frem mot 2032 er et bærekraftig samfunn. Dette skal vi nå gjennom de tre "
    "samfunnsmålene sosialt, klima- og miljømessig og økonomisk bærekraft. Målene er resultatet av en bred "
    "medvirkningsprosess der innbyggere, folkevalgte og næringsliv har bidratt med innspill."
)


def _slide_pdf(path: Path) -> Path:
    """A 16:9 plan page: body text on the left, a diagram's big and small labels beside it on the right."""
    width, height = 960, 540
    page = canvas.Canvas(str(path), pagesize=(width, height))
    page.setFont("Helvetica-Bold", 24)
    page.drawString(50, height - 60, "Kommuneplanens samfunnsdel på ett minutt")
    y = height - 110
    for line in _wrap(SLIDE_TEXT, "Helvetica", 11, 430):
        page.setFont("Helvetica", 11)
        page.drawString(50, y, line)
        y -= 15
    for text, size, x, top in (("Et bærekraftig", 26, 620, height - 118), ("Lillevik", 26, 660, height - 150),
                               ("Sosialt", 9, 560, height - 96), ("Økonomisk", 9, 800, height - 140)):  # fmt: skip
        page.setFont("Helvetica", size)
        page.drawString(x, top, text)
    page.showPage()
    page.save()
    return path


def test_slide_labels_neither_cut_sentences_nor_become_headings(store, tmp_path):
    result = _ingest(store, tmp_path, _slide_pdf(tmp_path / "slide.pdf"))
    passages = doc_store.passages_of(store, result.document_id)
    body = [p for p in passages if "overordnede målet" in p["text"]]
    assert len(body) == 1 and " ".join(body[0]["text"].split()) == SLIDE_TEXT
    assert body[0]["heading"] == "Kommuneplanens samfunnsdel på ett minutt"
    assert all("bærekraftig |" not in (p["heading"] or "") and "Lillevik" not in (p["heading"] or "") for p in passages)
    labels = " ".join(p["text"] for p in passages if p is not body[0])
    for label in ("Et bærekraftig", "Lillevik", "Sosialt", "Økonomisk"):
        assert label in labels


def test_meeting_date_and_board_from_a_saksgang_table():
    saksgang = (
        "Saksframlegg\n\nSaksgang\nUtvalgssaksnr | Utvalg | Møtedato\n45/21 | Eldrerådet | 02.06.2021\n"
        "12/21 | Kommunestyret | 15.06.2021\nSaksbehandler: Kari Nordmann"
    )
    found = detect_metadata(saksgang)
    assert (found["utvalg"], found["meeting_date"]) == ("Eldrerådet", "2021-06-02")  # the first meeting it goes to
    nynorsk = "SAKSGANG\nStyre/råd/utval | Møtedato | Sak nr\nUtval for plan, teknikk og næring | 23.11.2012 139/12"
    assert detect_metadata(nynorsk) == {"utvalg": "Utval for plan, teknikk og næring", "meeting_date": "2012-11-23"}


REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real" / "documents"


def test_titles_of_real_documents_are_their_own_not_producer_residue(store, tmp_path):
    expected = {
        "bo_2012_motebok_ptn139-12_k112-12_breisas_syd.pdf": "Endring av reguleringsplan for Breisås syd, 2. gongs handsaming",
        "kristiansand_2025_reguleringsbestemmelser_gyldenloves_gate_70.pdf": "Reguleringsplan for Gyldenløves gate 70",
        "stavanger_2025_journalfort_epost_plan2889_varsling.pdf": "Kunngjøring",  # the e-mail's subject
        # «GISLINE» is the program and map labels are no title; the plan's name in the title block is
        "kristiansand_2025_plankart_gyldenloves_gate_70.pdf": "Detaljregulering for Gyldenløves gate 70",
    }
    for name, title in expected.items():
        result = _ingest(store, tmp_path, REAL / name)
        assert doc_store.document(store, result.document_id)["title"] == title, name
    bo = doc_store.document_by_url(
        store, (REAL / "bo_2012_motebok_ptn139-12_k112-12_breisas_syd.pdf").resolve().as_uri()
    )
    assert (bo["utvalg"], bo["meeting_date"]) == ("Utval for plan, teknikk og næring", "2012-11-23")


def test_real_pdfs_against_pdftotext_hold_the_fidelity_floor():
    """The floors of bench/bench_fidelity.py on every real PDF (pdftotext: Debian's poppler-utils, see scripts/test)."""
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "bench" / "bench_fidelity.py"
    spec = importlib.util.spec_from_file_location("bench_fidelity", script)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    split, rows, intact = [], 0, 0
    for path in sorted(REAL.glob("*.pdf")):
        result = bench.measure(path)
        split += result["split"]
        rows += result["rows"]
        intact += result["intact"]
        if not any(word in path.name for word in bench.MAPS):
            assert result["similarity"] >= 0.97, (path.name, result["similarity"])
            assert result["outside"] <= 0.01, (path.name, result["outside"])
    assert len(split) <= 2, split
    assert intact / rows >= 0.98


def _letter_pdf(path: Path) -> Path:
    """A kommune letter: letterhead, a body, and a contact footer with a web address over an e-mail address."""
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setFont("Helvetica-Bold", 14)
    page.drawString(60, 770, "Lillevik kommune")
    page.setFont("Helvetica", 10)
    page.drawString(60, 755, "Servicetorget")
    y = 700
    page.setFont("Helvetica-Bold", 11)
    page.drawString(60, y, "Svar på innsyn i valgprotokoll")
    page.setFont("Helvetica", 10)
    for line in _wrap("Vi viser til henvendelsen din og sender kopi av valgprotokollen for kommunestyrevalget. "
                      "Protokollen er journalført i sak-arkivsystemet og kan også leses på nettsidene våre."):  # fmt: skip
        y -= 14
        page.drawString(60, y, line)
    for offset, line in enumerate(("www.lillevik.kommune.no", "postmottak@lillevik.kommune.no", "Telefon 12 34 56 78")):
        page.drawCentredString(WIDTH / 2, 120 - 13 * offset, line)
    page.showPage()
    page.save()
    return path


def test_letterhead_and_contact_footer_are_flagged_and_addresses_stay_apart(store, tmp_path):
    result = _ingest(store, tmp_path, _letter_pdf(tmp_path / "brev.pdf"))
    passages = doc_store.passages_of(store, result.document_id)
    text = " ".join(doc_store.document_text(store, result.document_id).split())
    assert "www.lillevik.kommune.no postmottak@lillevik.kommune.no" in text  # not glued into one address
    flagged = {p["noise"] for p in passages if "Lillevik kommune" in p["text"] or "postmottak@" in p["text"]}
    assert flagged == {"letterhead"}
    body = next(p for p in passages if "valgprotokollen" in p["text"])
    assert body["noise"] is None
    assert doc_store.document(store, result.document_id)["title"] == "Svar på innsyn i valgprotokoll"


def _map_pdf(path: Path, cover: str | None = None) -> Path:
    """A plankart: a vector drawing of hundreds of short strokes, scattered and rotated labels, a legend;
    after a page of prose when `cover` is given."""
    page = canvas.Canvas(str(path), pagesize=A4)
    if cover:
        page.setFont("Helvetica", 11)
        page.drawString(60, 760, cover)
        page.showPage()
    page.setLineWidth(0.3)
    for row in range(40):
        for column in range(20):
            x, y = 40 + column * 26, 120 + row * 17
            page.line(x, y, x + 20 + (row * column) % 5, y + (row + column) % 7)
    page.setFont("Helvetica", 7)
    for index, label in enumerate(("150/173", "150/174", "BFS1", "o_SKV", "441250", "6445850", "Planens begrensning")):
        page.saveState()
        page.translate(70 + 60 * index, 200 + 70 * index)
        page.rotate(90 if index % 2 else 0)
        page.drawString(0, 0, label)
        page.restoreState()
    page.setFont("Helvetica", 9)
    page.drawString(40, 80, "Tegnforklaring: Boligbebyggelse, Kjøreveg, Fortau")
    page.showPage()
    page.save()
    return path


def test_map_page_passages_are_flagged_as_noise(store, tmp_path):
    result = _ingest(store, tmp_path, _map_pdf(tmp_path / "plankart.pdf"))
    passages = doc_store.passages_of(store, result.document_id)
    assert passages and {p["noise"] for p in passages} == {"map"}
    assert "Planens begrensning" in " ".join(p["text"] for p in passages)  # flagged, not lost
    assert doc_store.document(store, result.document_id)["title"] is None  # no map label becomes the title
    plain = _ingest(store, tmp_path, _votes_pdf(tmp_path / "valg.pdf"))  # a table page is no map
    assert all(p["noise"] is None for p in doc_store.passages_of(store, plain.document_id))


def test_resegmented_stored_text_flags_the_map_page_as_ingest_did(store, db_path, tmp_path):
    """The page flag is stored (0012_page_flags), also for a store ingested before it, from its passages."""
    cover = "Planforslaget legger til rette for omsorgsboliger nær sentrum og et nytt dagsenter."
    result = _ingest(store, tmp_path, _map_pdf(tmp_path / "plan.pdf", cover=cover))

    def noise_by_page(store: Store) -> dict[int, set[str | None]]:
        by_page: dict[int, set[str | None]] = {}
        for passage in doc_store.passages_of(store, result.document_id):
            by_page.setdefault(passage["page_no"], set()).add(passage["noise"])
        return by_page

    ingested = noise_by_page(store)
    assert ingested == {1: {None}, 2: {"map"}}
    store.db.execute("DELETE FROM passages WHERE document_id = ?", [result.document_id])
    assert segment_stored(store, result.document_id)
    assert noise_by_page(store) == ingested
    store.db.execute("ALTER TABLE pages DROP COLUMN noise")  # the file as a store before 0012 left it
    store.db.execute("DELETE FROM _sqlite_migrations WHERE name = '0012_page_flags'")
    store.db.conn.commit()
    with Store.open(db_path) as upgraded:
        assert [p["noise"] for p in doc_store.pages_of(upgraded, result.document_id)] == [None, "map"]
        upgraded.db.execute("DELETE FROM passages WHERE document_id = ?", [result.document_id])
        assert segment_stored(upgraded, result.document_id)
        assert noise_by_page(upgraded) == ingested


def test_real_letters_and_map_start_with_content_once_noise_is_set_aside(store, tmp_path):
    letters = (
        "nord-odal_2023_brev_oversendelse_valgstyrets_motebok.pdf",
        "nord-odal_2021_brev_oversendelse_valgprotokoll.pdf",
    )
    for name in letters:
        passages = doc_store.passages_of(store, _ingest(store, tmp_path, REAL / name).document_id)
        noise = [p["text"] for p in passages if p["noise"] == "letterhead"]
        assert noise and noise[0].startswith("Nord-Odal kommune"), name
        first = next(p["text"] for p in passages if not p["noise"])
        assert not first.startswith("Nord-Odal kommune") and "postmottak@" not in first, name
    plankart = _ingest(store, tmp_path, REAL / "kristiansand_2025_plankart_gyldenloves_gate_70.pdf")
    assert {p["noise"] for p in doc_store.passages_of(store, plankart.document_id)} == {"map"}


NYNORSK_PROTOKOLL = """Møteprotokoll
Utval: Kommunestyret
Møtedato: 17.12.2012

Sak 112/12 Endring av reguleringsplan for Breisås syd

Planendringa legg til rette for einebustadtomter på området B7 og B8 i gjeldande plan.

Rådmannen si tilråding:
Kommunestyret godkjenner endringa av reguleringsplanen.

Votering: Vedteke med 14 mot 10 røyster.

Vedtak i kommunestyret – 17.12.2012:
Kommunestyret godkjenner endringa av reguleringsplanen for Breisås syd.

Sak 113/12 Referatsaker

Ingen merknader.
"""


def test_nynorsk_tilraading_and_vedtak_are_decision_passages(store, tmp_path):
    path = tmp_path / "protokoll.txt"
    path.write_text(NYNORSK_PROTOKOLL, encoding="utf-8")
    result = _ingest(store, tmp_path, path)
    passages = doc_store.passages_of(store, result.document_id)
    decisions = [(p["saksnr"], " ".join(p["text"].split())) for p in passages if p["role"] == "decision"]
    assert decisions == [
        ("112/12", "Rådmannen si tilråding: Kommunestyret godkjenner endringa av reguleringsplanen."),
        ("112/12", "Vedtak i kommunestyret – 17.12.2012: Kommunestyret godkjenner endringa av reguleringsplanen for Breisås syd."),
    ]  # fmt: skip
    votering = next(p for p in passages if "Votering" in p["text"])
    assert votering["role"] is None
    sections = doc_store.sections_of(store, result.document_id)
    assert [s["saksnr"] for s in sections] == ["112/12", "113/12"]  # «Ingen merknader.»: a short sak stays a sak


CHALLENGES = [
    "• demografiske endringer gir større andel eldre i befolkningen og en større andel innbyggere i ikke-yrkesaktiv alder",
    "• redusert befolkningstilvekst på grunn av lavere barnefødselstall og arbeidsinnvandring",
    "• mer komplekse sykdomsbilder og uforløst potensial i forebygging",
]
CHANCES = [
    "• folkehelse som samfunnsressurs",
    "• større grad av samskaping i kommunesamfunnet for å løse viktige samfunnsoppgaver og legge til rette for frivillighet",
    "• levende lokalsamfunn med gode møteplasser",
]


def _framed_columns_pdf(path: Path) -> Path:
    """A slide box framed on four sides with one divider: two bullet lists side by side (no row rules)."""
    width, height = 960, 540
    page = canvas.Canvas(str(path), pagesize=(width, height))
    page.setLineWidth(1)
    for x0, y0, x1, y1 in (
        (50, 470, 910, 470),
        (50, 60, 910, 60),
        (50, 60, 50, 470),
        (910, 60, 910, 470),
        (480, 60, 480, 470),
    ):
        page.line(x0, y0, x1, y1)
    for x, heading, items in (
        (70, "Utfordringer vi må håndtere:", CHALLENGES),
        (500, "Muligheter vi kan gripe:", CHANCES),
    ):
        y = 440
        page.setFont("Helvetica-Bold", 14)
        page.drawString(x, y, heading)
        y -= 26
        for item in items:
            for number, line in enumerate(_wrap(item, "Helvetica", 11, 380)):
                page.setFont("Helvetica", 11)
                page.drawString(x + (10 if number else 0), y, line)
                y -= 15
            y -= 6
    page.showPage()
    page.save()
    return path


def test_framed_box_with_a_divider_is_two_columns_not_a_table(store, tmp_path):
    result = _ingest(store, tmp_path, _framed_columns_pdf(tmp_path / "boks.pdf"))
    text = " ".join(doc_store.document_text(store, result.document_id).split())
    for item in CHALLENGES + CHANCES:
        assert item in text  # each bullet whole, not interleaved with the other column
    assert text.index(CHALLENGES[-1]) < text.index(CHANCES[0])
    assert "|" not in text
