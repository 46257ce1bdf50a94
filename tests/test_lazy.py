"""soms.lazy: a module loaded at its first use, once, whichever threads ask for it at once."""

from __future__ import annotations

import sys
import threading

import pytest

from soms.lazy import lazy_module


@pytest.fixture
def slow_module(tmp_path, monkeypatch):
    """A module whose code takes a while and defines a name only at its end, as the capacity
    computations do (NumPy first, then the functions)."""
    name = f"soms_slow_{tmp_path.name.replace('-', '_')}"
    ran = tmp_path / "ran"
    (tmp_path / f"{name}.py").write_text(
        f"import pathlib, time\npathlib.Path({str(ran)!r}).touch()\nEARLY = 1\ntime.sleep(0.3)\nLATE = 2\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def test_nothing_runs_before_the_first_use(slow_module, tmp_path):
    module = lazy_module(slow_module)
    assert not (tmp_path / "ran").exists()
    assert module.LATE == 2
    assert (tmp_path / "ran").exists()


def test_threads_that_ask_together_all_get_the_whole_module(slow_module):
    """Two requests reaching a fresh gthread worker together: with importlib's LazyLoader on
    Python 3.12.1 every thread but the first read the half-run module and failed (a 500 on
    POST /api/v1/capacity/plan, found by schemathesis against a running server)."""
    module = lazy_module(slow_module)
    answers: list[object] = []

    def ask() -> None:
        try:
            answers.append(module.LATE)
        except AttributeError as exc:
            answers.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [2] * 8


def test_a_missing_module_is_refused_at_once():
    with pytest.raises(ImportError):
        lazy_module("soms.no_such_module")
