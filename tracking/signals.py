"""Signals other parts of the app listen to, so the sender need not know who acts on them.

`shipment_status_changed` is sent by `timeline.merge` when a shipment's status changed, before
the caller commits: a receiver may only add rows to the shipment's session (never commit or
roll back), so what it writes is stored, or dropped, together with the change itself.
Sent with sender=shipment and keyword arguments `previous` and `status` (canonical statuses).
"""
from blinker import Namespace

tracking_signals = Namespace()

shipment_status_changed = tracking_signals.signal("shipment-status-changed")

# Sent by `shipments.register` when it creates an order (sender=order, keyword `merchant`),
# before the caller commits; the same rule holds: receivers only add rows to the session.
order_created = tracking_signals.signal("order-created")
