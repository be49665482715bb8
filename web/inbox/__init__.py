from flask import Blueprint

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.get("/")
def index():
    return "建设中", 200
