"""Who is asking: tell people from bots, so page views and offer impressions count shoppers only."""
from functools import lru_cache

from crawlerdetect import CrawlerDetect

_detector = CrawlerDetect()


@lru_cache(maxsize=4096)
def is_bot(user_agent: str | None) -> bool:
    """True for crawlers, link-preview fetchers (SMS and chat apps unfurl tracking links),
    command-line clients and headless browsers; also for a missing user agent, which no
    shopper's browser sends. Cached: a page sees the same few agents over and over."""
    if not user_agent or not user_agent.strip():
        return True
    return bool(_detector.isCrawler(user_agent[:1000]))


def is_shopper_request() -> bool:
    """Whether this request counts as a shopper's view: a GET by a person, not a bot, and not
    by someone signed in to the consoles (support's "what the customer sees" frame, a merchant
    checking a page). Anonymous shoppers carry no session, so this costs no query for them."""
    from flask import request
    from flask_login import current_user
    return (request.method == "GET" and not is_bot(request.user_agent.string)
            and not current_user.is_authenticated)
