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
