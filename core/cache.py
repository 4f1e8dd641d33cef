"""Django's Redis cache, reusing one client object per connection pool.

Django's RedisCacheClient.get_client() builds a new redis.Redis object on every cache call (the pool is shared, the
client object is not): the throttles make four such calls on a write, and building the client (its response
callbacks, its connection kwargs) was a visible part of a write's CPU in the profile of issue 11. A redis.Redis
object is safe to share: it checks a connection out of the pool for each command.
"""

from django.core.cache.backends import redis as django_redis


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
