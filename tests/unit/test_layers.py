"""The layers of the pipeline hold: import-linter's contracts in setup.cfg (layers, no cycles)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_hold(monkeypatch):
    from importlinter import cli
    monkeypatch.chdir(ROOT)  # import-linter reads setup.cfg and finds the package from here
    monkeypatch.syspath_prepend(str(ROOT))
    assert cli.lint_imports(config_filename=str(ROOT / "setup.cfg")) == cli.EXIT_STATUS_SUCCESS


def test_no_module_of_the_schedule_stage_is_over_500_lines():
    sizes = {p.name: len(p.read_text().splitlines()) for p in (ROOT / "polyopt" / "schedule").rglob("*.py")}
    assert max(sizes.values()) <= 500, sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
