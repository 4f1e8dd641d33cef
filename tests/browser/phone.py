"""Layout checks the browser tests share: a phone's viewport, nothing wider than the screen, tap targets, the fold."""

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
DESKTOP = {"viewport": {"width": 1440, "height": 900}, "locale": "zh-CN"}


def page_width(page) -> int:
    """How wide the document is: wider than the viewport means the page scrolls sideways."""
    return page.evaluate("document.scrollingElement.scrollWidth")


def assert_fits_the_width(page) -> None:
    width = page.viewport_size["width"]
    assert page_width(page) <= width, f"the page is {page_width(page)} px wide in a {width} px viewport"


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not displayed"
    return found


def assert_inside_the_width(page, locator) -> None:
    """The element is fully on screen sideways (not cut off at the right, not scrolled away at the left)."""
    found = box(locator)
    width = page.viewport_size["width"]
    assert found["x"] >= 0 and found["x"] + found["width"] <= width, f"{locator} at {found} in {width} px"


def assert_tap_target(locator, *, least: float = 38) -> None:
    """Big enough for a finger: about 40 px tall (the guidelines say 44 to 48 CSS px; 38 leaves room for borders)."""
    found = box(locator)
    assert found["height"] >= least, f"{locator} is {found['height']} px tall"


def assert_above_the_fold(page, locator) -> None:
    found = box(locator)
    height = page.viewport_size["height"]
    assert found["y"] + found["height"] <= height, f"{locator} ends at {found['y'] + found['height']} px of {height}"
