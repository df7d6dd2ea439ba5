"""Find the small files routerkit ships in ``data/`` (model card, simulator calibration)."""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_REPO_DATA = Path(__file__).resolve().parent.parent / "data"


def resource_path(name: str) -> Path:
    """Path of a file from the project's ``data/`` folder, in a clone or in an installed wheel."""
    candidate = _REPO_DATA / name
    if candidate.is_file():
        return candidate
    try:
        packaged = Path(str(files("routerkit.calibration") / name))
    except ModuleNotFoundError:
        packaged = None
    if packaged is not None and packaged.is_file():
        return packaged
    raise FileNotFoundError(f"routerkit's data file {name!r} is missing: it belongs in the project's data/ folder "
                            f"(looked in {_REPO_DATA}); reinstall routerkit from a full clone")
