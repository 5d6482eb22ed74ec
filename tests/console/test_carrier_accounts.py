"""Console carrier accounts: merchants' own credentials, sealed, masked, used by the poller."""
import pytest
from cryptography.fernet import Fernet

from tracking import secrets_box
from tracking.carriers.registry import get_adapter
from tracking.extensions import db
from tracking.models import CarrierAccount

KEY = Fernet.generate_key().decode()
WITH_KEY = [{"CREDENTIALS_KEY": KEY, "CARRIERS": {"ups": {"client_id": "inst", "client_secret": "inst-secret"}}}]
UPS = {"client_id": "merchant-client-1234", "client_secret": "very-secret-9876"}


def accounts():
    db.session.expire_all()
    return db.session.scalars(db.select(CarrierAccount)).all()


@pytest.mark.parametrize("app", WITH_KEY, indirect=True)
def test_save_seals_and_masks(app, merchant, owner, console_client):
    client = console_client(owner)
    response = client.post("/console/carriers/ups", data=UPS)
    assert response.status_code == 302
    [account] = accounts()
    assert (account.merchant_id, account.carrier) == (merchant.id, "ups")
    assert "very-secret" not in account.settings_encrypted
    assert account.settings == UPS
    page = client.get("/console/carriers").get_data(as_text=True)
    assert "••••9876" in page and "••••1234" in page
    assert "very-secret" not in page and "merchant-client" not in page
    form = client.get("/console/carriers/ups").get_data(as_text=True)
    assert "very-secret" not in form and "merchant-client" not in form
    assert get_adapter("ups", merchant.id).settings["client_id"] == UPS["client_id"]


@pytest.mark.parametrize("app", WITH_KEY, indirect=True)
def test_blank_fields_keep_stored_values(admin, console_client):
    client = console_client(admin)
    client.post("/console/carriers/ups", data=UPS)
    response = client.post("/console/carriers/ups", data={"client_id": "", "client_secret": "new-secret"})
    assert response.status_code == 302
    assert accounts()[0].settings == {**UPS, "client_secret": "new-secret"}


@pytest.mark.parametrize("app", WITH_KEY, indirect=True)
def test_required_settings_and_base_url_are_checked(owner, console_client):
    client = console_client(owner)
    response = client.post("/console/carriers/ups", data={"client_id": "only-id"})
    assert response.status_code == 422
    assert 'id="client_secret-error"' in response.get_data(as_text=True)
    response = client.post("/console/carriers/ups", data={**UPS, "base_url": "http://127.0.0.1:8080"})
    assert response.status_code == 422 and 'id="base_url-error"' in response.get_data(as_text=True)
    response = client.post("/console/carriers/ups", data={**UPS, "base_url": "https://10.0.0.1"})
    assert response.status_code == 422
    assert accounts() == []


@pytest.mark.parametrize("app", WITH_KEY, indirect=True)
def test_delete_returns_to_the_instance_account(merchant, owner, console_client):
    client = console_client(owner)
    client.post("/console/carriers/ups", data=UPS)
    assert client.post("/console/carriers/ups/delete").status_code == 302
    assert accounts() == []
    assert get_adapter("ups", merchant.id).settings["client_id"] == "inst"


@pytest.mark.parametrize("app", WITH_KEY, indirect=True)
def test_one_merchant_cannot_touch_anothers(make_merchant, make_user, owner, console_client):
    other = make_user(make_merchant("other"), "owner")
    console_client(other).post("/console/carriers/ups", data=UPS)
    client = console_client(owner)
    assert "••••9876" not in client.get("/console/carriers").get_data(as_text=True)
    assert client.post("/console/carriers/ups/delete").status_code == 404
    assert len(accounts()) == 1


def test_without_a_key_nothing_is_stored(owner, console_client):
    client = console_client(owner)
    assert "CREDENTIALS_KEY" in client.get("/console/carriers").get_data(as_text=True)
    response = client.post("/console/carriers/ups", data=UPS)
    assert response.status_code == 503 and "CREDENTIALS_KEY" in response.get_data(as_text=True)
    assert accounts() == []


def test_agents_get_403(agent, console_client):
    client = console_client(agent)
    assert client.get("/console/carriers").status_code == 403
    assert client.post("/console/carriers/ups", data=UPS).status_code == 403


def test_unknown_carrier_is_404(owner, console_client):
    assert console_client(owner).get("/console/carriers/nosuch").status_code == 404


@pytest.mark.parametrize("app", [{"CREDENTIALS_KEY": [Fernet.generate_key().decode(), KEY]}],
                         indirect=True)
def test_keys_rotate(app):
    old = Fernet(KEY).encrypt(b'{"api_key": "k"}').decode()
    assert secrets_box.decrypt(old) == {"api_key": "k"}
    rotated = secrets_box.rotate(old)
    app.config["CREDENTIALS_KEY"] = [app.config["CREDENTIALS_KEY"][0]]
    assert secrets_box.decrypt(rotated) == {"api_key": "k"}
    with pytest.raises(secrets_box.InvalidToken):
        secrets_box.decrypt(old)
