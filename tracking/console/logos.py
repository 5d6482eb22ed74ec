"""Merchant logos: check an upload with Pillow, store it re-encoded, serve it to shoppers.

Only PNG, JPEG and WebP are read (never SVG or anything Pillow merely guesses at); the image
is decoded, scaled to fit UPLOAD_MAX_LOGO_PIXELS, stripped of metadata and written as a fresh
PNG named `<merchant_id>-<content hash>.png`, so a name never changes meaning and can be
cached for a year. Serving checks the name against that pattern: no path reaches the disk.
"""
import hashlib
import io
import os
import re
import warnings

from flask import abort, current_app, send_from_directory
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from .blueprint import bp

ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP"}
NAME = re.compile(r"^(\d+)-([0-9a-f]{20})\.png$")
ONE_YEAR = 365 * 24 * 3600
MAX_SOURCE_SIDE = 6000  # pixels; larger uploads are refused before their pixels are decoded


class LogoError(ValueError):
    """An upload refused, with a message for the shop owner."""


def logo_folder() -> str:
    base = current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")
    return os.path.join(base, "logos")


def _decode(data: bytes) -> Image.Image:
    """The image in `data`, fully decoded, if it is a PNG, JPEG or WebP of sane dimensions."""
    formats = tuple(ACCEPTED_FORMATS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=formats) as probe:
                probe.verify()  # structure and checksums, before decoding any pixel
            image = Image.open(io.BytesIO(data), formats=formats)
            if max(image.size) > MAX_SOURCE_SIDE:  # before decoding: memory grows with pixels
                raise LogoError(_l("The image is too big: at most %(side)d×%(side)d pixels.",
                                   side=MAX_SOURCE_SIDE))
            image.load()
    except LogoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LogoError(_l("The image is too big: at most %(side)d×%(side)d pixels.",
                           side=MAX_SOURCE_SIDE)) from None
    except UnidentifiedImageError:
        raise LogoError(_l("The logo must be a PNG, JPEG or WebP image.")) from None
    except (OSError, SyntaxError, ValueError):
        raise LogoError(_l("This image file is damaged; export it again and retry.")) from None
    if image.format not in ACCEPTED_FORMATS:
        raise LogoError(_l("The logo must be a PNG, JPEG or WebP image."))
    return image


def _clean_png(image: Image.Image) -> bytes:
    """Upright, at most UPLOAD_MAX_LOGO_PIXELS a side, no metadata, as PNG bytes."""
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB")
    limit = current_app.config["UPLOAD_MAX_LOGO_PIXELS"]
    image.thumbnail((limit, limit), Image.Resampling.LANCZOS)
    clean = Image.new(image.mode, image.size)  # pixels only: no EXIF, ICC, text chunks
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def store_logo(upload, merchant_id: int) -> str:
    """Check and store an uploaded file (a werkzeug FileStorage); the stored file's name."""
    limit = current_app.config["UPLOAD_MAX_LOGO_BYTES"]
    data = upload.stream.read(limit + 1)
    if not data:
        raise LogoError(_l("The uploaded file is empty."))
    if len(data) > limit:
        raise LogoError(_l("The logo is too large: at most %(size)d MB.", size=limit // (1024 * 1024)))
    png = _clean_png(_decode(data))
    name = f"{int(merchant_id)}-{hashlib.sha256(png).hexdigest()[:20]}.png"
    folder = logo_folder()
    os.makedirs(folder, exist_ok=True)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as file:
        file.write(png)
    os.replace(temporary, os.path.join(folder, name))
    return name


def remove_logo(name: str | None, merchant_id: int) -> None:
    """Delete a merchant's previous logo file; names of other merchants are never touched."""
    match = NAME.match(name or "")
    if match and int(match.group(1)) == merchant_id:
        try:
            os.remove(os.path.join(logo_folder(), name))
        except FileNotFoundError:
            pass


def serve_logo(name: str):
    """GET /media/logos/<name>: public (tracking pages show it), immutable, never a path."""
    if not NAME.match(name):
        abort(404)
    response = send_from_directory(logo_folder(), name, mimetype="image/png", max_age=ONE_YEAR)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.record_once
def _add_media_route(state) -> None:
    """The logo URL lives outside /console/ (shoppers load it), so on the app itself."""
    state.app.add_url_rule("/media/logos/<name>", "media_logo", serve_logo)
