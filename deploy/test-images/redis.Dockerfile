# TEST ONLY. A stand-in for the official Redis image, which cannot be pulled on the CI machines: Debian's own
# redis-server. Tagged under a local name (localhost/rollout-test-redis), never as "redis".
ARG BASE_IMAGE=localhost/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o redis -g redis /data
COPY redis-entrypoint.sh /usr/local/bin/entrypoint
ENTRYPOINT ["/usr/local/bin/entrypoint"]
CMD ["redis-server"]
