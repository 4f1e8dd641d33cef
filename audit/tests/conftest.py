"""The tracker's small world (a batch, a period, reform_a for unit_a, make_report) for the audit tests."""

from tracker.tests.conftest import _private_media, batch, make_report, period, reform_a  # noqa: F401
