"""The APScheduler job every process runs: one tick a second over the timers table.

APScheduler only provides the heartbeat. Its own job store would fire a job once per process;
the timers table, claimed row by row, is what makes a firing happen exactly once.
"""
import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from engine import timers

TICK_SECONDS = 1.0
log = logging.getLogger(__name__)


def _tick():
    try:
        fired = timers.tick()
        if fired:
            log.info("fired %d timer(s)", fired)
    except Exception:  # the next tick tries again; a dead scheduler would fire nothing
        log.exception("timer tick failed")


def _configure(scheduler):
    # coalesce + max_instances=1: a slow tick is not stacked behind itself.
    scheduler.add_job(_tick, "interval", seconds=TICK_SECONDS, id="shenpi-timers",
                      coalesce=True, max_instances=1)
    return scheduler


def start_background() -> BackgroundScheduler:
    scheduler = _configure(BackgroundScheduler(daemon=True))
    scheduler.start()
    return scheduler


def run_blocking() -> None:
    _configure(BlockingScheduler()).start()
