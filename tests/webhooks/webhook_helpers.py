"""Payload builders and signers for the three providers, shaped as their documentation shows."""
import base64
import hashlib
import hmac
import json
import time
import unicodedata

from sqlalchemy import func, select

from tracking.extensions import db
from tracking.models import Shipment, TrackingEvent, WebhookDelivery

NUMBER = "1Z999AA10123456784"


def dumps(payload) -> bytes:
    return json.dumps(payload).encode()


def counts() -> tuple[int, int]:
    """(tracking events, recorded deliveries) in the whole database."""
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(TrackingEvent)),
            db.session.scalar(select(func.count()).select_from(WebhookDelivery)))


def reload(shipment: Shipment) -> Shipment:
    db.session.expire_all()
    return db.session.get(Shipment, shipment.id)


# --- EasyPost ---------------------------------------------------------------------------------

def ep_detail(when: str, status: str, message: str, status_detail: str | None = None,
              city: str = "Portland", state: str = "OR", zip_code: str = "97218",
              country: str = "US") -> dict:
    return {"object": "TrackingDetail", "message": message, "status": status,
            "status_detail": status_detail, "datetime": when, "source": "UPS",
            "tracking_location": {"object": "TrackingLocation", "city": city, "state": state,
                                  "country": country, "zip": zip_code}}


def easypost(details: list[dict], *, event_id: str = "evt_1", number: str = NUMBER,
             carrier: str = "UPS", status: str = "in_transit", description="tracker.updated",
             eta: str | None = "2024-11-25T00:00:00Z") -> dict:
    return {
        "object": "Event", "id": event_id, "mode": "production", "description": description,
        "previous_attributes": {"status": "in_transit"}, "pending_urls": [],
        "result": {"object": "Tracker", "id": "trk_1", "tracking_code": number, "carrier": carrier,
                   "status": status, "status_detail": None, "est_delivery_date": eta,
                   "signed_by": None, "tracking_details": details},
    }


def easypost_journey(**kwargs) -> dict:
    return easypost([
        ep_detail("2024-11-20T08:00:00Z", "pre_transit", "Shipping label created",
                  "label_created"),
        ep_detail("2024-11-21T02:15:00Z", "in_transit", "Arrived at facility",
                  "arrived_at_facility", city="Memphis", state="TN", zip_code="38118"),
        ep_detail("2024-11-22T15:05:00Z", "out_for_delivery", "Out for delivery",
                  "out_for_delivery"),
    ], status="out_for_delivery", **kwargs)


def sign_easypost(body: bytes, secret: str) -> dict:
    key = unicodedata.normalize("NFKD", secret).encode()  # as EasyPost's client libraries do
    digest = hmac.new(key, body, hashlib.sha256).hexdigest()
    return {"X-Hmac-Signature": f"hmac-sha256-hex={digest}", "Content-Type": "application/json"}


# --- AfterShip --------------------------------------------------------------------------------

def as_checkpoint(when: str, tag: str, subtag: str, message: str, city: str | None = "Portland",
                  country_iso3: str | None = "USA") -> dict:
    return {"slug": "ups", "checkpoint_time": when, "created_at": "2024-11-22T19:00:00+00:00",
            "tag": tag, "subtag": subtag, "subtag_message": tag, "message": message,
            "location": f"{city}, OR 97218, USA" if city else None, "city": city,
            "state": "OR", "zip": "97218", "country_iso3": country_iso3,
            "country_name": "USA", "raw_tag": "X"}


def aftership(checkpoints: list[dict], *, event_id: str = "5b9d7d34-7b1b-4b1a-9f3c-1e2d3c4b5a69",
              number: str = NUMBER, slug: str = "ups", tag: str = "InTransit",
              expected_delivery: str | None = "2024-11-25") -> dict:
    return {
        "event": "tracking_update", "event_id": event_id, "is_tracking_first_tag": False,
        "msg": {"id": "abc123", "tracking_number": number, "slug": slug, "tag": tag,
                "subtag": f"{tag}_001", "expected_delivery": expected_delivery,
                "signed_by": None, "checkpoints": checkpoints},
        "ts": 1732300000,
    }


def sign_aftership(body: bytes, secret: str) -> dict:
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {"aftership-hmac-sha256": digest, "Content-Type": "application/json"}


# --- Shippo -----------------------------------------------------------------------------------

def sh_status(when: str, status: str, details: str, code: str | None = None,
              city: str = "Portland") -> dict:
    return {"object_id": "x", "status": status, "status_details": details, "status_date": when,
            "substatus": {"code": code, "text": details, "action_required": False} if code
            else None,
            "location": {"city": city, "state": "OR", "zip": "97218", "country": "US"}}


def shippo(history: list[dict], *, number: str = NUMBER, carrier: str = "ups",
           eta: str | None = "2024-11-25T12:00:00Z", event: str = "track_updated") -> dict:
    return {
        "event": event, "test": False,
        "data": {"carrier": carrier, "tracking_number": number, "eta": eta,
                 "original_eta": eta, "servicelevel": {"token": "ups_ground", "name": "Ground"},
                 "tracking_status": history[-1] if history else None,
                 "tracking_history": history},
    }


def sign_shippo(body: bytes, secret: str, stamp: int | None = None) -> dict:
    stamp = int(time.time()) if stamp is None else stamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Shippo-Auth-Signature": f"t={stamp},v1={digest}", "Content-Type": "application/json"}


SECRETS = {"easypost": "ep-secret-Å", "aftership": "as-secret", "shippo": "sh-secret"}
SIGNERS = {"easypost": sign_easypost, "aftership": sign_aftership, "shippo": sign_shippo}
