"""Canonical shipment statuses and the crosswalks to AfterShip, EasyPost, Shippo and karrio."""
import enum
from typing import NamedTuple


class Status(enum.StrEnum):
    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    EXPIRED = "expired"


STATUSES: tuple[str, ...] = tuple(s.value for s in Status)

SUBSTATUSES: frozenset[str] = frozenset({
    # moving
    "label_created", "picked_up", "arrived_at_facility", "departed_facility",
    "arrived_in_destination_country", "customs", "customs_cleared", "transferred",
    "forwarded", "scheduled", "rescheduled", "delayed", "customer_contacted",
    # attempts and problems
    "recipient_unavailable", "business_closed", "notice_left", "location_inaccessible",
    "awaiting_customer", "awaiting_information", "address_issue", "contact_carrier",
    "held", "held_for_payment", "missing_documents", "refused", "damaged", "lost",
    "disposed", "unclaimed", "undeliverable", "rejected_by_carrier",
    "returning_to_sender", "returned_to_sender", "cancelled",
    # delivered
    "signed", "collected", "cash_on_delivery", "delivered_to_neighbour",
    "delivered_to_locker", "delivered_to_pickup_point",
})


class Canonical(NamedTuple):
    status: str
    substatus: str | None = None


FINAL_EXCEPTIONS = frozenset({"returned_to_sender", "cancelled", "disposed"})

# How far along the delivery a status is; at equal instants the higher one counts as later.
# An exception ranks with the last-mile statuses so that a refusal or return reported after
# "out for delivery" is not ranked behind it. Expired is our own verdict, so any news beats it.
PROGRESS: dict[str, int] = {
    Status.PENDING: 0,
    Status.INFO_RECEIVED: 1,
    Status.IN_TRANSIT: 2,
    Status.OUT_FOR_DELIVERY: 3,
    Status.AVAILABLE_FOR_PICKUP: 3,
    Status.FAILED_ATTEMPT: 3,
    Status.EXCEPTION: 3,
    Status.DELIVERED: 4,
    Status.EXPIRED: 0,
}

AFTERSHIP_TAGS: dict[str, str] = {
    "Pending": Status.PENDING,
    "InfoReceived": Status.INFO_RECEIVED,
    "InTransit": Status.IN_TRANSIT,
    "OutForDelivery": Status.OUT_FOR_DELIVERY,
    "AvailableForPickup": Status.AVAILABLE_FOR_PICKUP,
    "AttemptFail": Status.FAILED_ATTEMPT,
    "Delivered": Status.DELIVERED,
    "Exception": Status.EXCEPTION,
    "Expired": Status.EXPIRED,
}

