from .db import get_engine, session_scope, reset_engine
from . import models

__all__ = ["get_engine", "session_scope", "reset_engine", "models"]
