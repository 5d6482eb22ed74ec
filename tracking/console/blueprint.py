"""The merchant console's blueprint; auth.py and routes.py add its URLs."""
from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")