# https://www.aftership.com/docs/tracking/enum/delivery-sub-statuses (Exception_016+ from 2026-03).
# Where several subtags share a canonical value, the first one listed is used in reverse.
AFTERSHIP_SUBTAGS: dict[str, Canonical] = {
    "Pending_001": Canonical(Status.PENDING),
    "InfoReceived_001": Canonical(Status.INFO_RECEIVED),
    "InTransit_001": Canonical(Status.IN_TRANSIT),
    "InTransit_002": Canonical(Status.IN_TRANSIT, "picked_up"),
    "InTransit_003": Canonical(Status.IN_TRANSIT, "arrived_at_facility"),
    "InTransit_004": Canonical(Status.IN_TRANSIT, "arrived_in_destination_country"),
    "InTransit_005": Canonical(Status.IN_TRANSIT, "customs_cleared"),
    "InTransit_006": Canonical(Status.IN_TRANSIT, "customs"),
    "InTransit_007": Canonical(Status.IN_TRANSIT, "departed_facility"),
    "InTransit_008": Canonical(Status.IN_TRANSIT),
    "InTransit_009": Canonical(Status.IN_TRANSIT, "forwarded"),
    "OutForDelivery_001": Canonical(Status.OUT_FOR_DELIVERY),
    "OutForDelivery_003": Canonical(Status.OUT_FOR_DELIVERY, "customer_contacted"),
    "OutForDelivery_004": Canonical(Status.OUT_FOR_DELIVERY, "scheduled"),
    "AvailableForPickup_001": Canonical(Status.AVAILABLE_FOR_PICKUP),
    "AttemptFail_001": Canonical(Status.FAILED_ATTEMPT),
    "AttemptFail_002": Canonical(Status.FAILED_ATTEMPT, "recipient_unavailable"),
    "AttemptFail_003": Canonical(Status.FAILED_ATTEMPT, "business_closed"),
    "Delivered_001": Canonical(Status.DELIVERED),
    "Delivered_002": Canonical(Status.DELIVERED, "collected"),
    "Delivered_003": Canonical(Status.DELIVERED, "signed"),
    "Delivered_004": Canonical(Status.DELIVERED, "cash_on_delivery"),
    "Delivered_005": Canonical(Status.DELIVERED, "delivered_to_neighbour"),
    "Exception_001": Canonical(Status.EXCEPTION),
    "Exception_002": Canonical(Status.EXCEPTION, "address_issue"),
    "Exception_003": Canonical(Status.EXCEPTION, "refused"),
    "Exception_004": Canonical(Status.EXCEPTION, "customs"),
    "Exception_005": Canonical(Status.EXCEPTION, "delayed"),
    "Exception_006": Canonical(Status.EXCEPTION, "held_for_payment"),
    "Exception_007": Canonical(Status.EXCEPTION, "address_issue"),
    "Exception_008": Canonical(Status.EXCEPTION, "unclaimed"),
    "Exception_009": Canonical(Status.EXCEPTION, "rejected_by_carrier"),
    "Exception_010": Canonical(Status.EXCEPTION, "returning_to_sender"),
    "Exception_011": Canonical(Status.EXCEPTION, "returned_to_sender"),
    "Exception_012": Canonical(Status.EXCEPTION, "damaged"),
    "Exception_013": Canonical(Status.EXCEPTION, "lost"),
    "Exception_016": Canonical(Status.EXCEPTION, "delayed"),
    "Exception_017": Canonical(Status.EXCEPTION, "delayed"),
    "Exception_018": Canonical(Status.EXCEPTION, "missing_documents"),
    "Exception_019": Canonical(Status.EXCEPTION, "delayed"),
    "Exception_020": Canonical(Status.EXCEPTION, "cancelled"),
    "Exception_021": Canonical(Status.EXCEPTION, "disposed"),
    "Expired_001": Canonical(Status.EXPIRED),
}

# https://docs.easypost.com/docs/trackers
EASYPOST_STATUSES: dict[str, Canonical] = {
    "unknown": Canonical(Status.PENDING),
    "pre_transit": Canonical(Status.INFO_RECEIVED),
    "in_transit": Canonical(Status.IN_TRANSIT),
    "out_for_delivery": Canonical(Status.OUT_FOR_DELIVERY),
    "available_for_pickup": Canonical(Status.AVAILABLE_FOR_PICKUP),
    "delivered": Canonical(Status.DELIVERED),
    "return_to_sender": Canonical(Status.EXCEPTION, "returning_to_sender"),
    "failure": Canonical(Status.EXCEPTION),
    "cancelled": Canonical(Status.EXCEPTION, "cancelled"),
    "error": Canonical(Status.PENDING),
}

# status_detail only refines: it fills the substatus, the status comes from `status`.
# "expired" is left out on purpose: expiry is decided here, by the configured number of days.
EASYPOST_STATUS_DETAILS: dict[str, str | None] = {
    "address_correction": "address_issue",
    "arrived_at_destination": "arrived_at_facility",
    "arrived_at_facility": "arrived_at_facility",
    "arrived_at_pickup_location": None,
    "awaiting_information": "awaiting_information",
    "cancelled": "cancelled",
    "damaged": "damaged",
    "delayed": "delayed",
    "delivery_exception": None,
    "departed_facility": "departed_facility",
    "departed_origin_facility": "departed_facility",
    "expired": None,
    "failure": None,
    "held": "held",
    "in_transit": None,
    "label_created": "label_created",
    "lost": "lost",
    "missorted": "delayed",
    "out_for_delivery": None,
    "received_at_destination_facility": "arrived_at_facility",
    "received_at_origin_facility": "picked_up",
    "refused": "refused",
    "return": "returning_to_sender",
    "status_update": None,
    "transferred_to_destination_carrier": "transferred",
    "transit_exception": None,
    "unknown": None,
    "weather_delay": "delayed",
}

