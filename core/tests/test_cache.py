"""The generation of cached statistics answers (core.cache): it only moves forward, after the commit."""

import pytest
from django.core.cache import cache

from core.cache import GENERATION_KEY, answers_generation, answers_invalidate_on_commit

pytestmark = pytest.mark.django_db


def test_a_bump_moves_the_generation_once_the_transaction_commits(django_capture_on_commit_callbacks):
    before = answers_generation()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answers_invalidate_on_commit()
        assert answers_generation() == before  # not before the commit: a reader would store old figures under it

    for callback in callbacks:
        callback()
    assert answers_generation() == before + 1


def test_the_generation_never_goes_back_after_an_eviction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answers_invalidate_on_commit()
    bumped = answers_generation()
    cache.delete(GENERATION_KEY)  # evicted, or Redis flushed

    # Not 0 again: an answer stored under an early generation would be found once the counter got back to it.
    assert answers_generation() > bumped
    cache.delete(GENERATION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        answers_invalidate_on_commit()  # a bump of a missing counter starts from the clock too
    assert answers_generation() > bumped
