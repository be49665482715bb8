"""Settings read from the environment, so the same code serves a laptop and a cluster."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("SHENPI_INSTANCE_DIR", ROOT / "instance")).resolve()


# The installation's two keys, secrets both: the sessions' (unless SECRET_KEY sets it) and the seal's.
def secret_key_file() -> Path:
    return INSTANCE_DIR / "secret_key"


def seal_key_file() -> Path:
    return Path(os.environ.get("SHENPI_SEAL_KEY_FILE", INSTANCE_DIR / "seal_key.pem"))


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; SQLAlchemy 2 wants psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        if not url.startswith(("sqlite:", "postgresql+psycopg:")):
            from engine.errors import Invalid
            raise Invalid("DATABASE_URL names a database Shenpi does not run on: use sqlite:/// or postgresql://")
        return url
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'shenpi.db'}"


def whole_number(name: str, default: int, least: int) -> int:
    """A setting that is a whole number of at least `least`, or a clear refusal at start."""
    from engine.errors import Invalid
    text = os.environ.get(name, str(default))
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < least:
        raise Invalid("The setting %(name)s must be a whole number of at least %(least)s, not %(value)s",
                      name=name, least=least, value=repr(text))
    return value


def counts_acceptance_day() -> bool:
    """Whether a limit counts the day it starts (the law does not: Art. 82 and domain.md; some
    places do, by local rule). COUNT_ACCEPTANCE_DAY=1 makes it so."""
    return os.environ.get("COUNT_ACCEPTANCE_DAY") == "1"


def remedies() -> dict:
    """Where an applicant appeals a refusal or an end, as the office names them (APPEAL_BODY, the
    行政复议机关; APPEAL_COURT, the court for 行政诉讼): kept on each notice that gives the remedies,
    which then says where; unset, it gives the time limits alone."""
    named = {"appeal_body": os.environ.get("APPEAL_BODY", ""), "appeal_court": os.environ.get("APPEAL_COURT", "")}
    return {key: value.strip() for key, value in named.items() if value.strip()}
