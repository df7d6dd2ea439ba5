"""Build the notebook series as a static HTML book that reads offline: ``python -m routerkit.book``.

Each notebook is executed, then made static: every altair chart (a Vega-Lite output) is drawn to SVG on the
spot with vl-convert (no browser, no CDN), and every widget is replaced by a note (each widget in the series
is followed by a static call that shows the same result). Links between notebooks point at their pages.
nbconvert renders the pages; an index links them.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path
from typing import Iterable, Sequence

import nbformat

__all__ = ["static_outputs", "page_links", "build_book", "main"]

VEGALITE_PREFIX = "application/vnd.vegalite.v"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# The lab template without the scripts a static book does not use (require.js, mermaid). MathJax stays: it
# typesets the notebooks' formulas when online, and offline the TeX source shows instead.
BOOK_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""
WIDGET_NOTE = ("<p class=\"rk-widget-note\"><em>Interactive widget: open this notebook in JupyterLab to play "
               "with it. The static result follows.</em></p>")


def static_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace chart outputs by their SVG drawing and widget outputs by a note, in place; returns ``nb``."""
    from routerkit.plots import vegalite_svg

    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data:
                continue
            vegalite = next((m for m in data if m.startswith(VEGALITE_PREFIX)), None)
            if vegalite is not None:
                spec = data[vegalite]
                spec = json.loads(spec) if isinstance(spec, str) else dict(spec)
                output["data"] = {"image/svg+xml": vegalite_svg(spec, vegalite)}
            elif WIDGET_MIME in data:
                output["data"] = {"text/html": WIDGET_NOTE}
    nb.metadata.pop("widgets", None)
    return nb


_NOTEBOOK_LINK = re.compile(r"\]\((\d\d_[\w-]+)\.ipynb(#[^)\s]*)?\)")


def page_links(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Point markdown links between notebooks (``](01_x.ipynb#Part)``) at the book's pages (``01_x.html``)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _NOTEBOOK_LINK.sub(lambda m: f"]({m.group(1)}.html{m.group(2) or ''})", cell.source)
    return nb


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def build_book(notebooks: Iterable[str | Path], out_dir: str | Path, execute: bool = True,
               timeout: int = 600) -> list[Path]:
    """Execute (unless ``execute=False``), make static and render each notebook into ``out_dir``.

    Writes ``<name>.html`` per notebook and ``index.html``; returns the page paths. A notebook whose cells
    fail stops the build with nbclient's error (the book shows only notebooks that run).
    """
    from jinja2 import DictLoader
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"book.html.j2": BOOK_TEMPLATE})],
                            template_file="book.html.j2")
    pages: list[tuple[Path, str]] = []
    for source in sorted(Path(p) for p in notebooks):
        nb = nbformat.read(source, as_version=4)
        if execute:
            NotebookClient(nb, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(source.parent)}}).execute()
        static_outputs(nb)
        page_links(nb)
        body, _ = exporter.from_notebook_node(nb)
        page = out / f"{source.stem}.html"
        page.write_text(body, encoding="utf-8")
        pages.append((page, _title(nb, source.stem)))
    items = "\n".join(f"<li><a href=\"{p.name}\">{html.escape(t)}</a></li>" for p, t in pages)
    (out / "index.html").write_text(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>routerkit: the notebook series</title></head>"
        f"<body><h1>routerkit: the notebook series</h1><ol>{items}</ol></body></html>\n", encoding="utf-8")
    return [p for p, _ in pages]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routerkit.book", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to build (default: notebooks/*.ipynb)")
    parser.add_argument("--out", default="build/book", help="output folder (default: build/book)")
    parser.add_argument("--no-execute", action="store_true", help="render the notebooks as they are")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(Path("notebooks").glob("*.ipynb"))
    if not notebooks:
        print("routerkit.book: error: no notebooks to build", file=sys.stderr)
        return 2
    for page in build_book(notebooks, args.out, execute=not args.no_execute):
        print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
