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


def whole_number(name: str, default: int, least: int, most: int | None = None) -> int:
    """A setting that is a whole number of at least `least` (and at most `most`), or a clear refusal at start."""
    from engine.errors import Invalid
    text = os.environ.get(name, str(default))
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is not None and least <= value and (most is None or value <= most):
        return value
    if most is None:
        raise Invalid("The setting %(name)s must be a whole number of at least %(least)s, not %(value)s",
                      name=name, least=least, value=repr(text))
    raise Invalid("The setting %(name)s must be a whole number from %(least)s to %(most)s, not %(value)s",
                  name=name, least=least, most=most, value=repr(text))


# The periods local practice sets, in working days (domain-reference.md: "keep those values
# configurable"), as (default, least, most); README's Configuration table gives each one's source.
# The law's own periods are none of them: Art. 32's five days for the window's answer, Art. 44's
# ten for delivering a grant (engine.case_status, engine.decisions).
PERIODS = {
    "CORRECTION_DAYS": (10, 1, 60),  # the applicant's time to answer a review round's correction notice
    "PAYMENT_DAYS": (10, 1, 60),  # the applicant's time to pay a payment notice
    "DELIVERY_DAYS": (1, 0, 10),  # the window's promise to hand the result over; never past Art. 44's ten
    "FEEDBACK_DAYS": (3, 1, 30),  # a department's time to answer a supervision order
    "RECTIFY_DAYS": (5, 1, 60),  # a department's time to rectify a bad rating
    "RATING_APPEAL_DAYS": (5, 1, 60),  # a department's time to appeal a bad rating (申诉复核)
    "PLEDGE_CHECK_DAYS": (30, 1, 120),  # a department's time to check a granted case's pledges (告知承诺 核查)
    # How near its licence's expiry an undecided renewal (延续) shows on the supervision board.
    "RENEWAL_WARNING_DAYS": (10, 1, 60),
}


def period(name: str) -> int:
    """A local period (PERIODS), in working days. Read at each use, so that a date counted records
    the days it was counted with (a calendar change counts it again with those, engine.recount)."""
    return whole_number(name, *PERIODS[name])


def warning_share() -> float:
    """The share of a promised limit left when its clock warns (预警): WARNING_PERCENT, 20 by default
    (domain-reference.md 3.5, "80% elapsed"), kept on each clock as it starts."""
    return whole_number("WARNING_PERCENT", 20, 1, 99) / 100


def check() -> None:
    """Every setting of the engine's read once, at start: a mistyped one stops the server or the
    command, naming it, instead of failing a case on the day it is first used."""
    for name in PERIODS:
        period(name)
    warning_share()


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
