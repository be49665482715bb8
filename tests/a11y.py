"""Accessibility checks the web and browser tests share: WCAG 2.1 contrast, the colours our
stylesheets give an element, and an audit of a page's HTML (names, headings, tables, language)."""
import re
from pathlib import Path

import lxml.html

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


def luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of #rgb, #rrggbb or rgb(r, g, b)."""
    if colour.startswith("rgb"):
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
    else:
        hex_ = colour.lstrip("#")
        hex_ = "".join(c * 2 for c in hex_) if len(hex_) == 3 else hex_
        channels = [int(hex_[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _rules(css: str):
    """(selectors, declarations) of each plain rule, media blocks and comments left out: the
    colours the tests read are set outside them."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css)
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict((k.strip(), v.strip()) for k, _, v in
                            (d.partition(":") for d in body.split(";") if ":" in d))
        yield [s.strip() for s in selectors.split(",")], declarations


def colours(classes: str, *sheets: str) -> tuple[str, str]:
    """The (color, background) our stylesheets give an element of these classes, cascade by
    specificity then order, among rules whose selector is these classes' own (.a, .a.b, tag.a);
    var(--x) read from :root; what no rule sets is the card's: text #1f2933 on white."""
    have = set(classes.split())
    variables, found = {}, []
    for order, (selectors, declarations) in enumerate(
            rule for sheet in ("app.css", *sheets) for rule in _rules((STATIC / sheet).read_text())):
        if ":root" in selectors:
            variables.update({k: v for k, v in declarations.items() if k.startswith("--")})
        for selector in selectors:
            wanted = re.fullmatch(r"[a-z]*((?:\.[\w-]+)+)", selector)
            if wanted and set(wanted.group(1).strip(".").split(".")) <= have:
                found.append((selector.count("."), order, declarations))
    style = {"color": "#1f2933", "background": "#fff"}
    for _, _, declarations in sorted(found, key=lambda f: f[:2]):
        style.update({k.removesuffix("-color"): v for k, v in declarations.items()
                      if k in ("color", "background", "background-color")})

    def resolved(value):
        return re.sub(r"var\((--[\w-]+)\)", lambda m: variables[m.group(1)], value)
    return resolved(style["color"]), resolved(style["background"])


def declared(selector: str, prop: str, sheet: str = "app.css") -> str:
    """What the sheet last sets `prop` to for exactly this selector (one of a rule's list)."""
    values = [d[prop] for selectors, d in _rules((STATIC / sheet).read_text()) if selector in selectors and prop in d]
    assert values, f"{sheet} sets no {prop} for {selector}"
    return values[-1]


# -- the page audit ------------------------------------------------------------------------------

CONTROLS = "//input[not(@type='hidden')] | //select | //textarea"


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _named(element, root) -> bool:
    if (element.get("aria-label") or element.get("title") or "").strip() or element.get("aria-labelledby"):
        return True
    if element.get("id") and root.xpath("//label[@for=$id]", id=element.get("id")):
        return True
    return bool(element.xpath("ancestor::label"))


def audit(html: str, lang: str = "zh-CN") -> list[str]:
    """What a WCAG 2.1 AA review finds wrong in a page's markup: each a sentence."""
    root = lxml.html.document_fromstring(html)
    found = []
    if root.get("lang") != lang:
        found.append(f"html lang is {root.get('lang')!r}, not {lang!r}")
    if len(root.xpath("//main")) != 1:
        found.append("the page has not exactly one <main>")
    first = root.xpath("//body//a[@href]")  # a menu before the content: a link past it comes first
    target = first[0].get("href", "")[1:] if first and first[0].get("href", "").startswith("#") else None
    if root.xpath("//header | //nav") and not root.xpath("//main[@id=$id] | //main//*[@id=$id]", id=target or "-"):
        found.append("the first link is no skip link into <main>")
    ids = root.xpath("//@id")
    found += [f"id {i!r} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for control in root.xpath(CONTROLS):
        if control.get("type") in ("submit", "button", "reset") and control.get("value"):
            continue
        if not _named(control, root):
            found.append(f"<{control.tag} name={control.get('name')!r}> has no label")
        for said in (control.get("aria-describedby") or "").split():
            if not root.xpath("//*[@id=$id]", id=said):
                found.append(f"<{control.tag} name={control.get('name')!r}> points at no element #{said}")
    for button in root.xpath("//button | //a[@href]"):
        if not (_text(button) or button.get("aria-label") or button.xpath(".//img[@alt!='']")):
            found.append(f"<{button.tag}> {lxml.html.tostring(button)[:80]!r} has no name")
    found += [f"<img src={img.get('src')!r}> has no alt" for img in root.xpath("//img[not(@alt)]")]
    for table in root.xpath("//table"):
        if not table.xpath(".//th"):
            found.append(f"table {table.get('id') or table.get('class')!r} has no header cells")
        found += [f"table {table.get('id')!r} has an empty header cell"
                  for th in table.xpath(".//th") if not _text(th) and not th.get("aria-label")]
    levels = [int(h.tag[1]) for h in root.xpath("//main//*[self::h1 or self::h2 or self::h3 or self::h4"
                                                " or self::h5 or self::h6]")]
    if levels.count(1) != 1:
        found.append(f"{levels.count(1)} h1 headings, not one")
    found += [f"heading h{b} follows h{a}" for a, b in zip(levels, levels[1:]) if b > a + 1]
    return found
