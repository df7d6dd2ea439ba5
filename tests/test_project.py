"""The project's own promises: one dependency list, stripped offline notebooks, a README that matches."""
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb"))
README = (ROOT / "README.md").read_text()


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_is_a_thin_layer_over_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = [d for d in deps if isinstance(d, dict)]
    assert sorted(c.split("=")[0] for c in conda) == ["pip", "python"], conda
    python = next(c for c in conda if c.startswith("python"))
    assert python == "python=3.11"
    assert re.fullmatch(r">=3\.(\d+)", pyproject()["project"]["requires-python"])
    assert int(pyproject()["project"]["requires-python"][4:]) <= 11
    assert pip == [{"pip": ["-e .[notebooks]"]}], "environment.yml must install the package itself, nothing else"
    assert "notebooks" in pyproject()["project"]["optional-dependencies"]


def test_extras_and_torch_pin():
    project = pyproject()["project"]
    assert {"notebooks", "test", "encoders"} <= set(project["optional-dependencies"])
    torch = [d for d in project["dependencies"] if d.startswith("torch")]
    assert torch == ["torch==2.13.0"], "an open torch range pulls several GB of CUDA packages"
    altair = [d for d in project["dependencies"] if d.startswith("altair")]
    assert altair and "<6" in altair[0], "altair 6 emits Vega-Lite v6, which JupyterLab 4.6 does not draw"


def test_ci_runs_the_readme_test_command():
    assert "make test" in README and "make lab" in README
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [line for line in ci.splitlines() if line.strip() and not line.lstrip().startswith(("#", "set ", "cd "))]
    assert commands == ["make test"], commands


def test_layout():
    for folder in ("routerkit", "notebooks", "data", "tests", "bench"):
        assert (ROOT / folder).is_dir(), folder


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_stripped(path):
    nb = json.loads(path.read_text())
    for k, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"cell {k} keeps outputs"
            assert cell.get("execution_count") is None, f"cell {k} keeps an execution count"
    ids = [cell.get("id") for cell in nb["cells"]]
    # nbformat 4.5 wants an id on every cell (a missing one is a warning today, an error in later nbformat)
    assert None not in ids, f"cell {ids.index(None)} has no id"
    assert len(set(ids)) == len(ids), "cell ids repeat"


NETWORK = re.compile(r"^\s*[!%]\s*(pip|conda|wget|curl)\b|requests\.|urllib\.request|urlopen|"
                     r"fetch_routerbench\(|hf_hub_download|snapshot_download", re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_makes_no_network_call_or_install(path):
    nb = json.loads(path.read_text())
    for k, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            hit = NETWORK.search("".join(cell["source"]))
            assert hit is None, f"cell {k} calls the network or installs: {hit.group(0)!r}"


def test_readme_notebook_map_matches_the_files():
    assert NOTEBOOKS, "the series has no notebooks"
    listed = set(re.findall(r"notebooks/(\d\d_[a-z0-9_]+\.ipynb)", README))
    assert listed == {p.name for p in NOTEBOOKS}


def test_notebook_names_are_numbered_snake_case():
    for p in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name), p.name


def test_readme_python_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks, "the README has no Python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_sources_hold_no_control_characters(path):
    """A control byte in a source is almost always an escape gone wrong ("\\alpha" written in a Python string
    becomes BEL + "lpha") and shows as a garbled formula."""
    nb = json.loads(path.read_text())
    for k, cell in enumerate(nb["cells"]):
        bad = re.search(r"[\x00-\x08\x0b-\x1f\x7f]", "".join(cell["source"]))
        assert bad is None, f"cell {k} has control character {bad.group()!r}"
