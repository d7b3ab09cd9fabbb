"""The dashboard in a real browser: JupyterLab on 127.0.0.1, headless Chromium via Playwright."""
import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "notebooks/worked/08_interactive_experiments.ipynb"  # its Run All reaches exercise 8.2
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "tests" / "screenshots"))

# CI installs both and must run this test; elsewhere it is skipped without them.
if not os.environ.get("CI"):
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium package", allow_module_level=True)
    pytest.importorskip("playwright")
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from conftest import jupyter_server  # noqa: E402

expect.set_options(timeout=120_000)  # a 2-core machine starts kernels and trains slowly


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving a copy of the course, stopped after the test.

    A copy, because JupyterLab saves the notebooks it runs.
    """
    course = tmp_path / "course"
    for folder in ("helpers", "data", "notebooks"):
        shutil.copytree(ROOT / folder, course / folder,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    settings = tmp_path / "lab-settings"
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}')  # no "get news?" popup over the screenshot
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), HOME=str(tmp_path),
               JUPYTERLAB_SETTINGS_DIR=str(settings))
    env.pop("PYTHONPATH", None)
    env.setdefault("NN_FROM_SCRATCH_CACHE", str(tmp_path / "cache"))
    with jupyter_server("jupyterlab", course, env, tmp_path / "server.log",
                        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate") as lab:
        yield lab


def run_in_new_cell(page, code):
    """Add a code cell at the end of the notebook, type ``code`` into it, run it: its output."""
    page.locator(".jp-Notebook .jp-Cell").last.click()
    page.keyboard.press("Escape")  # command mode
    page.keyboard.press("b")  # a new cell below
    page.keyboard.press("Enter")  # edit it
    page.keyboard.insert_text(code)  # as pasted: no auto-indent or closing brackets
    page.keyboard.press("Shift+Enter")
    output = page.locator(".jp-Notebook .jp-Cell").nth(-2).locator(".jp-OutputArea-output")
    expect(output).not_to_have_count(0)
    return output.last


def test_dashboard_renders_retrains_and_redraws_in_chromium(jupyterlab):
    base, token = jupyterlab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        try:
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
            page.locator(".jp-Notebook").first.wait_for()
            # The status bar shows the kernel once it has started and is ready.
            expect(page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle"))).to_be_visible()

            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

            # Run All has finished when the last cell prints its tick (a click before that
            # would wait for the remaining cells).
            outputs = page.locator(".jp-OutputArea-output")
            expect(outputs.filter(has_text="✓ the dashboard trains")).to_be_visible()
            expect(outputs.filter(has_text="✓ exercise 8.2")).to_be_visible()
            expect(page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle"))).to_be_visible()
            dashboard = outputs.locator(".widget-vbox").first
            sliders = dashboard.locator(".widget-slider")
            expect(sliders).to_have_count(4)
            train = dashboard.get_by_role("button", name="Train")
            expect(train).to_be_visible()
            plot = dashboard.locator("img").first
            expect(plot).to_be_visible()
            before = plot.get_attribute("src")

            # Move the learning-rate slider one step with the keyboard, as a person can.
            handle = sliders.first.locator(".noUi-handle, .ui-slider-handle").first
            handle.focus()
            page.keyboard.press("ArrowRight")  # 0.1 -> 0.2
            readout = sliders.first.locator(".widget-readout")
            expect(readout).to_have_text("0.2")

            # A real double-click: two clicks a few milliseconds apart must train once.
            train.dblclick()
            status = dashboard.locator(".widget-html-content").first  # the status line
            expect(status).to_contain_text(re.compile(r"Finished 500 iterations at learning rate 0\.2"))
            # The status is set before the final redraw: wait for the new picture.
            expect(plot).not_to_have_attribute("src", before)
            page.wait_for_timeout(3000)  # time for a second run to start, were there one
            # 6 runs from the lesson's own cells (sections 3 and 4), and 1 from the double-click.
            expect(run_in_new_cell(page, "print(f'runs: {len(dashboard.runs)}')")).to_have_text("runs: 7")

            # Fill the dashboard to its 8 runs, then check that the legend covers no point of
            # the last run's curves, and look at it.
            code = ("[dashboard.train(batch_size=1000, seed=seed) for seed in range(4)]; "
                    "dashboard.draw(); "
                    "box = dashboard.figure.legends[0].get_window_extent(); "
                    "last = [line for ax in (dashboard.loss_ax, dashboard.acc_ax) "
                    "for line in ax.get_lines() if line.get_color() == dashboard.runs[-1].color]; "
                    "covered = sum(box.contains(*point) for line in last "
                    "for point in line.get_transform().transform(line.get_xydata())); "
                    "print(f'runs: {len(dashboard.runs)}, points under the legend: {covered}')")
            expect(run_in_new_cell(page, code)).to_have_text("runs: 8, points under the legend: 0")
            dashboard.scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=False)
            dashboard.screenshot(path=str(SCREENSHOTS / "dashboard-widget.png"))
        except Exception:
            page.screenshot(path=str(SCREENSHOTS / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def test_a_learner_lessons_link_opens_the_worked_answer_at_its_exercise(jupyterlab):
    """JupyterLab opens the link, worked/NN.ipynb#Heading-Text, in a new tab, and the anchor is
    the id JupyterLab gives the exercise's heading. (JupyterLab 4.6 opens a notebook that was not
    open yet at its top, without scrolling to the anchor: jupyterlab/jupyterlab#11374.)"""
    base, token = jupyterlab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        try:
            page.goto(f"{base}/lab/tree/notebooks/01_data_loading.ipynb?token={token}")
            page.locator(".jp-Notebook").first.wait_for()
            link = page.get_by_role("link", name="exercise 1.3 in the worked edition")
            link.scroll_into_view_if_needed()
            anchor = link.get_attribute("href").split("#")[1]
            link.click()
            expect(page.get_by_role("tab", name=re.compile("01_data_loading.ipynb"))).to_have_count(2)
            worked = page.locator(".jp-NotebookPanel").filter(
                has_text=re.compile("Worked edition: every exercise is answered here"))
            expect(worked).to_have_count(1)
            heading = worked.locator(f'h3[data-jupyter-id="{anchor}"]')
            heading.scroll_into_view_if_needed()  # rendered once scrolled to
            expect(heading).to_have_text(re.compile(r"^Exercise 1\.3 \(find the bug\)"))
            answer = worked.get_by_text("return (images.astype(np.float32) - 128) / 128")
            expect(answer).to_have_count(1)  # the worked answer, not the stub
            page.screenshot(path=str(SCREENSHOTS / "worked-answer-link.png"))
        except Exception:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "failure-link.png"), full_page=True)
            raise
        finally:
            browser.close()
