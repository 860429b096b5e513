"""Shared test configuration: the Hypothesis profiles (the data paths are in ``data_paths``).

``default`` keeps the README's test command fast (under 90 s on 2 cores); ``thorough`` is for
deep property and fuzz runs::

    python -m pytest --hypothesis-profile=thorough          # every property test, 2,000 examples
    python -m pytest --hypothesis-profile=thorough tests/test_hostile.py -k fuzz

Property tests do not set ``max_examples`` themselves: the profile decides.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("default")
