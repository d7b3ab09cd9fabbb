"""Point every badge, worked-answer link, JupyterHub link and the setup cell's fetch at a fork.

    python tools/repoint.py your-org/your-repo                 # keeps the branch
    python tools/repoint.py https://github.com/your-org/your-repo --branch spring-2027

It writes the repository and branch into tools/address.py, the one place they are named, then
rewrites what is made from them: both editions' badges and setup cells, the links to the worked
answers, and the README's badges (tools/refresh_notebooks.py --setup-only, which runs nothing).
tools/hub_links.py, tools/student_edition.py and tools/nbgrader_course.py read the new address.
"""
import argparse
import re
import subprocess
import sys
from pathlib import Path

import address
from course_files import run

ADDRESS = Path(address.__file__).resolve()


def write_address(repository, branch):
    """Rewrite the two lines of tools/address.py that name the repository and the branch."""
    text = ADDRESS.read_text()
    for name, value in (("REPOSITORY", repository), ("BRANCH", branch)):
        text, count = re.subn(rf'^{name} = "[^"]*"', f'{name} = "{value}"', text, count=1, flags=re.M)
        assert count == 1, f"{ADDRESS} has no {name} line"
    ADDRESS.write_text(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repository", help="OWNER/NAME or https://github.com/OWNER/NAME")
    parser.add_argument("--branch", default=address.BRANCH, help="the branch (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        repository, branch = address.normalise(args.repository), address.check_branch(args.branch)
    except ValueError as error:
        parser.error(str(error))
    write_address(repository, branch)
    # A fresh interpreter, which reads the address just written.
    subprocess.run([sys.executable, str(ADDRESS.parent / "refresh_notebooks.py"), "--setup-only"],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"Every badge, link and the setup cell's fetch now name {address.clone_url(repository)}, "
          f"branch {branch}.\nCommit the changes and push them there: the badges open what is "
          "on that branch.")


if __name__ == "__main__":
    sys.exit(run(main, "tools/address.py may name the new address already while some lessons "
                    "still name the old one: run the same command again to finish"))
