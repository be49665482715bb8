"""Small steps the browser tests share."""


def login(page, base: str, login: str, password: str | None = None) -> None:
    page.goto(f"{base}/login")
    page.fill("#login", login)
    page.fill("#password", password or f"pass-{login}")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def fits(page, path):
    """Nothing wider than the screen (no sideways scroll of the page), and no column or fact
    squeezed to a character's width."""
    page.wait_for_load_state()  # a page still arriving has no document to measure, nor its styles
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), path
    narrowest = page.evaluate("() => Math.min(...[...document.querySelectorAll('th, dl.facts dd')]"
                              ".filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().width), 999)")
    assert narrowest >= 50, (path, narrowest)
