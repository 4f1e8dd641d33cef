# The application image: web (gunicorn), Celery worker and beat, and the one-off migrate, all from one image.
#
# Python packages come from wheels in ./wheels (made on the host: scripts/bundle, or
#   pip download -d wheels/ -r requirements.txt -c constraints.txt
# ) and are installed with --no-index: pip needs no network inside the build, the way an office on an isolated
# network builds it. Python 3.11 is Debian bookworm's python3. BASE_IMAGE is any Debian bookworm image; the CI
# smoke test passes one made locally with debootstrap (localhost/debian:bookworm).
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim

FROM ${BASE_IMAGE} AS python
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*

FROM python AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt constraints.txt /tmp/
COPY wheels/ /tmp/wheels/
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /tmp/wheels \
      -r /tmp/requirements.txt -c /tmp/constraints.txt
# The source without the wheels (and without what .dockerignore keeps out, .env first of all).
COPY . /src/
RUN rm -rf /src/wheels

FROM python
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_READ_DOT_ENV=false \
    DJANGO_STATIC_ROOT=/app/static \
    DJANGO_MEDIA_ROOT=/data/media
COPY --from=build /opt/venv /opt/venv
RUN useradd --system --uid 1000 --user-group --home-dir /app --no-create-home app \
 && install -d -o app -g app /app/var /app/static /data/media
WORKDIR /app
# The code belongs to root (the app cannot change it); var/, static/ and the media volume belong to the app.
COPY --from=build /src/ /app/
USER app
# Collected once, here, by the user that serves them: no service collects again at start. The base settings
# suffice (static files do not depend on secrets), so no placeholder secret is needed for the build.
RUN DJANGO_SETTINGS_MODULE=config.settings.base python manage.py collectstatic --noinput -v0
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
