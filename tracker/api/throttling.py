from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class TrackerScopedRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle that looks its rate up on every request, in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].

    DRF's own copies the rates once, when Python imports it, so an override (a test, a settings change in a shell)
    would not apply. A scope without a rate is not throttled, so the API works before the rates are configured.
    """

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
