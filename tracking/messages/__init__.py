"""The SMS and email texts that carry the tracking link: templates per merchant and language."""
from .defaults import CHANNELS
from .render import RenderedMessage, render
from .send import SendResult, send_tracking_link

__all__ = ["CHANNELS", "RenderedMessage", "SendResult", "render", "send_tracking_link"]
