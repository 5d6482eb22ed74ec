"""The support console's URL table: every route of /support/ and the view that answers it."""
from flask import Blueprint

from . import actions, audit, corrections, detail, queue, search

bp = Blueprint("support", __name__, url_prefix="/support")

bp.add_url_rule("/", "index", search.index)
bp.add_url_rule("/search", "search", search.search_page)
bp.add_url_rule("/exceptions", "queue", queue.queue_page)
bp.add_url_rule("/exceptions.csv", "queue_csv", queue.queue_csv)
bp.add_url_rule("/audit", "audit", audit.audit_page)
bp.add_url_rule("/shipments/<int:shipment_id>", "shipment", detail.shipment_page)
bp.add_url_rule("/shipments/<int:shipment_id>/repoll", "repoll", actions.repoll, methods=["POST"])
bp.add_url_rule("/shipments/<int:shipment_id>/notes", "add_note", actions.add_note, methods=["POST"])
bp.add_url_rule("/shipments/<int:shipment_id>/resend", "resend", actions.resend, methods=["POST"])
bp.add_url_rule("/shipments/<int:shipment_id>/carrier", "correct_carrier",
                corrections.correct_carrier, methods=["POST"])
bp.add_url_rule("/shipments/<int:shipment_id>/override", "override", corrections.override,
                methods=["POST"])
