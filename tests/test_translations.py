"""The message catalogs: every offered language complete, placeholders intact, none behind the sources.

Refresh them with `make extract-messages`, translate what is new, then `make translations`.
"""
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from tracking import config

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "tracking" / "translations"
POT = TRANSLATIONS / "messages.pot"
# Same keywords as `make extract-messages`.
KEYWORDS = ["-k", "_l", "-k", "lazy_gettext"]

SOURCE_LOCALE = config.BABEL_DEFAULT_LOCALE  # msgids are English: its msgstrs may stay empty
TRANSLATED = [code for code in config.LANGUAGES if code != SOURCE_LOCALE]

# A %-placeholder: %(name)s, %(num)d, %s, %.2f ... ("%%" is a literal percent sign, not one).
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>\w+)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)


def placeholders(text: str) -> Counter:
    return Counter(m.group(0) for m in PLACEHOLDER.finditer(text) if m.group("type") != "%")


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


def label(message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set:
    """What `pybabel extract` finds in the sources right now."""
    out = tmp_path_factory.mktemp("i18n") / "messages.pot"
    status = CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), *KEYWORDS,
        "-o", str(out), str(ROOT),
    ])
    assert not status, "pybabel extract failed"
    catalog = load(out)
    assert len(ids(catalog)) > 10, "extraction found almost nothing: is babel.cfg right?"
    return ids(catalog)


def test_english_is_the_source_locale():
    assert SOURCE_LOCALE == "en" and "en" in config.LANGUAGES


@pytest.mark.parametrize("locale", config.LANGUAGES)
def test_catalog_exists(locale):
    assert po_path(locale).is_file(), f"no catalog for {locale}: pybabel init -l {locale}"
    catalog = load(po_path(locale), locale)
    assert str(catalog.locale) == locale


def test_template_is_up_to_date(extracted):
    missing = extracted - ids(load(POT))
    assert not missing, f"messages.pot is behind the sources (make extract-messages): {sorted(missing, key=str)}"


@pytest.mark.parametrize("locale", config.LANGUAGES)
def test_catalog_has_every_source_message(extracted, locale):
    missing = extracted - ids(load(po_path(locale), locale))
    assert not missing, f"{locale} catalog lacks (make extract-messages): {sorted(missing, key=str)}"


@pytest.mark.parametrize("locale", config.LANGUAGES)
def test_nothing_fuzzy(locale):
    catalog = load(po_path(locale), locale)
    assert not catalog.fuzzy, f"{locale} header is marked fuzzy"
    fuzzy = [label(m) for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries in {locale} (gettext ignores them): {fuzzy}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_everything_translated(locale):
    catalog = load(po_path(locale), locale)
    untranslated = []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        expected = catalog.num_plurals if message.pluralizable else 1
        if len(forms) != expected or not all(form and form.strip() for form in forms):
            untranslated.append(label(message))
    assert not untranslated, f"untranslated in {locale}: {untranslated}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_placeholders_match(locale):
    catalog = load(po_path(locale), locale)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = placeholders(sources[-1])
        if any(placeholders(s) != wanted for s in sources):
            wrong.append((label(message), "msgid and msgid_plural differ"))
        forms = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        for form in forms:
            if form and placeholders(form) != wanted:
                wrong.append((label(message), form))
    assert not wrong, f"placeholders differ from the msgid in {locale}: {wrong}"


@pytest.mark.parametrize("locale", config.LANGUAGES)
def test_babel_checks_pass(locale):
    """What `pybabel compile` would warn about: python-format and plural count errors."""
    catalog = load(po_path(locale), locale)
    problems = [(label(m), [str(e) for e in errors]) for m, errors in catalog.check()]
    assert not problems, f"{locale}: {problems}"
