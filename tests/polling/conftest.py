"""Fixtures for the polling tests."""
import pytest

from tracking.carriers.base import CarrierAdapter


@pytest.fixture
def install(app, monkeypatch):
    """Install an adapter instance under its code, as the registry's per-app cache holds them."""
    def put(adapter: CarrierAdapter) -> CarrierAdapter:
        cache = app.extensions.setdefault("carrier_adapters", {})
        monkeypatch.setitem(cache, adapter.code, adapter)
        return adapter
    return put

