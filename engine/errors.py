"""The errors a service can raise; the web layer maps each to one HTTP status."""


class ShenpiError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, details: list | None = None):
        super().__init__(message)
        self.message = message
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


class TooManyAttempts(ShenpiError):
    """Signing in is closed for a while after too many wrong passwords."""
    code, status = "too_many_attempts", 429


class EngineFailure(ShenpiError):
    """The procedure itself failed while running (a script error, a runaway loop)."""
    code, status = "engine_error", 422
