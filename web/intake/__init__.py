from flask import Blueprint

bp = Blueprint("intake", __name__, url_prefix="/intake")


@bp.get("/")
def index():
    return "建设中", 200
