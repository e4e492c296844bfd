"""The pytest plugin of descope_mgmt (registered through the ``pytest11`` entry point, so it is
active wherever descope_mgmt is installed; ``-p no:descope_mgmt`` turns it off).

Fixtures:

* ``descope_emulator``: a :class:`descope_mgmt.testing.Emulator` reset to its seed (no
  faults, empty journal) before the test;
* ``descope_emulator_session``: the same emulator, started once per test session and
  stopped at its end, without the reset.

::

    import pytest
    from descope_mgmt import OutcomeUnknownError
    from descope_mgmt.testing import ROTATE_ACCESS_KEY

    def test_rotate_outcome_unknown(descope_emulator):
        descope_emulator.fault("POST", ROTATE_ACCESS_KEY, "drop_after_apply")
        with pytest.raises(OutcomeUnknownError):
            descope_emulator.client().rotate_access_key("K2active")
        assert len(descope_emulator.journal("POST", ROTATE_ACCESS_KEY)) == 1

Without the entry point (e.g. ``PYTEST_DISABLE_PLUGIN_AUTOLOAD``), add
``pytest_plugins = ["descope_mgmt.pytest_plugin"]`` to your ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from descope_mgmt.testing import Emulator, emulator

__all__ = ["descope_emulator", "descope_emulator_session"]


@pytest.fixture(scope="session")
def descope_emulator_session() -> Iterator[Emulator]:
    """One emulator for the whole test session (started on first use)."""
    with emulator() as emu:
        yield emu


@pytest.fixture()
def descope_emulator(descope_emulator_session: Emulator) -> Emulator:
    """The session's emulator, reset to its seed before the test."""
    descope_emulator_session.reset()
    return descope_emulator_session
