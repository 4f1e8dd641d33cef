"""The definitions are written once: docs/statistics.md must carry each one word for word."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from ..definitions import DEFINITIONS

DOCS = Path(settings.BASE_DIR) / "docs" / "statistics.md"


@pytest.mark.parametrize("key", list(DEFINITIONS))
def test_the_docs_state_each_definition_as_the_code_does(key):
    with translation.override("en"):
        text = str(DEFINITIONS[key])

    assert f"- {text}\n" in DOCS.read_text(encoding="utf-8")


@pytest.mark.parametrize("key", list(DEFINITIONS))
def test_each_definition_has_a_chinese_translation(key):
    with translation.override("en"):
        english = str(DEFINITIONS[key])
    with translation.override("zh-hans"):
        chinese = str(DEFINITIONS[key])

    assert chinese != english
