"""Django's Redis cache, reusing one client object per connection pool.

Django's RedisCacheClient.get_client() builds a new redis.Redis object on every cache call (the pool is shared, the
client object is not): the throttles make four such calls on a write, and building the client (its response
callbacks, its connection kwargs) was a visible part of a write's CPU in the profile of issue 11. A redis.Redis
object is safe to share: it checks a connection out of the pool for each command.
"""

import time

from django.core.cache import cache
from django.core.cache.backends import redis as django_redis
from django.db import transaction


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """settings.CACHES backend "core.cache.RedisCache": Django's, with the client above."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient


# --------------------------------------------------------------------------------- the generation of cached answers
#
# Statistics answers (tracker/stats/api/caching.py) are cached under a key holding this counter, so one increment
# makes every older answer unreachable. It moves when what the answers count changes: a rollup refresh, a report
# submitted, returned or approved (stats_report_sync), a city submission, contribution or application changing state.
# A counter in the cache, not a column: writes of different units must not queue on one row. It lives in core
# because the apps bumping it (tracker.stats, tracker.cities, tracker.contributions) import each other one way only.

GENERATION_KEY = "stats-answers-generation"


def answers_generation() -> int:
    """The current generation (no database query: one cache read)."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Never back to 0 after an eviction or a flush: a start from the clock cannot meet a generation an answer
        # still in the cache was stored under.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY, 0)
    return generation


def _answers_invalidate_now() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set (or evicted): a fresh start from the clock is newer than any older generation
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)


def answers_invalidate_on_commit() -> None:
    """After the current transaction commits, make every cached statistics answer unreachable.

    After the commit, not before: an answer computed between an early bump and the commit would read the old rows
    and be stored under the new generation. Robust: the change is committed when this runs, so a cache outage is
    logged, never raised at the user; the answers then age out with their TTL (a minute).
    """
    transaction.on_commit(_answers_invalidate_now, robust=True)