# https://docs.goshippo.com/docs/tracking/tracking/#event-definitions
SHIPPO_STATUSES: dict[str, Canonical] = {
    "UNKNOWN": Canonical(Status.PENDING),
    "PRE_TRANSIT": Canonical(Status.INFO_RECEIVED),
    "TRANSIT": Canonical(Status.IN_TRANSIT),
    "DELIVERED": Canonical(Status.DELIVERED),
    "RETURNED": Canonical(Status.EXCEPTION, "returning_to_sender"),
    "FAILURE": Canonical(Status.EXCEPTION),
}

# A known substatus code is more specific than Shippo's coarse status and replaces it.
SHIPPO_SUBSTATUSES: dict[str, Canonical] = {
    "information_received": Canonical(Status.INFO_RECEIVED),
    "package_accepted": Canonical(Status.IN_TRANSIT, "picked_up"),
    "package_arrived": Canonical(Status.IN_TRANSIT, "arrived_at_facility"),
    "package_processing": Canonical(Status.IN_TRANSIT, "arrived_at_facility"),
    "package_processed": Canonical(Status.IN_TRANSIT, "arrived_at_facility"),
    "package_departed": Canonical(Status.IN_TRANSIT, "departed_facility"),
    "package_forwarded": Canonical(Status.IN_TRANSIT, "forwarded"),
    "delayed": Canonical(Status.IN_TRANSIT, "delayed"),
    "delivery_scheduled": Canonical(Status.IN_TRANSIT, "scheduled"),
    "delivery_rescheduled": Canonical(Status.IN_TRANSIT, "rescheduled"),
    "out_for_delivery": Canonical(Status.OUT_FOR_DELIVERY),
    "pickup_available": Canonical(Status.AVAILABLE_FOR_PICKUP),
    "delivery_attempted": Canonical(Status.FAILED_ATTEMPT),
    "notice_left": Canonical(Status.FAILED_ATTEMPT, "notice_left"),
    "location_inaccessible": Canonical(Status.FAILED_ATTEMPT, "location_inaccessible"),
    "reschedule_delivery": Canonical(Status.FAILED_ATTEMPT, "awaiting_customer"),
    "delivered": Canonical(Status.DELIVERED),
    "address_issue": Canonical(Status.EXCEPTION, "address_issue"),
    "contact_carrier": Canonical(Status.EXCEPTION, "contact_carrier"),
    "package_held": Canonical(Status.EXCEPTION, "held"),
    "package_damaged": Canonical(Status.EXCEPTION, "damaged"),
    "return_to_sender": Canonical(Status.EXCEPTION, "returning_to_sender"),
    "package_unclaimed": Canonical(Status.EXCEPTION, "unclaimed"),
    "package_undeliverable": Canonical(Status.EXCEPTION, "undeliverable"),
    "package_disposed": Canonical(Status.EXCEPTION, "disposed"),
    "package_lost": Canonical(Status.EXCEPTION, "lost"),
}

# karrio TrackerStatus; "picked_up" is the value karrio's tracking-event design adds.
KARRIO_STATUSES: dict[str, Canonical] = {
    "pending": Canonical(Status.PENDING),
    "unknown": Canonical(Status.PENDING),
    "picked_up": Canonical(Status.IN_TRANSIT, "picked_up"),
    "in_transit": Canonical(Status.IN_TRANSIT),
    "delivery_delayed": Canonical(Status.IN_TRANSIT, "delayed"),
    "out_for_delivery": Canonical(Status.OUT_FOR_DELIVERY),
    "ready_for_pickup": Canonical(Status.AVAILABLE_FOR_PICKUP),
    "delivery_failed": Canonical(Status.FAILED_ATTEMPT),
    "delivered": Canonical(Status.DELIVERED),
    "on_hold": Canonical(Status.EXCEPTION, "held"),
    "return_to_sender": Canonical(Status.EXCEPTION, "returning_to_sender"),
    "cancelled": Canonical(Status.EXCEPTION, "cancelled"),
}

