"""QR codes of the product's own addresses, drawn as inline SVG: no script, no image to fetch, and
printed as sharp as the page's text (a notice's 评价码)."""
import segno
from markupsafe import Markup


def qr_svg(text: str, title: str) -> Markup:
    """The QR code of `text` (error correction M: a creased or smudged print still reads), sized by
    the page's CSS (class qr); `title` is what a screen reader says of it."""
    return Markup(segno.make(text, error="m").svg_inline(scale=1, border=4, light="#fff", svgclass="qr", omitsize=True,
                                                         title=title))
