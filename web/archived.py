"""The pages of a case's archive package (engine/archive_package.py): its notices as the window prints
them and its history as the case page reads it, each a page that stands alone (its stylesheet
inside, no script, nothing fetched), in Chinese whatever the archivist reads the product in.

Rendered by the pages' own templates: inside a request, or, for the command line, inside
`standalone()`'s.
"""
from contextlib import contextmanager
from pathlib import Path

from flask import get_template_attribute, render_template
from flask_babel import force_locale
from markupsafe import Markup

STYLESHEET = Path(__file__).parent / "static" / "notice.css"
LOCALE = "zh"


class Printed:
    """engine.archive's `render`."""

    def __init__(self):
        self.archived = {"stylesheet": Markup(STYLESHEET.read_text(encoding="utf-8"))}

    def notice(self, row: dict) -> tuple[str, str]:
        """A notice's title (its kind's name, or the item's own for a refusal) and its page."""
        with force_locale(LOCALE):
            title = get_template_attribute("inbox/_macros.html", "notice_kind")(row["kind"], row["decision_words"])
            page = render_template([f"notices/{row['kind']}.html", "notices/generic.html"], notice=row,
                                   data=row["data"], archived=self.archived)
        return str(title).strip(), page

    def history(self, case_number: str, events: list[dict]) -> str:
        with force_locale(LOCALE):
            return render_template("archive/history.html", number=case_number, events=events,
                                   archived=self.archived)


@contextmanager
def standalone():
    """A request of the application's own, for rendering outside the web server (run.py archive)."""
    from web import create_app
    with create_app().test_request_context("/"):
        yield Printed()
