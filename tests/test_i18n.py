"""The English catalog: the UI switches language with ?lang=, and the committed catalog is complete and compiled."""
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LC = ROOT / "web" / "translations" / "en" / "LC_MESSAGES"
PO, MO = LC / "messages.po", LC / "messages.mo"
# git writes files in checkout order (messages.mo before messages.po), so allow a little slack.
CHECKOUT_SLACK_SECONDS = 5


@pytest.fixture
def client(db):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()


def _read_po():
    with PO.open("rb") as fh:
        return read_po(fh, locale="en")


def test_login_page_is_chinese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert "工作人员登录" in html and "用户名" in html
    assert "Staff login" not in html


def test_lang_en_switches_to_english_and_sticks_for_the_session(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert "Staff login" in html and "Username" in html and "Password" in html
    assert "工作人员登录" not in html

    html = client.get("/login").get_data(as_text=True)  # no ?lang: the session remembers English
    assert "Staff login" in html and "工作人员登录" not in html

    html = client.get("/login?lang=zh").get_data(as_text=True)  # and switching back works too
    assert "工作人员登录" in html and "Staff login" not in html


def test_unknown_lang_is_ignored(client):
    html = client.get("/login?lang=xx").get_data(as_text=True)
    assert "工作人员登录" in html


def test_every_message_has_an_english_translation():
    catalog = _read_po()
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert len(catalog) > 100
    assert not untranslated, f"untranslated msgids in {PO.name}: {untranslated}"
    assert not fuzzy, f"fuzzy msgids (pybabel compile skips them): {fuzzy}"


def test_compiled_catalog_is_up_to_date():
    assert MO.exists(), "run: .venv/bin/pybabel compile -d web/translations"
    assert MO.stat().st_mtime >= PO.stat().st_mtime - CHECKOUT_SLACK_SECONDS, \
        "messages.mo is older than messages.po; run: .venv/bin/pybabel compile -d web/translations"
    # Contents too, so a forgotten compile fails even when timestamps do not tell.
    with MO.open("rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    source = {m.id: m.string for m in _read_po() if m.id}
    assert compiled == source, \
        "messages.mo does not match messages.po; run: .venv/bin/pybabel compile -d web/translations"


def test_the_catalog_holds_every_string_the_source_marks(tmp_path):
    """A string marked in the code but never extracted would stay Chinese in English pages."""
    import subprocess
    import sys
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "--quiet", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-o", str(pot), "web"], cwd=ROOT, check=True)
    with pot.open("rb") as fh:
        marked = {m.id for m in read_po(fh) if m.id}
    assert marked - {m.id for m in _read_po() if m.id} == set()
