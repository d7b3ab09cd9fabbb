"""The lesson notebooks keep the shape a learner relies on (nbval runs their cells)."""
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import address  # noqa: E402
import refresh_notebooks  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks" / "worked").glob("[0-9]*.ipynb"))
LEARNER = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
REPOSITORY, BRANCH = address.REPOSITORY, address.BRANCH
# Every launch badge: [![label](image)](target)
BADGE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\(([^)]*)\)")


def read(path):
    return nbformat.read(path, as_version=4)


def test_lessons_are_numbered_in_order():
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{i:02d}_" for i in range(1, len(NOTEBOOKS) + 1)]
    assert len(NOTEBOOKS) >= 5


@pytest.mark.parametrize("path", NOTEBOOKS + LEARNER, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_each_lesson_opens_with_title_badges_that_open_the_learner_edition(path):
    intro = read(path).cells[0]
    assert intro.cell_type == "markdown" and intro.source.startswith(f"# {int(path.name[:2])}. ")
    learner = f"notebooks/{path.name}"
    assert intro.source.split("\n")[2] == address.badges(learner)
    assert BADGE.findall(intro.source) == [
        f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{learner}",
        f"https://kaggle.com/kernels/welcome?src=https://github.com/{REPOSITORY}/blob/{BRANCH}/{learner}",
        f"https://studiolab.sagemaker.aws/import/github/{REPOSITORY}/blob/{BRANCH}/{learner}",
        f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?urlpath=lab/tree/{learner}"]
    assert "What you will learn" in intro.source
    # Each edition says which it is and links to the other one, which exists.
    other = {"worked": f"(../{path.name})", "notebooks": f"(worked/{path.name})"}[path.parent.name]
    assert other in intro.source
    assert (path.parent / other.strip("()")).is_file()


def test_every_lesson_has_the_same_setup_cell():
    setups = {read(path).cells[1].source for path in NOTEBOOKS + LEARNER}
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
    texts = [readme] + ["".join(c.source for c in read(p).cells) for p in NOTEBOOKS + LEARNER]
    links = 0
    for text in texts:
        for match in address.LINKS.finditer(text):
            assert f"{REPOSITORY}/blob/{BRANCH}/" in match.group(0) or \
                match.group(0).endswith(f"{REPOSITORY}/{BRANCH}"), match.group(0)
            links += 1
    assert links > 4 * 8 * 3  # the badges of both editions and the README, at least
    assert address.point_links(
        "https://colab.research.google.com/github/someone/else/blob/dev/notebooks/x.ipynb "
        "https://mybinder.org/v2/gh/someone/else/HEAD?urlpath=lab/tree/notebooks/x.ipynb "
        "https://github.com/oreilly-japan/deep-learning-from-scratch/blob/master/ch04/x.py"
    ) == (f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/notebooks/x.ipynb "
          f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?urlpath=lab/tree/notebooks/x.ipynb "
          "https://github.com/oreilly-japan/deep-learning-from-scratch/blob/master/ch04/x.py")


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


@pytest.mark.parametrize("path", LEARNER, ids=lambda p: p.name)
def test_readme_badges_open_each_learner_lesson(path):
    readme = (ROOT / "README.md").read_text()
    assert address.badges(f"notebooks/{path.name}") in readme
    assert f"(notebooks/worked/{path.name})" in readme  # and its worked edition beside it


def test_every_badge_in_the_readme_and_the_lessons_opens_the_learner_edition():
    texts = {"README.md": (ROOT / "README.md").read_text()}
    texts.update({p.relative_to(ROOT).as_posix(): "".join(c.source for c in read(p).cells)
                  for p in NOTEBOOKS + LEARNER})
    opened = 0
    for where, text in texts.items():
        for target in BADGE.findall(text):
            if "badge" in target or "shields.io" in target:
                continue
            lesson = re.search(r"notebooks/[^?#)]*", target)
            assert lesson and (ROOT / lesson.group(0)).parent == ROOT / "notebooks", (where, target)
            opened += 1
    assert opened >= 4 * 8 * 3
