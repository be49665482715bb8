"""A Flask test client signed in as one of the `org` staff (password pass-<login>)."""
import re


def signed_in(app, login):
    client = app.test_client()
    assert client.post("/login", data={"login": login, "password": f"pass-{login}"}).status_code == 302
    return client


def in_chinese(text) -> str:
    """A sentence the engine keeps translatable (a notification's), as the Chinese pages say it."""
    from web import create_app
    from web.messages import translated
    with create_app({"TESTING": True}).test_request_context("/"):
        return translated(text)


def element(html: str, element_id: str) -> str:
    """The element with this id, to the first closing tag of its kind (the pages nest none in itself)."""
    found = re.search(rf'<(\w+)[^>]* id="{element_id}"[^>]*>.*?</\1>', html, re.S)
    assert found, f'the page has no element with id="{element_id}"'
    return found.group(0)


def history_row(html: str, event_type: str) -> str:
    """A case history's row for one kind of event (the first, where there are several)."""
    found = re.search(rf'<tr data-event="{event_type}">.*?</tr>', html, re.S)
    assert found, f"the history has no {event_type} row"
    return found.group(0)


def csrf_token(html: str) -> str:
    """The CSRF token a page's forms send (each session has its own, new at sign-in)."""
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
                      r'|"X-CSRFToken": "([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return next(group for group in found.groups() if group)
