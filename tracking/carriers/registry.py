"""Which carrier adapters this instance has, and their instances per app."""
from flask import current_app

from .base import CarrierAdapter
from .demo import DemoCarrier

BUILTIN: dict[str, type[CarrierAdapter]] = {DemoCarrier.code: DemoCarrier}


def known_carriers() -> dict[str, type[CarrierAdapter]]:
    """Carrier code to adapter class, for every adapter installed."""
    return dict(BUILTIN)


def get_adapter(code: str) -> CarrierAdapter | None:
    """The configured adapter for a carrier code, or None when it is not installed."""
    cache = current_app.extensions.setdefault("carrier_adapters", {})
    if code not in cache:
        cls = known_carriers().get(code)
        if cls is None:
            return None
        settings = dict(current_app.config["CARRIERS"].get(code, {}))
        if code == "demo":
            settings.setdefault("seconds_per_hour", current_app.config["DEMO_SECONDS_PER_HOUR"])
        cache[code] = cls(settings)
    return cache[code]
