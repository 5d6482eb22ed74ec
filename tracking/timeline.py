"""Merging carrier events into a shipment: dedupe, order by instant, derive status and milestones."""
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .carriers.base import CarrierEvent, TrackResult
from .carriers.parsing import country
from .models import Shipment, TrackingEvent
from .models.types import utcnow
from .signals import shipment_status_changed
from .status import PROGRESS, Status
from .text import plain_text
from .zones import zone_for

MILESTONES = ("ordered", "shipped", "in_transit", "out_for_delivery", "delivered")
_MILESTONE_OF_STATUS = {
    Status.IN_TRANSIT: 2,
    Status.OUT_FOR_DELIVERY: 3,
    Status.FAILED_ATTEMPT: 3,
    Status.AVAILABLE_FOR_PICKUP: 3,
    Status.DELIVERED: 4,
}


@dataclass(frozen=True)
class MergeResult:
    added: int
    previous_status: str
    status: str

    @property
    def status_changed(self) -> bool:
        return self.previous_status != self.status


def fingerprint(event: CarrierEvent) -> str:
    """What makes two reports the same scan: code, wall time to the minute, text and place.

    The UTC offset is left out on purpose: some carriers send it on one poll and not the next.
    """
    parts = (
        event.carrier_status_code or "",
        event.occurred_at_local.replace(second=0, microsecond=0).isoformat(),
        plain_text(event.description).casefold(),
        (event.location.city or "").strip().casefold(),
        (event.location.postal_code or "").strip().casefold(),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def instant_of(event: CarrierEvent, fallback_tz: str) -> datetime:
    """The real instant of a scan; without an offset, read its wall time in `fallback_tz`."""
    if event.utc_offset_minutes is not None:
        offset = timezone(timedelta(minutes=event.utc_offset_minutes))
        return event.occurred_at_local.replace(tzinfo=offset).astimezone(timezone.utc)
    return event.occurred_at_local.replace(tzinfo=_zone(fallback_tz)).astimezone(timezone.utc)


def _zone(name: str | None):
    """The named IANA zone; UTC when it is empty or unknown, so a bad setting cannot stop a merge."""
    try:
        return ZoneInfo(name) if name else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def milestone_of(status: str, substatus: str | None) -> int:
    """Index in MILESTONES that an event of this status proves reached."""
    if status == Status.IN_TRANSIT and substatus == "picked_up":
        return 1
    return _MILESTONE_OF_STATUS.get(status, 0)


def chronological(events: list[TrackingEvent]) -> list[TrackingEvent]:
    """Oldest first; at the same instant the further-along status counts as later.

    Remaining ties are broken by fingerprint, not by row id: ids follow the order scans arrived
    in (and are unset before a flush), which would make the order, and the derived status,
    depend on whether a carrier lists its scans newest or oldest first.
    """
    return sorted(events, key=lambda e: (e.occurred_at, PROGRESS.get(e.status, 0), e.fingerprint))


def derive_status(events: list[TrackingEvent]) -> tuple[str, str | None]:
    """Status of the newest event, except that only an exception can take a delivered parcel back.

    Computed over the whole ordered timeline, so the result never depends on arrival order.
    """
    status, substatus = Status.PENDING.value, None
    for event in chronological(events):
        if status == Status.DELIVERED and event.status not in (Status.DELIVERED, Status.EXCEPTION):
            continue
        status, substatus = event.status, event.substatus
    return status, substatus


def merge(shipment: Shipment, result: TrackResult, source: str = "poll") -> MergeResult:
    """Store the new events of `result` on `shipment` and update what derives from them.

    Idempotent: merging the same result again adds nothing and changes nothing. The caller commits.
    """
    previous = shipment.status
    known = {e.fingerprint: e for e in shipment.events}
    fallback_tz = shipment.local_zone  # for scans that tell neither an offset nor their place
    added = 0
    for event in result.events:
        key = fingerprint(event)
        if key in known:
            _learn_offset(known[key], event)
            continue
        row = _new_row(event, key, fallback_tz, source)
        shipment.events.append(row)
        known[key] = row
        added += 1

    events = list(known.values())
    if events:
        # Expired is our own verdict: a scan not seen before lifts it, a repeat of old ones does not.
        if added or shipment.status != Status.EXPIRED:
            shipment.status, shipment.substatus = derive_status(events)
        shipment.last_event_at = max(e.occurred_at for e in events)
        shipment.progress = max(
            [shipment.progress or 0] + [milestone_of(e.status, e.substatus) for e in events]
        )
    _apply_summary(shipment, result, events)
    apply_override(shipment, result)
    if added:  # a late older scan changes no column, but it does change the page
        shipment.updated_at = utcnow()
    if shipment.status != previous:  # receivers add rows to this session; the caller commits
        shipment_status_changed.send(shipment, previous=previous, status=shipment.status)
    return MergeResult(added=added, previous_status=previous, status=shipment.status)


def _new_row(event: CarrierEvent, key: str, fallback_tz: str, source: str) -> TrackingEvent:
    """The stored event; without an offset, its instant is read in its own place's zone if known."""
    loc = event.location
    region = plain_text(loc.region, 100) or None
    postal_code = plain_text(loc.postal_code, 20) or None
    country_code = country(plain_text(loc.country, 60))
    return TrackingEvent(
        fingerprint=key,
        occurred_at_local=event.occurred_at_local.replace(tzinfo=None),
        utc_offset_minutes=event.utc_offset_minutes,
        occurred_at=instant_of(event, zone_for(country_code, region, postal_code) or fallback_tz),
        status=event.status,
        substatus=event.substatus,
        carrier_status_code=(event.carrier_status_code or None),
        description=plain_text(event.description),
        city=plain_text(loc.city, 100) or None,
        region=region,
        postal_code=postal_code,
        country=country_code,
        source=source,
        received_at=utcnow(),
    )


def _learn_offset(row: TrackingEvent, event: CarrierEvent) -> None:
    """A later report may carry the offset an earlier one lacked: keep the better instant."""
    if row.utc_offset_minutes is None and event.utc_offset_minutes is not None:
        row.utc_offset_minutes = event.utc_offset_minutes
        row.occurred_at = instant_of(event, "UTC")


def _apply_summary(shipment: Shipment, result: TrackResult, events: list[TrackingEvent]) -> None:
    """ETA, delivery time, signer and service: the carrier's latest word, kept when it says nothing."""
    if result.estimated_delivery_earliest or result.estimated_delivery_latest:
        shipment.estimated_delivery_earliest = result.estimated_delivery_earliest
        shipment.estimated_delivery_latest = (
            result.estimated_delivery_latest or result.estimated_delivery_earliest
        )
    if shipment.status == Status.DELIVERED:
        delivered = [e.occurred_at for e in events if e.status == Status.DELIVERED]
        shipment.delivered_at = result.delivered_at or (max(delivered) if delivered else None)
    shipment.signed_by = plain_text(result.signed_by, 200) or shipment.signed_by
    shipment.service = plain_text(result.service, 200) or shipment.service


def apply_override(shipment: Shipment, result: TrackResult | None = None) -> None:
    """Let a support agent's override stand over what the events say, until the carrier speaks again.

    A scan newer than the override instant ends the status override; an ETA the carrier sends
    along with such a scan ends the ETA override. Older or repeated scans change neither.
    """
    if shipment.override_at is None:
        return
    spoke_again = shipment.last_event_at is not None and shipment.last_event_at > shipment.override_at
    if shipment.override_status:
        if spoke_again:
            shipment.override_status = shipment.override_substatus = None
        else:
            shipment.status, shipment.substatus = shipment.override_status, shipment.override_substatus
    if shipment.override_eta_latest:
        new_eta = result is not None and (result.estimated_delivery_earliest
                                          or result.estimated_delivery_latest)
        if spoke_again and new_eta:
            shipment.override_eta_earliest = shipment.override_eta_latest = None
        else:
            shipment.estimated_delivery_earliest = shipment.override_eta_earliest
            shipment.estimated_delivery_latest = shipment.override_eta_latest
    if not (shipment.override_status or shipment.override_eta_latest):
        shipment.override_at = shipment.override_reason = shipment.override_by_id = None


def newest_first(events: list[TrackingEvent]) -> list[TrackingEvent]:
    """The timeline as shoppers and the API read it."""
    return list(reversed(chronological(events)))

