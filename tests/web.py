"""A Flask test client signed in as one of the `org` staff (password pass-<login>)."""


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
