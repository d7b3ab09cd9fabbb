"""Fetch a data set's files from its mirrors, verified before they are kept.

Used only for what the course does not ship (Fashion-MNIST without Debian's package, or a
checkout without ``data/``). A download streams into a private temporary folder, never
grows past the size the file can have, and gives up on a mirror that stops sending; it is
checked against the published MD5 of its content and only then moved into the cache, so a
broken or partial download never becomes the file a later load trusts.

The mirrors are plain HTTP(S), fetched with urllib (which also honours $https_proxy).
gdown would be needed only for Google Drive links, and Colab's version 5.2 offers neither
a timeout nor a size limit, so no mirror may be one.
"""
import http.client
import os
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

from tqdm.auto import tqdm

from .data import DatasetError, idx_size, missing_files_message, read_idx
from .files import private_folder, remove_stale_leftovers

# Seconds to wait for a connection, and for each read. A mirror that sends less than
# STALL_BYTES in STALL_SECONDS is dropped too, so a stalled or trickling mirror costs at
# most about a minute before the next one is tried.
TIMEOUT_SECONDS = 15
STALL_SECONDS = 45
STALL_BYTES = 64 * 1024
CHUNK = 64 * 1024


def download_file(spec, part, cache_dir, quiet=False):
    """Download one file of ``spec`` into ``cache_dir``, trying each mirror in turn."""
    filename, md5 = spec.files[part]
    cache_dir = Path(cache_dir)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatasetError(f"cannot create {cache_dir} to download into ({error}). "
                           "Set NN_FROM_SCRATCH_CACHE to a writable folder.") from error
    remove_stale_leftovers(cache_dir)
    target = cache_dir / f"{filename}.gz"
    # Gzip makes the file smaller; stored uncompressed, or recompressed, it can be a little
    # larger than its content, never more than this.
    limit = idx_size(spec, part) * 101 // 100 + 1024
    reasons = []
    for base in spec.mirrors:
        url = base + filename + ".gz"
        tmp = private_folder(cache_dir, "download")
        partial = tmp / target.name
        try:
            fetch(url, partial, limit, quiet=quiet)
            read_idx(partial, expected_md5=md5, max_size=idx_size(spec, part), name=url, fix="")
            os.replace(partial, target)
            return target
        # Connection errors, HTTP error pages, timeouts, bad content: try the next mirror.
        except DatasetError as error:  # the content is wrong; the message names the URL
            reasons.append(str(error))
        except (OSError, ValueError, http.client.HTTPException) as error:
            reasons.append(f"{url}: {_first_line(error)}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    raise DatasetError(missing_files_message(spec, None, cache_dir, reasons)
                       + f"\nNothing from these mirrors was kept in {cache_dir}.")


def fetch(url, path, limit, quiet=False):
    """Stream ``url`` into ``path``: at most ``limit`` bytes, and never stalled for long."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
        length = response.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > limit:
            raise ValueError(f"it announces {int(length)} bytes, more than the {limit} "
                             "this file can have")
        with open(path, "wb") as f, tqdm(total=int(length) if length else None, unit="B",
                                         unit_scale=True, desc=path.name, disable=quiet,
                                         leave=False) as bar:
            received, window_start, window_bytes = 0, time.monotonic(), 0
            while chunk := response.read1(CHUNK):
                received += len(chunk)
                if received > limit:
                    raise ValueError(f"it sent more than the {limit} bytes this file can have")
                f.write(chunk)
                bar.update(len(chunk))
                window_bytes += len(chunk)
                if window_bytes >= STALL_BYTES:
                    window_start, window_bytes = time.monotonic(), 0
                elif time.monotonic() - window_start > STALL_SECONDS:
                    raise TimeoutError(f"stalled: less than {STALL_BYTES // 1024} KiB in "
                                       f"{STALL_SECONDS} s")


def _first_line(error):
    """What went wrong with one mirror, in a few words."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP error {error.code} ({error.reason})"
    if isinstance(error, urllib.error.URLError):
        return f"cannot connect ({error.reason})"
    if isinstance(error, TimeoutError) and not str(error).startswith("stalled"):
        return f"no answer for {TIMEOUT_SECONDS} s"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
