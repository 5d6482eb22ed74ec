"""Plain words for statuses and milestones, in the shopper's language."""
from flask_babel import lazy_gettext as _l

HEADLINES = {
    "pending": _l("Waiting for the carrier's first scan"),
    "info_received": _l("Packed and waiting for the carrier"),
    "in_transit": _l("On its way"),
    "out_for_delivery": _l("Out for delivery"),
    "available_for_pickup": _l("Ready for pickup"),
    "failed_attempt": _l("Delivery attempted"),
    "delivered": _l("Delivered"),
    "exception": _l("There is a problem with this parcel"),
    "expired": _l("No recent updates from the carrier"),
}

# Substatuses that change the headline; the rest add detail only.
SUB_HEADLINES = {
    "delayed": _l("Running late"),
    "returning_to_sender": _l("Returning to the sender"),
    "returned_to_sender": _l("Returned to the sender"),
    "cancelled": _l("Shipment cancelled"),
    "lost": _l("The carrier cannot find this parcel"),
    "damaged": _l("The parcel was damaged in transit"),
    "address_issue": _l("The carrier needs a better address"),
    "refused": _l("Delivery was refused"),
    "picked_up": _l("Picked up by the carrier"),
    "customs": _l("In customs"),
    "delivered_to_locker": _l("Delivered to a parcel locker"),
    "delivered_to_neighbour": _l("Delivered to a neighbour"),
    "delivered_to_pickup_point": _l("Ready for pickup"),
}

# What a shopper can do or expect, for the states that need it.
ADVICE = {
    "pending": _l("The label has been created. Carriers often need a few hours to scan a new parcel."),
    "failed_attempt": _l("The carrier will usually try again on the next working day."),
    "available_for_pickup": _l("Bring your ID and tracking number to collect it."),
    "exception": _l("We are on it. If you need help now, contact us below."),
    "expired": _l("The carrier has not reported anything for a long time. Please contact us."),
}

MILESTONE_LABELS = {
    "ordered": _l("Ordered"),
    "shipped": _l("Shipped"),
    "in_transit": _l("In transit"),
    "out_for_delivery": _l("Out for delivery"),
    "delivered": _l("Delivered"),
}


def headline(status: str, substatus: str | None) -> str:
    """The one line that says where the parcel stands."""
    if substatus in SUB_HEADLINES and status not in ("pending", "info_received"):
        return SUB_HEADLINES[substatus]
    return HEADLINES.get(status, status)


def event_label(status: str, substatus: str | None) -> str:
    """Our own words for a scan, shown above the carrier's text."""
    return SUB_HEADLINES.get(substatus) or HEADLINES.get(status) or status
