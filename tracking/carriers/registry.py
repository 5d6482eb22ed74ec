"""Which carrier adapters this instance has: built-ins plus the `tracking.carriers` entry points."""
import logging
import traceback
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import entry_points

from flask import current_app

from .base import CarrierAdapter

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "tracking.carriers"
BUILTIN = {
    "demo": "tracking.carriers.demo:DemoCarrier",
    "ups": "tracking.carriers.ups:UPS",
    "fedex": "tracking.carriers.fedex:FedEx",
    "usps": "tracking.carriers.usps:USPS",
    "dhl": "tracking.carriers.dhl:DHL",
}


@dataclass
class Discovery:
    """Adapters that loaded, by code, and those that failed, with their tracebacks."""

    adapters: dict[str, type[CarrierAdapter]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


def _load(target: str) -> type[CarrierAdapter]:
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)


def discover(enabled: list[str] | None = None) -> Discovery:
    """Import every built-in and installed adapter; one that fails is recorded, never raised."""
    found = Discovery()
    candidates = [(code, lambda t=target: _load(t)) for code, target in BUILTIN.items()]
    candidates += [(ep.name, ep.load) for ep in entry_points(group=ENTRY_POINT_GROUP)]
    for name, load in candidates:
        if enabled is not None and name not in enabled:
            continue
        try:
            cls = load()
            if not (isinstance(cls, type) and issubclass(cls, CarrierAdapter)):
                raise TypeError(f"{cls!r} is not a CarrierAdapter subclass")
            found.adapters[cls.code or name] = cls
        except Exception:  # a broken plugin must not take the app down
            found.failures[name] = traceback.format_exc()
            log.error("carrier adapter %r failed to load:\n%s", name, found.failures[name])
    return found


def discovery() -> Discovery:
    """This app's discovery, done once per app."""
    ext = current_app.extensions
    if "carrier_discovery" not in ext:
        ext["carrier_discovery"] = discover(current_app.config.get("CARRIERS_ENABLED"))
    return ext["carrier_discovery"]


def known_carriers() -> dict[str, type[CarrierAdapter]]:
    """Carrier code to adapter class, for every adapter installed and enabled."""
    return discovery().adapters


def instance_settings(code: str) -> dict:
    """The instance-wide settings of a carrier (CARRIERS[code], plus the demo's clock)."""
    settings = dict(current_app.config["CARRIERS"].get(code, {}))
    if code == "demo":
        settings.setdefault("seconds_per_hour", current_app.config["DEMO_SECONDS_PER_HOUR"])
    return settings


def get_adapter(code: str, merchant_id: int | None = None,
                account=None) -> CarrierAdapter | None:
    """The configured adapter for a carrier code, or None when it is not installed.

    With `merchant_id` (or its CarrierAccount as `account`), the merchant's own credentials
    override the instance's; a merchant without an account for `code` gets the instance
    adapter. Adapters are cached per app: instance ones under the code, account ones under
    (code, account id), rebuilt when the account changes.
    """
    cls = known_carriers().get(code)
    cache = current_app.extensions.setdefault("carrier_adapters", {})
    if account is None and merchant_id is not None:
        account = account_for(merchant_id, code)
    if account is None:
        if code not in cache:
            if cls is None:
                return None
            cache[code] = cls(instance_settings(code))
        return cache[code]
    if cls is None:
        return None
    key, version = (code, account.id), account.updated_at
    cached = cache.get(key)
    if cached is None or cached[0] != version:
        own = {k: v for k, v in account.settings.items() if v}
        cached = cache[key] = (version, cls({**instance_settings(code), **own}))
    return cached[1]


def account_for(merchant_id: int, code: str):
    """The merchant's CarrierAccount for `code`, or None."""
    from ..extensions import db
    from ..models import CarrierAccount
    return db.session.execute(db.select(CarrierAccount).filter_by(
        merchant_id=merchant_id, carrier=code)).scalar_one_or_none()
