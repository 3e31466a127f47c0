"""The notebooks: each source ``notebooks/NN-name.py`` (jupytext percent format) runs top to bottom
in a fresh kernel (its cells assert), and the paired ``NN-name.ipynb`` committed beside it is that
source, executed, so that it shows its tables and pictures on a code host without being run.

After changing a source (or what it displays), refresh the committed notebooks with::

    python3 -m pytest -q -p no:cacheprovider tests/notebooks --update-notebooks
"""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
jupytext = pytest.importorskip("jupytext")

FOLDER = Path(__file__).parents[2] / "notebooks"
SOURCES = sorted(FOLDER.glob("[0-9][0-9]-*.py"))
UPDATE_HINT = "refresh it: python3 -m pytest tests/notebooks --update-notebooks"


def test_every_notebook_has_a_source_and_its_pair():
    assert [p.stem[:2] for p in SOURCES] == ["01", "02", "03", "04", "05", "06"]
    assert sorted(FOLDER.glob("*.ipynb")) == [p.with_suffix(".ipynb") for p in SOURCES]
    for source in SOURCES:
        formats = jupytext.read(source).metadata["jupytext"]["formats"]
        assert formats == "ipynb,py:percent", source


def _execute(source: Path):
    nb = jupytext.read(source)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                                     resources={"metadata": {"path": str(source.parent)}})
    client.execute()  # raises CellExecutionError naming the failing cell
    return nb


def _outputs(nb) -> list[list[tuple]]:
    """Per code cell, what it showed: output types and MIME types (the values may differ: timings).
    Consecutive stream outputs count as one: how printed text is split into messages varies; and
    stderr is left out (a library's warning in one environment is not a change of the notebook)."""
    cells = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        shown: list[tuple] = []
        for o in c.outputs:
            if o.get("name") == "stderr":
                continue
            kind = (o.output_type, o.get("name", ""), *sorted(o.get("data", {})))
            if not (o.output_type == "stream" and shown and shown[-1] == kind):
                shown.append(kind)
        cells.append(shown)
    return cells


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_runs_and_its_committed_form_is_current(source, request):
    fresh = _execute(source)
    shown = [o for cell in _outputs(fresh) for o in cell]
    assert not [o for o in shown if o[0] == "error"]
    assert any("image/png" in o or "text/html" in o for o in shown)
    figures = [o for c in fresh.cells if c.cell_type == "code" for o in c.outputs
               if o.get("data", {}).get("text/plain", "").startswith("<Figure")]
    assert all("image/png" in o["data"] for o in figures)  # a plot shows as a picture, not as its repr
    paired = source.with_suffix(".ipynb")
    if request.config.getoption("--update-notebooks"):
        jupytext.write(fresh, paired)
        return
    committed = nbformat.read(paired, as_version=4)
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in fresh.cells], \
        f"{paired.name} is not the executed form of {source.name}: {UPDATE_HINT}"
    counts = [c.execution_count for c in committed.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{paired.name} was not run top to bottom: {UPDATE_HINT}"
    assert _outputs(committed) == _outputs(fresh), f"{paired.name} shows other outputs: {UPDATE_HINT}"
