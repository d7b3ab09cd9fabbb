"""Print the nbgitpuller links that hand the course to a class on a JupyterHub.

    python tools/hub_links.py https://hub.example.edu
    python tools/hub_links.py https://hub.example.edu --repository https://github.com/a-school/nn-course --branch main

A student who clicks a link logs in to the hub; nbgitpuller (installed in the hub's user image)
clones the repository into their home folder the first time (as FOLDER, the repository's name
unless you pass --folder) and merges new commits into it every later time, keeping the
student's own edits; then the lesson opens in JupyterLab. The links name the lessons in
notebooks/ of this checkout; the hub must be able to clone the repository.
"""
import argparse
import re
import sys
from urllib.parse import urlencode, urlsplit

import nbformat

import address
from course_files import lessons, run

APPS = {"lab": "lab/tree/", "classic": "tree/"}


def default_folder(repository):
    """The folder nbgitpuller clones into when not told: the repository's last name."""
    return repository.rstrip("/").split("/")[-1].removesuffix(".git")


def pull_query(repository, path, branch="main", folder=None, app="lab"):
    """The query of a /git-pull URL: pull ``repository`` into ``folder``, then open ``path`` in it."""
    folder = folder or default_folder(repository)
    return urlencode({"repo": repository, "branch": branch, "targetPath": folder,
                      "urlpath": f"{APPS[app]}{folder}/{path}"})


def hub_base(url):
    """The hub's address as https://host[:port][/prefix], from what a teacher may paste: any
    case of scheme, a trailing /hub/ or /hub/home, a unicode host (IDNA); else a clear error."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("https", "http") or not parts.hostname:
        raise ValueError(f"{url} is not a web address: give it as https://hub.example.edu")
    if parts.query or parts.fragment:
        raise ValueError(f"{url} has a query or fragment (?… or #…): give the hub's address alone, "
                         "e.g. https://hub.example.edu")
    host = parts.hostname.encode("idna").decode("ascii")
    port = f":{parts.port}" if parts.port else ""
    prefix = re.sub(r"/hub(/.*)?$", "", parts.path.rstrip("/"))  # the hub's own pages
    return f"{parts.scheme.lower()}://{host}{port}{prefix}"


def hub_link(hub_url, repository, path, branch="main", folder=None, app="lab"):
    """A link for the class: the hub sends each student to their own server's /git-pull."""
    return (f"{hub_base(hub_url)}/hub/user-redirect/git-pull?"
            + pull_query(repository, path, branch, folder, app))


def title(notebook):
    """A lesson's title: the first line of its first cell, without the '#'."""
    return nbformat.read(notebook, as_version=4).cells[0].source.splitlines()[0].lstrip("# ")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hub_url", help="the JupyterHub's address, e.g. https://hub.example.edu")
    parser.add_argument("--repository", default=address.clone_url(),
                        help="the git repository the hub clones, as https://github.com/OWNER/NAME "
                             "or OWNER/NAME (default: %(default)s)")
    parser.add_argument("--branch", default=address.BRANCH, help="its branch (default: %(default)s)")
    parser.add_argument("--folder", help="the folder in each student's home (default: the "
                                         "repository's name)")
    parser.add_argument("--app", choices=sorted(APPS), default="lab",
                        help="open the lessons in JupyterLab or the classic notebook (default: lab)")
    args = parser.parse_args(argv)
    try:
        args.hub_url = hub_base(args.hub_url)
    except ValueError as error:
        parser.error(str(error))
    if "://" not in args.repository and not args.repository.startswith("git@"):
        try:  # OWNER/NAME: the GitHub address nbgitpuller can clone
            args.repository = address.clone_url(address.normalise(args.repository))
        except ValueError as error:
            parser.error(str(error))
    link = lambda path: hub_link(args.hub_url, args.repository, path, args.branch,  # noqa: E731
                                 args.folder, args.app)
    print(f"The whole course (the lessons' folder)\n  {link('notebooks')}")
    for notebook in lessons():
        print(f"{title(notebook)}\n  {link(f'notebooks/{notebook.name}')}")


if __name__ == "__main__":
    sys.exit(run(main, "nothing was written"))
