"""A Flask test client signed in as one of the `org` staff (password pass-<login>)."""


def signed_in(app, login):
    client = app.test_client()
    assert client.post("/login", data={"login": login, "password": f"pass-{login}"}).status_code == 302
    return client
