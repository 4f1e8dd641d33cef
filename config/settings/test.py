"""Test settings: speed overrides only; the services themselves come from the environment like production."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
