"""The lesson notebooks keep the shape a learner relies on (nbval runs their cells)."""
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import refresh_notebooks  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
REPOSITORY = refresh_notebooks.REPOSITORY


def read(path):
    return nbformat.read(path, as_version=4)


def test_lessons_are_numbered_in_order():
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{i:02d}_" for i in range(1, len(NOTEBOOKS) + 1)]
    assert len(NOTEBOOKS) >= 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_lesson_opens_with_title_badges_and_what_you_will_learn(path):
    intro = read(path).cells[0]
    assert intro.cell_type == "markdown" and intro.source.startswith(f"# {int(path.name[:2])}. ")
    colab = f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks/{path.name}"
    binder = f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?urlpath=lab/tree/notebooks/{path.name}"
    assert colab in intro.source and binder in intro.source
    assert "What you will learn" in intro.source


def test_every_lesson_has_the_same_setup_cell():
    setups = {read(path).cells[1].source for path in NOTEBOOKS}
    assert len(setups) == 1
    setup = setups.pop()
    assert setup.startswith("#@title Setup") and "sys.path.insert(0, str(course))" in setup
    assert "pip install" not in setup


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_lesson_ends_its_idea_with_a_check(path):
    cells = read(path).cells
    # "## Check yourself", or "## Check: ..." named for what it checks (a lesson's own claims)
    headings = [i for i, c in enumerate(cells) if c.cell_type == "markdown"
                and re.search(r"^##+ Check\b", c.source, re.M)]
    assert headings, "no 'Check yourself' (or 'Check: ...') section"
    check = cells[headings[-1] + 1]
    assert check.cell_type == "code" and check.source.count("assert ") >= 3
    assert any("✓" in out.get("text", "") for out in check.outputs), "stored run did not pass"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nothing_installs_over_the_learners_packages(path):
    for cell in read(path).cells:
        assert not re.search(r"^\s*[!%]\s*pip\b", cell.source, re.M), cell.source[:80]


def test_the_articles_japanese_terms_appear_beside_the_english_ones():
    text = "".join(c.source for path in NOTEBOOKS for c in read(path).cells if c.cell_type == "markdown")
    for term in ("ミニバッチ学習", "損失関数", "勾配", "偏微分", "学習率", "エポック", "訓練データ"):
        assert term in text, term


def test_links_to_the_repository_are_set_in_one_place():
    readme = (ROOT / "README.md").read_text()
    texts = [readme] + ["".join(c.source for c in read(p).cells) for p in NOTEBOOKS]
    for text in texts:
        for match in refresh_notebooks.LINKS.finditer(text):
            assert match.group(0).endswith(REPOSITORY), match.group(0)
    assert refresh_notebooks.point_links(
        "https://colab.research.google.com/github/someone/else/blob/main/notebooks/x.ipynb"
    ) == f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks/x.ipynb"


def test_refresh_leaves_a_failing_notebook_untouched(tmp_path, monkeypatch):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print('stored')"),
                nbformat.v4.new_code_cell("raise RuntimeError('broken environment')")]
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="stored\n")]
    path = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    with pytest.raises(Exception, match="broken environment"):
        refresh_notebooks.refresh(path)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_readme_links_each_lesson_on_colab_and_binder(path):
    readme = (ROOT / "README.md").read_text()
    assert f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks/{path.name}" in readme
    assert f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?urlpath=lab/tree/notebooks/{path.name}" in readme
