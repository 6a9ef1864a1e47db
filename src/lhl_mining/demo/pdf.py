"""Render a demo document as a real PDF (reportlab), the way portals serve case papers."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from .texts import DemoDoc


def render_pdf(doc: DemoDoc, kommune: str) -> bytes:
    """A text PDF with a header line, the title and the paragraphs (headings for «## » lines)."""
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=doc.title,
        author=f"{kommune} kommune",
        leftMargin=2.5 * cm,
        rightMargin=2.5 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        invariant=1,
    )
    story = [
        Paragraph(escape(f"{kommune} kommune"), styles["Normal"]),
        Spacer(1, 0.4 * cm),
        Paragraph(escape(doc.title), styles["Title"]),
    ]
    for paragraph in doc.paragraphs:
        if paragraph.startswith("## "):
            story.append(Paragraph(escape(paragraph[3:]), styles["Heading2"]))
        else:
            story.append(Paragraph(escape(paragraph).replace("\n", "<br/>"), styles["BodyText"]))
    template.build(story)
    return buffer.getvalue()