# Reverse tables: the (status, substatus) entry if present, else the (status, None) one.
TO_EASYPOST: dict[Canonical, str] = {
    Canonical(Status.PENDING): "unknown",
    Canonical(Status.INFO_RECEIVED): "pre_transit",
    Canonical(Status.IN_TRANSIT): "in_transit",
    Canonical(Status.OUT_FOR_DELIVERY): "out_for_delivery",
    Canonical(Status.AVAILABLE_FOR_PICKUP): "available_for_pickup",
    Canonical(Status.FAILED_ATTEMPT): "failure",
    Canonical(Status.DELIVERED): "delivered",
    Canonical(Status.EXCEPTION): "failure",
    Canonical(Status.EXCEPTION, "returning_to_sender"): "return_to_sender",
    Canonical(Status.EXCEPTION, "returned_to_sender"): "return_to_sender",
    Canonical(Status.EXCEPTION, "cancelled"): "cancelled",
    Canonical(Status.EXPIRED): "unknown",
}

TO_SHIPPO: dict[Canonical, str] = {
    Canonical(Status.PENDING): "UNKNOWN",
    Canonical(Status.INFO_RECEIVED): "PRE_TRANSIT",
    Canonical(Status.IN_TRANSIT): "TRANSIT",
    Canonical(Status.OUT_FOR_DELIVERY): "TRANSIT",
    Canonical(Status.AVAILABLE_FOR_PICKUP): "TRANSIT",
    Canonical(Status.FAILED_ATTEMPT): "TRANSIT",
    Canonical(Status.DELIVERED): "DELIVERED",
    Canonical(Status.EXCEPTION): "FAILURE",
    Canonical(Status.EXCEPTION, "address_issue"): "TRANSIT",
    Canonical(Status.EXCEPTION, "contact_carrier"): "TRANSIT",
    Canonical(Status.EXCEPTION, "held"): "TRANSIT",
    Canonical(Status.EXCEPTION, "damaged"): "TRANSIT",
    Canonical(Status.EXCEPTION, "returning_to_sender"): "RETURNED",
    Canonical(Status.EXCEPTION, "returned_to_sender"): "RETURNED",
    Canonical(Status.EXCEPTION, "unclaimed"): "RETURNED",
    Canonical(Status.EXPIRED): "UNKNOWN",
}

TO_KARRIO: dict[Canonical, str] = {
    Canonical(Status.PENDING): "pending",
    Canonical(Status.INFO_RECEIVED): "pending",
    Canonical(Status.IN_TRANSIT): "in_transit",
    Canonical(Status.IN_TRANSIT, "delayed"): "delivery_delayed",
    Canonical(Status.OUT_FOR_DELIVERY): "out_for_delivery",
    Canonical(Status.AVAILABLE_FOR_PICKUP): "ready_for_pickup",
    Canonical(Status.FAILED_ATTEMPT): "delivery_failed",
    Canonical(Status.DELIVERED): "delivered",
    Canonical(Status.EXCEPTION): "on_hold",
    Canonical(Status.EXCEPTION, "delayed"): "delivery_delayed",
    Canonical(Status.EXCEPTION, "returning_to_sender"): "return_to_sender",
    Canonical(Status.EXCEPTION, "returned_to_sender"): "return_to_sender",
    Canonical(Status.EXCEPTION, "cancelled"): "cancelled",
    Canonical(Status.EXPIRED): "unknown",
}


def _key(value: str | None) -> str | None:
    return value.strip().casefold() if isinstance(value, str) else None


