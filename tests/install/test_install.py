"""The installed package as a new user meets it: imported from anywhere, even beside a clone."""

import subprocess
import sys
from pathlib import Path

import polyopt as po


def test_a_folder_named_polyopt_does_not_shadow_the_package(tmp_path):
    # `git clone` makes a folder named polyopt; from its parent folder (the current directory, first
    # on sys.path) that folder is a namespace package candidate.  The installed package must win.
    clone = tmp_path / "polyopt"
    (clone / "kernels").mkdir(parents=True)
    (clone / "README.md").write_text("a clone\n")
    script = tmp_path / "mine.py"
    script.write_text("import polyopt as po\nprint(po.__file__)\nprint(po.symbols('N'))\n")
    for argv in ([sys.executable, "mine.py"], [sys.executable, "-c", "import polyopt; print(polyopt.__file__)"]):
        out = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        imported = Path(out.stdout.splitlines()[0])
        assert imported.resolve() == Path(po.__file__).resolve(), out.stdout


def test_the_editable_install_is_a_path_entry():
    # What makes the test above pass for `pip install -e .`: setup.cfg maps the root package
    # folder explicitly, so setuptools writes a .pth path entry rather than an import hook.
    setup_cfg = (Path(__file__).parents[2] / "setup.cfg").read_text()
    options = setup_cfg.split("[options]", 1)[1].split("\n[", 1)[0]
    assert "package_dir =\n    = ." in options
