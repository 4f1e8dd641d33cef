# TEST ONLY. An SMTP sink inside the compose network: Debian's python3-aiosmtpd, keeping every message it accepts in
# a Maildir the smoke test reads (podman exec). Local name: localhost/rollout-test-smtp.
ARG BASE_IMAGE=localhost/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-aiosmtpd \
 && rm -rf /var/lib/apt/lists/* \
 && install -d /srv/mail
EXPOSE 25
CMD ["python3", "-m", "aiosmtpd", "-n", "-l", "0.0.0.0:25", "-c", "aiosmtpd.handlers.Mailbox", "/srv/mail/maildir"]