def _folded(table: dict) -> dict:
    return {_key(k): v for k, v in table.items()}


_AFTERSHIP_TAGS = _folded(AFTERSHIP_TAGS)
_AFTERSHIP_SUBTAGS = _folded(AFTERSHIP_SUBTAGS)
_EASYPOST_STATUSES = _folded(EASYPOST_STATUSES)
_EASYPOST_STATUS_DETAILS = _folded(EASYPOST_STATUS_DETAILS)
_SHIPPO_STATUSES = _folded(SHIPPO_STATUSES)
_SHIPPO_SUBSTATUSES = _folded(SHIPPO_SUBSTATUSES)
_KARRIO_STATUSES = _folded(KARRIO_STATUSES)

_TAG_OF_STATUS = {status: tag for tag, status in AFTERSHIP_TAGS.items()}
_SUBTAG_OF = {canonical: subtag for subtag, canonical in reversed(AFTERSHIP_SUBTAGS.items())}


def _canonical_args(status: str, substatus: str | None) -> Canonical:
    key = _key(status)
    if key not in STATUSES:
        raise ValueError(f"not a canonical status: {status!r}")
    return Canonical(key, _key(substatus) or None)


def _reverse(table: dict[Canonical, str], status: str, substatus: str | None) -> str:
    wanted = _canonical_args(status, substatus)
    return table.get(wanted) or table[Canonical(wanted.status)]


def is_final(status: str, substatus: str | None = None) -> bool:
    """True once nothing more will happen: delivered, expired, returned to sender or cancelled."""
    if status in (Status.DELIVERED, Status.EXPIRED):
        return True
    return status == Status.EXCEPTION and substatus in FINAL_EXCEPTIONS


def from_aftership(tag: str, subtag: str | None = None) -> Canonical | None:
    """AfterShip tag and subtag; a known subtag wins, an unknown one falls back to the tag."""
    if (known := _AFTERSHIP_SUBTAGS.get(_key(subtag))) is not None:
        return known
    tag_key = _key(tag) or (_key(subtag) or "").partition("_")[0]
    status = _AFTERSHIP_TAGS.get(tag_key)
    return Canonical(status) if status is not None else None


def to_aftership(status: str, substatus: str | None = None) -> tuple[str, str | None]:
    """(tag, subtag) for a canonical status; the generic subtag when the detail has none."""
    wanted = _canonical_args(status, substatus)
    subtag = _SUBTAG_OF.get(wanted) or _SUBTAG_OF.get(Canonical(wanted.status))
    return _TAG_OF_STATUS[wanted.status], subtag


def from_easypost(status: str, status_detail: str | None = None) -> Canonical | None:
    """EasyPost tracker status, refined by status_detail when the status carries no detail."""
    base = _EASYPOST_STATUSES.get(_key(status))
    if base is None:
        return None
    detail = _EASYPOST_STATUS_DETAILS.get(_key(status_detail))
    return Canonical(base.status, base.substatus or detail)


def to_easypost(status: str, substatus: str | None = None) -> str:
    """EasyPost tracker status for a canonical status."""
    return _reverse(TO_EASYPOST, status, substatus)


def from_shippo(status: str, substatus_code: str | None = None) -> Canonical | None:
    """Shippo tracking status; a known substatus code replaces the coarse status."""
    base = _SHIPPO_STATUSES.get(_key(status))
    if base is None:
        return None
    return _SHIPPO_SUBSTATUSES.get(_key(substatus_code), base)


def to_shippo(status: str, substatus: str | None = None) -> str:
    """Shippo tracking status (PRE_TRANSIT, TRANSIT, ...) for a canonical status."""
    return _reverse(TO_SHIPPO, status, substatus)


def from_karrio(status: str) -> Canonical | None:
    """karrio TrackerStatus value."""
    return _KARRIO_STATUSES.get(_key(status))


def to_karrio(status: str, substatus: str | None = None) -> str:
    """karrio TrackerStatus value for a canonical status."""
    return _reverse(TO_KARRIO, status, substatus)
