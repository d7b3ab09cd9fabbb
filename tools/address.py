"""Where the course is published: the one place its GitHub repository and branch are named.

Every badge (Colab, Kaggle, SageMaker Studio Lab, Binder), every link to the worked edition,
the JupyterHub links and the setup cell's clone address are made from these two lines.
`python tools/repoint.py OWNER/NAME --branch BRANCH` rewrites them and everything made from them.
"""
import re

REPOSITORY = "nn-from-scratch/course"  # GitHub owner/name
BRANCH = "main"

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_GITHUB_URL = re.compile(rf"^https?://(?:www\.)?github\.com/({_NAME})/({_NAME}?)(?:\.git)?/?$",
                         re.IGNORECASE)
_OWNER_NAME = re.compile(rf"^({_NAME})/({_NAME})$")


def normalise(repository):
    """'owner/name' from 'owner/name' or 'https://github.com/owner/name(.git)'; else a clear error."""
    text = repository.strip().rstrip("/")
    match = _GITHUB_URL.match(text) or _OWNER_NAME.match(text.removesuffix(".git"))
    if not match:
        raise ValueError(f"{repository!r} is not a GitHub repository: give it as OWNER/NAME "
                         "(e.g. a-school/nn-course) or as https://github.com/OWNER/NAME")
    return f"{match.group(1)}/{match.group(2)}"


def check_branch(branch):
    """A branch name git accepts (git check-ref-format's rules) in the characters a URL keeps
    as they are, or a clear error."""
    parts = branch.split("/")
    if (not re.fullmatch(r"[A-Za-z0-9._/-]+", branch) or ".." in branch or branch == "HEAD"
            or branch.startswith("-") or branch.endswith(".")
            or any(not part or part.startswith(".") or part.endswith(".lock") for part in parts)):
        raise ValueError(f"{branch!r} is not a branch name git accepts: use letters, digits and "
                         ". _ - /, with no empty, dot-led or .lock part (e.g. main, spring-2027)")
    return branch


def clone_url(repository=REPOSITORY):
    return f"https://github.com/{repository}"


def folder_name(repository=REPOSITORY):
    """The folder `git clone` makes for the repository: its last name."""
    return repository.split("/")[-1]


def colab(path, repository=REPOSITORY, branch=BRANCH):
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/{path}"


def kaggle(path, repository=REPOSITORY, branch=BRANCH):
    return f"https://kaggle.com/kernels/welcome?src=https://github.com/{repository}/blob/{branch}/{path}"


def studio_lab(path, repository=REPOSITORY, branch=BRANCH):
    return f"https://studiolab.sagemaker.aws/import/github/{repository}/blob/{branch}/{path}"


def binder(path, repository=REPOSITORY, branch=BRANCH):
    return f"https://mybinder.org/v2/gh/{repository}/{branch}?urlpath=lab/tree/{path}"


BADGE_IMAGES = {
    "Open In Colab": "https://colab.research.google.com/assets/colab-badge.svg",
    "Open In Kaggle": "https://kaggle.com/static/images/open-in-kaggle.svg",
    "Open In SageMaker Studio Lab": "https://studiolab.sagemaker.aws/studiolab.svg",
    "Binder": "https://mybinder.org/badge_logo.svg",
}


def badges(path, repository=REPOSITORY, branch=BRANCH):
    """The four launch badges of one notebook, as one line of Markdown."""
    targets = [colab, kaggle, studio_lab, binder]
    return " ".join(f"[![{label}]({image})]({target(path, repository, branch)})"
                    for (label, image), target in zip(BADGE_IMAGES.items(), targets))


# The course's own links in any text: each launch service's URL with the repository (and its
# branch) in it. Links to other repositories on GitHub (the book's, nbval's) are not of this form.
LINKS = re.compile(
    rf"(?P<head>colab\.research\.google\.com/github/|studiolab\.sagemaker\.aws/import/github/|"
    rf"kaggle\.com/kernels/welcome\?src=https://github\.com/)(?P<repo>{_NAME}/{_NAME}?)"
    rf"/blob/(?P<branch>[A-Za-z0-9._/-]+?)/(?=notebooks/|README)"
    rf"|(?P<bhead>mybinder\.org/v2/gh/)(?P<brepo>{_NAME}/{_NAME}?)/(?P<bbranch>[A-Za-z0-9._/-]+?)(?=\?|\)|\s|$)")


def point_links(text, repository=REPOSITORY, branch=BRANCH):
    """Point the course's launch links in ``text`` at ``repository`` and ``branch``."""
    def repoint(match):
        if match.group("head"):
            return f"{match.group('head')}{repository}/blob/{branch}/"
        return f"{match.group('bhead')}{repository}/{branch}"
    return LINKS.sub(repoint, text)
