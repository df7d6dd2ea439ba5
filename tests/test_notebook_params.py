"""Notebooks 01-05 run on RouterWorld by default and on real data when `make test` sets ROUTERKIT_NB_DATA.

Each has one code cell tagged `parameters` (papermill's convention) that reads the data set from that variable; the
Makefile's real-data run covers every one of them. In 01, 02 and 04 every parameter also says what it changes.
"""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_DATA_NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[1-5]_*.ipynb"))
COMMENTED = [p for p in REAL_DATA_NOTEBOOKS if p.name[:2] in {"01", "02", "04"}]
VAR = "ROUTERKIT_NB_DATA"


def parameters_cell(path: Path) -> str:
    cells = [c for c in json.loads(path.read_text())["cells"]
             if c["cell_type"] == "code" and "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"{path.name}: {len(cells)} code cells tagged 'parameters', want exactly 1"
    return "".join(cells[0]["source"])


def run_parameters(path: Path, monkeypatch, value: str | None) -> dict:
    if value is None:
        monkeypatch.delenv(VAR, raising=False)
    else:
        monkeypatch.setenv(VAR, value)
    namespace: dict = {}
    exec(compile(parameters_cell(path), f"{path.name} [parameters]", "exec"), namespace)
    return namespace


def test_the_series_has_notebooks_01_to_05():
    assert [p.name[:2] for p in REAL_DATA_NOTEBOOKS] == ["01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", REAL_DATA_NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_reads_the_data_from_the_environment(path, monkeypatch):
    source = parameters_cell(path)
    assert VAR in source and "make test" in source, f"{path.name}: say that `make test` sets {VAR}"
    assert run_parameters(path, monkeypatch, None)["DATASET"] == "routerworld"
    real = "/data/elsewhere/results_long.parquet"
    assert run_parameters(path, monkeypatch, real)["DATASET"] == real


@pytest.mark.parametrize("path", COMMENTED, ids=lambda p: p.name)
def test_every_parameter_says_what_it_changes(path):
    for line in parameters_cell(path).splitlines():
        if re.match(r"[A-Z][A-Z0-9_]*\s*=", line):
            assert "#" in line, f"{path.name}: parameter without a comment: {line!r}"


def test_make_test_runs_the_real_data_notebooks():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test:.*\bnotebooks-real\b", makefile, re.M), "`make test` must include notebooks-real"
    target = makefile.split("\nnotebooks-real:", 1)[1].split("\n\n", 1)[0]
    assert f'{VAR}="$$data"' in target and "--nbval-lax" in target and "$(PYTEST_STRICT)" in target
    assert re.search(r"^NB_REAL := \$\(wildcard notebooks/0\[1-5\]_\*\.ipynb\)$", makefile, re.M)
