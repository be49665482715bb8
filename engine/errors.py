"""The errors a service can raise; the web layer maps each to one HTTP status.

Messages are English sentences with %(name)s placeholders, filled from keyword values: the API
and the logs read them in English, and the pages show them in the reader's language from the
engine's catalogue (engine/translations), looked up by the sentence before it is filled.
"""


class Message(str):
    """A sentence in English that also keeps its template and values, so it can be translated.

    A value that is itself a Message (a state's name) is translated with the sentence. It is a
    str for everyone else: what is made of it (str(), a slice, a join) is plain English text.
    """

    def __new__(cls, template: str, **values):
        text = super().__new__(cls, template % values if values else template)
        text.template, text.values = template, values
        return text


def whole(value, low: int, high: int) -> bool:
    """Whether a value is a whole number from low to high (not True or False, which Python counts as 1 and 0)."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def listed(names: list) -> str:
    """Names said one after another (a、b、c): each a Message is translated with the sentence that
    says them, as a value of it."""
    if len(names) < 2:
        return names[0] if names else ""
    return Message("%(first)s, %(rest)s", first=names[0], rest=listed(names[1:]))


class ShenpiError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, details: list | None = None, **values):
        """message: a template and its values, or a Message made earlier (the first of several)."""
        self.message = message if isinstance(message, Message) and not values else Message(message, **values)
        super().__init__(self.message)
        self.details = details or []


class NotFound(ShenpiError):
    code, status = "not_found", 404


class Forbidden(ShenpiError):
    code, status = "forbidden", 403


class Unauthenticated(ShenpiError):
    code, status = "unauthenticated", 401


class Conflict(ShenpiError):
    """A second claim, a stale writer, a task that is no longer ready."""
    code, status = "conflict", 409


class Invalid(ShenpiError):
    """Input that breaks the rules: a bad file, form data failing its schema."""
    code, status = "invalid", 422


def written(text: str | None, missing: Message, too_long: Message) -> str:
    """What someone must write (a reason, an answer), stripped; refused, saying which, when it is
    empty or longer than the `max` the too_long message names (the same message may say both)."""
    text = (text or "").strip()
    if not text:
        raise Invalid(missing)
    if len(text) > too_long.values["max"]:
        raise Invalid(too_long)
    return text


class TooManyAttempts(ShenpiError):
    """Signing in is closed for a while after too many wrong passwords."""
    code, status = "too_many_attempts", 429


class EngineFailure(ShenpiError):
    """The procedure itself failed while running (a script error, a runaway loop)."""
    code, status = "engine_error", 422


def state_name(name: str) -> Message:
    """The name of a state (ready, running, ...) inside a message: translated along with it."""
    return Message(name)


# Every state a message may name, written out for the catalogue's extractor, which reads literal
# strings only. Tasks: ready to returned; procedures: running to error; cases: submitted to
# delivered; timers: pending to incident; clocks: running, paused, stopped; SpiffWorkflow's own
# task states a migration names: waiting, started.
STATE_NAMES = (
    state_name("ready"), state_name("completed"), state_name("cancelled"), state_name("running"),
    state_name("suspended"), state_name("terminated"), state_name("error"), state_name("submitted"),
    state_name("correction"), state_name("review_correction"), state_name("accepted"),
    state_name("conditional"), state_name("refused"), state_name("decided"), state_name("delivered"),
    state_name("withdrawn"), state_name("revoked"),
    state_name("pending"), state_name("fired"), state_name("incident"), state_name("paused"),
    state_name("stopped"), state_name("returned"), state_name("waiting"), state_name("started"),
)
