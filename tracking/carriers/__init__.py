"""Carrier adapters and the registry that finds them."""
from .base import CarrierAdapter, CarrierEvent, Location, TrackRequest, TrackResult
from .registry import get_adapter, known_carriers

__all__ = [
    "CarrierAdapter", "CarrierEvent", "Location", "TrackRequest", "TrackResult",
    "get_adapter", "known_carriers",
]
