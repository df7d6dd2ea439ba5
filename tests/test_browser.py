"""Charts and widgets draw in a real JupyterLab, in a real (headless) browser, with no network.

The spec tests cannot see what a browser does: JupyterLab 4 draws Vega-Lite v5 only (altair 6's v6 specs show
nothing), and a widget needs its front-end extension. So this test starts JupyterLab on a free port, runs a
small notebook in Debian's Chromium through playwright, and looks for a drawn chart and a slider. It saves a
screenshot to test-artifacts/ for a human to look at.

Without Chromium or playwright it skips, except in CI (CI=true), where a missing browser is a failure: `make
test` installs Chromium first where it can.
"""
from __future__ import annotations

import importlib.util
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
CELLS = [
    "import routerkit as rk\nrk.setup_notebook()",
    "data = rk.simulate(1200, seed=0)\ntrain, test = rk.train_test_split(data, seed=0)\n"
    "routers = {name: rk.routers.make(name).fit(train) for name in ['task_best', 'linear']}\n"
    "curves = rk.evaluate(routers, test)",
    "rk.plots.frontier(curves, test)",
    "rk.widgets.budget_explorer(curves, test)",
]
CHART = ".jp-OutputArea .vega-embed svg, .jp-OutputArea .vega-embed canvas"
SLIDER = ".jp-OutputArea .widget-slider, .jp-OutputArea .jupyter-widgets input[type=range]"


@pytest.fixture
def sync_playwright():
    """playwright's sync API, or a skip (a failure in CI) that says what is missing."""
    missing = []
    if importlib.util.find_spec("jupyterlab") is None:
        missing.append("JupyterLab (pip install -e '.[notebooks]')")
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium; `make test` does it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    if missing:
        reason = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI must run it")
        pytest.skip(reason)
    return sync_playwright


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout:.0f} s")


@pytest.fixture
def lab(tmp_path, sync_playwright):
    """A JupyterLab server on a free localhost port, isolated in ``tmp_path``: yields (base url, token)."""
    root = tmp_path / "root"
    root.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "check.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    # fresh config, runtime, settings and workspace dirs: nothing from the developer's own Jupyter leaks in
    env = {**os.environ, "JUPYTER_PLATFORM_DIRS": "1"}
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        env[var] = str(tmp_path / var.lower())
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--port={port}", "--ip=127.0.0.1",
           f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False", f"--ServerApp.root_dir={root}",
           "--LabApp.expose_app_in_browser=True",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (tmp_path / "lab.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={token}", proc)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_chart_and_widget_draw_in_jupyterlab(sync_playwright, lab, tmp_path):
    base, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "browser_notebook.png"
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1700})
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(f"{base}/lab/tree/check.ipynb?reset&token={token}", wait_until="domcontentloaded")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            # the same command as Run > Run All Cells, once the kernel is up
            page.evaluate("""async () => {
                const app = window.jupyterapp;
                const panel = app.shell.currentWidget;
                await panel.context.ready;
                await panel.sessionContext.ready;
                await app.commands.execute('notebook:run-all-cells');
            }""")
            page.wait_for_selector(CHART, state="visible", timeout=90_000)
            page.wait_for_selector(SLIDER, state="visible", timeout=60_000)
            # the explorer draws its own chart (frontier + mix) in an Output widget: two drawn charts in all
            page.wait_for_function(
                "sel => document.querySelectorAll(sel).length >= 2", arg=CHART, timeout=60_000)
            page.locator(".vega-embed").first.scroll_into_view_if_needed()
            page.wait_for_timeout(500)  # let the last chart finish its transition before the picture
            page.screenshot(path=str(shot))
            text = page.locator(".jp-Notebook").inner_text()
        finally:
            context.close()
    assert "Traceback" not in text, text[-2000:]
    assert "budget λ = 0" in text, "the explorer's summary line is missing"
    assert shot.stat().st_size > 20_000, "the screenshot looks empty"


def test_report_draws_offline(sync_playwright, tmp_path):
    """`routerkit report`'s page, opened from a file with every other request blocked: each chart's SVG is drawn
    (marks with a size), as many as its JSON lists, and nothing was fetched."""
    import json

    import routerkit as rk

    report = rk.report.build_report(rk.simulate(1200, seed=0), ["task_best", "linear", "knn"], seeds=[0], n_boot=50)
    page_path, json_path = rk.report.write_report(report, tmp_path / "report.html")
    charts = json.loads(json_path.read_text())["charts"]
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    blocked = []

    def only_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.route("**/*", only_files)
            page.goto(page_path.as_uri(), wait_until="load")
            drawn = page.evaluate("""() => [...document.querySelectorAll('figure.chart')].map(fig => {
                const svg = fig.querySelector('svg');
                const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
                const marks = svg ? [...svg.querySelectorAll('.role-mark path, .role-mark rect, .role-mark circle')]
                                       .filter(m => { const b = m.getBoundingClientRect();
                                                      return b.width > 0 || b.height > 0; }) : [];
                return {id: fig.dataset.chart, width: box.width, height: box.height, marks: marks.length};
            })""")
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert not blocked, f"the page asked the network for {blocked}"
    assert [d["id"] for d in drawn] == [c["id"] for c in charts]
    for d in drawn:
        assert d["width"] > 100 and d["height"] > 100, d
        assert d["marks"] >= 3, d
    assert shot.stat().st_size > 50_000, "the screenshot looks empty"
