"""Stage progress: a bar on a terminal, one line per stage elsewhere, nothing when off."""
import io

import pytest

from routerkit.progress import Stages


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _run(stream, mode="auto"):
    stages = Stages(1, stream=stream, mode=mode)
    with stages.stage("load data"):
        pass
    stages.expect(2)
    for label in ("fit knn", "route knn"):
        with stages.stage(label):
            pass
    stages.close()
    return stages, stream.getvalue()


def test_lines_off_a_terminal():
    stages, text = _run(io.StringIO())
    lines = text.splitlines()
    assert stages.mode == "lines" and stages.done == stages.total == 3
    assert [line.split("] ")[1] for line in lines[:3]] == ["load data", "fit knn", "route knn"]
    assert all(line.startswith("routerkit: [") for line in lines[:-1]) and lines[-1].startswith("routerkit: done in ")


def test_a_bar_on_a_terminal():
    stages, text = _run(_Terminal())
    assert stages.mode == "bar"
    assert "route knn" in text and "3/3 stages" in text and "routerkit: [" not in text


def test_off_is_silent_and_bad_modes_are_refused():
    assert _run(io.StringIO(), mode="off")[1] == ""
    with pytest.raises(ValueError, match="mode must be"):
        Stages(1, mode="loud")
