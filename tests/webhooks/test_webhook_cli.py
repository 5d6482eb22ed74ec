"""flask set-webhook-secret: set, replace, generate; the stored secret verifies pushes."""
from sqlalchemy import select

from tracking.extensions import db
from tracking.models import WebhookSecret


def stored(provider: str = "easypost") -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookSecret.secret).filter_by(provider=provider)))


def test_sets_then_replaces_the_secret_from_stdin(runner, merchant):
    args = ["set-webhook-secret", "--merchant", "acme", "--provider", "easypost"]
    first = runner.invoke(args=args, input="first-secret\n")
    assert first.exit_code == 0, first.output
    assert "first-secret" not in first.stdout
    assert stored() == ["first-secret"]

    assert runner.invoke(args=args, input="  second  \n").exit_code == 0
    assert stored() == ["second"]


def test_generate_prints_the_secret_once(runner, merchant):
    result = runner.invoke(args=["set-webhook-secret", "--merchant", "acme", "--provider",
                                 "shippo", "--generate"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert len(secret) >= 40 and stored("shippo") == [secret]
    assert "/webhooks/shippo?merchant=acme&token=" in result.stderr


def test_refuses_unknown_merchant_provider_and_empty_secret(runner, merchant):
    unknown = runner.invoke(args=["set-webhook-secret", "--merchant", "nobody", "--provider",
                                  "easypost"], input="x\n")
    assert unknown.exit_code != 0 and "no merchant" in unknown.output
    provider = runner.invoke(args=["set-webhook-secret", "--merchant", "acme", "--provider",
                                   "fedex"], input="x\n")
    assert provider.exit_code != 0
    empty = runner.invoke(args=["set-webhook-secret", "--merchant", "acme", "--provider",
                                "easypost"], input="\n")
    assert empty.exit_code != 0
    assert stored() == []
