"""Carriers installed as separate packages are found through the `tracking.carriers` entry point."""
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from tracking.carriers import registry
from tracking.carriers.base import Outcome, TrackRequest

PLUGINS = Path(__file__).parent.parent / "fixtures" / "plugins"


@pytest.fixture(scope="module")
def installed_plugins(tmp_path_factory):
    """pip-install the example plugin packages into a folder on sys.path, as a user would."""
    target = tmp_path_factory.mktemp("site")
    for name in ("acme-tracking", "broken-tracking"):
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
             "--no-index", "--target", str(target), str(PLUGINS / name)],
            check=True, capture_output=True,
        )
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))
    for module in ("acme_tracking", "broken_tracking"):
        sys.modules.pop(module, None)
    importlib.invalidate_caches()


def test_installed_package_adds_a_carrier_and_a_broken_one_is_recorded(installed_plugins):
    found = registry.discover()
    assert found.adapters["acme"].name == "Acme Freight"
    assert {"ups", "fedex", "usps", "dhl", "demo"} <= set(found.adapters)
    assert "broken" in found.failures
    assert "ModuleNotFoundError" in found.failures["broken"]


def test_carriers_enabled_narrows_the_set(installed_plugins):
    found = registry.discover(enabled=["acme", "demo"])
    assert set(found.adapters) == {"acme", "demo"} and not found.failures


def test_plugin_polls_through_the_shared_transport(installed_plugins, no_outbound_network):
    no_outbound_network.get(
        "https://api.acme-freight.test/v1/track",
        json={"ACME1": [{"at": "2026-11-20T10:00:00", "status": "in_transit", "text": "Left depot",
                         "code": "LD"}]},
    )
    adapter = registry.discover().adapters["acme"]({"api_key": "k"})
    first, second = adapter.track([TrackRequest("ACME1"), TrackRequest("ACME2")])
    assert first.outcome == Outcome.OK and first.events[0].description == "Left depot"
    assert second.outcome == Outcome.NOT_FOUND
    assert no_outbound_network.calls[0].request.headers["X-Api-Key"] == "k"


def test_app_starts_and_cli_reports_the_broken_plugin(installed_plugins, app, runner, client):
    app.extensions.pop("carrier_discovery", None)
    result = runner.invoke(args=["carriers"])
    assert "acme" in result.output and "Acme Freight" in result.output
    assert "broken" in result.output and "FAILED TO LOAD" in result.output
    assert result.exit_code == 1
    assert client.get("/healthz").status_code == 200
