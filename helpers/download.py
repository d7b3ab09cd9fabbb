"""Fetch a data set's files from its mirrors, verified before they are kept.

Used only for what the course does not ship (Fashion-MNIST without Debian's package, or a
checkout without ``data/``). A download goes to a private temporary folder, is checked
against the published MD5 of its content, and only then moved into the cache, so a broken
or partial download never becomes the file a later load trusts.
"""
import os
import tempfile
from pathlib import Path

import gdown

from .data import DatasetError, missing_files_message, read_idx


def download_file(spec, part, cache_dir, quiet=False):
    """Download one file of ``spec`` into ``cache_dir``, trying each mirror in turn."""
    filename, md5 = spec.files[part]
    cache_dir = Path(cache_dir)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatasetError(f"cannot create {cache_dir} to download into ({error}). "
                           "Set NN_FROM_SCRATCH_CACHE to a writable folder.") from error
    target = cache_dir / f"{filename}.gz"
    reasons = []
    for base in spec.mirrors:
        url = base + filename + ".gz"
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".download-") as tmp:
            partial = Path(tmp) / target.name
            try:
                # Only keywords that gdown 5.2 (Colab's) and 6.x both accept.
                gdown.download(url=url, output=str(partial), quiet=quiet, use_cookies=False)
                read_idx(partial, expected_md5=md5)
            # Connection errors, HTTP error pages, bad checksums and gdown's own errors
            # differ between versions; any of them just means "try the next mirror".
            except Exception as error:  # noqa: BLE001
                reasons.append(f"{url}: {_first_line(error)}")
                continue
            os.replace(partial, target)
            return target
    raise DatasetError(missing_files_message(spec, None, cache_dir, reasons))


def _first_line(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
