"""The static book: charts drawn to inline SVG (readable with no network), widgets replaced by a note."""
import base64
import re
from pathlib import Path

import altair as alt
import nbformat
import pandas as pd

from routerkit.book import WIDGET_NOTE, build_book, page_links, static_outputs

ROOT = Path(__file__).resolve().parents[1]


def chart_output(title):
    spec = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]}), title=title).mark_line().encode(x="x", y="y").to_dict()
    return nbformat.v4.new_output("display_data", data={"application/vnd.vegalite.v5+json": spec,
                                                        "text/plain": "<VegaLite 5 object>"})


def test_static_outputs_draws_charts_and_replaces_widgets():
    widget = nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/plain": "VBox()"})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[chart_output("Tiny chart"), widget])])
    nb.metadata["widgets"] = {"state": {}}
    static_outputs(nb)
    chart, note = nb.cells[0].outputs
    assert list(chart["data"]) == ["image/svg+xml"]
    assert chart["data"]["image/svg+xml"].lstrip().startswith("<svg") and "Tiny chart" in chart["data"]["image/svg+xml"]
    assert note["data"] == {"text/html": WIDGET_NOTE}
    assert "widgets" not in nb.metadata


def test_one_page_builds_with_its_chart_inline(tmp_path):
    pages = build_book([ROOT / "notebooks" / "00_start_here.ipynb"], tmp_path)
    page = pages[0].read_text()
    assert (tmp_path / "index.html").read_text().count("<li>") == 1
    images = re.findall(r'jp-RenderedSVG[^>]*>\s*<img[^>]*src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert images, "no chart drawn into the page"
    svg = base64.b64decode(images[0]).decode()
    assert svg.lstrip().startswith("<svg") and "Single models: quality against cost" in svg
    assert "application/vnd.vegalite" not in page  # nothing left for a JavaScript renderer to fetch
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert all("mathjax" in s for s in scripts), scripts  # only MathJax, for the formulas, when online


def test_links_between_notebooks_point_at_book_pages():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "See the [glossary](00_start_here.ipynb#Glossary), [notebook 03](03_predictability_bottleneck.ipynb) "
        "and [a site](https://example.org/x.ipynb)."), nbformat.v4.new_code_cell("'00_start_here.ipynb'")])
    page_links(nb)
    assert nb.cells[0].source == ("See the [glossary](00_start_here.html#Glossary), [notebook 03]"
                                  "(03_predictability_bottleneck.html) and [a site](https://example.org/x.ipynb).")
    assert nb.cells[1].source == "'00_start_here.ipynb'"
