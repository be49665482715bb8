"""The engine's messages in the reader's language, from the engine's own catalogue.

The engine writes its refusals in English (engine.errors.Message); its catalogue lives beside it
in engine/translations, under the Flask-Babel domain "engine". English pages need no catalogue.
"""
from pathlib import Path

from flask_babel import Domain
from flask_babel import gettext as _

import engine
from engine.errors import Message, ShenpiError

_ENGINE = Domain(translation_directories=str(Path(engine.__file__).parent / "translations"), domain="engine")


def translated(text) -> str:
    """A Message in the reader's language; any other text as it is."""
    if not isinstance(text, Message):
        return str(text)
    values = {name: translated(value) for name, value in text.values.items()}  # a state's name too
    return _ENGINE.gettext(text.template, **values)


def sentences(exc: ShenpiError) -> list[str]:
    """What a page says of a refused action: the message, then the details that are sentences (a
    form's field details are not: the fields show them)."""
    return [translated(text) for text in [exc.message, *exc.details] if isinstance(text, str)]


def refusal(exc: ShenpiError) -> str:
    """The sentences as one line."""
    return _("；").join(sentences(exc))


def warned(message: str, warnings: list[dict]) -> tuple[str, list[dict]]:
    """A deployment's message followed by its warnings (what deploys but would get a case stuck),
    and the warnings, in the reader's language."""
    said = [dict(w, message=translated(w["message"])) for w in warnings]
    if said:
        message = _("%(message)s。%(n)s 条警告：%(warnings)s", message=message, n=len(said), warnings=_("；").join(
            _("%(label)s：%(value)s", label=" ".join(filter(None, (w["file"], w["element_id"]))), value=w["message"])
            for w in said))
    return message, said


def deployed(outcome, same: str) -> str:
    """What a deployment made: every new version (a process deployed with the one sent, a caller
    or one it calls, that changed too), or `same` when nothing changed."""
    if not outcome.new:
        return same
    return _("已部署：") + _("，").join(f"{r.key} v{r.version}" for r in outcome.definitions if r.new)
