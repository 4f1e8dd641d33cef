# TEST ONLY. A stand-in for the official PostgreSQL image, which cannot be pulled on the CI machines: Debian's own
# postgresql-15, taking the same POSTGRES_DB / POSTGRES_USER / POSTGRES_PASSWORD variables. Tagged under a local
# name (localhost/rollout-test-postgresql), never as "postgres".
ARG BASE_IMAGE=localhost/debian:bookworm
FROM ${BASE_IMAGE}
# No cluster at install time: the entrypoint makes one in the volume.
RUN mkdir -p /etc/postgresql-common \
 && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/entrypoint
ENTRYPOINT ["/usr/local/bin/entrypoint"]
CMD ["postgres"]
