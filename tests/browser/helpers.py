"""Small steps the browser tests share."""


def login(page, base: str, login: str, password: str | None = None) -> None:
    page.goto(f"{base}/login")
    page.fill("#login", login)
    page.fill("#password", password or f"pass-{login}")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
