"""The APScheduler jobs every process runs: one tick a second over the timers table, and an
hourly clean-up (sign-in counts of names no account has, once forgotten).

APScheduler only provides the heartbeat. Its own job store would fire a job once per process;
the timers table, claimed row by row, is what makes a firing happen exactly once.
"""
import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from engine import signin, timers

TICK_SECONDS = 1.0
log = logging.getLogger(__name__)


def _tick():
    try:
        fired = timers.tick()
        if fired:
            log.info("fired %d timer(s)", fired)
    except Exception:  # the next tick tries again; a dead scheduler would fire nothing
        log.exception("timer tick failed")


def _housekeeping():
    try:
        signin.forget_old_counts()
    except Exception:  # the next hour tries again
        log.exception("housekeeping failed")


def _configure(scheduler):
    # coalesce + max_instances=1: a slow tick is not stacked behind itself.
    scheduler.add_job(_tick, "interval", seconds=TICK_SECONDS, id="shenpi-timers",
                      coalesce=True, max_instances=1)
    scheduler.add_job(_housekeeping, "interval", hours=1, id="shenpi-housekeeping",
                      coalesce=True, max_instances=1)
    return scheduler


def start_background() -> BackgroundScheduler:
    scheduler = _configure(BackgroundScheduler(daemon=True))
    scheduler.start()
    return scheduler


def run_blocking() -> None:
    _configure(BlockingScheduler()).start()
