"""Keep tldextract (used by Presidio's e-mail/URL recognizers) off the network.

tldextract's module-level extractor fetches the public-suffix list on first use and only falls
back to its bundled snapshot after the fetch fails, which can hang for a socket timeout on an
offline worker.  `ensure_offline_tldextract()` must run before Presidio is imported: it points
the cache to a local folder and swaps the module-level extractor for one that only reads the
snapshot shipped inside the wheel (`suffix_list_urls=()`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import requests
    from tldextract.tldextract import ExtractResult

_DONE = False


def ensure_offline_tldextract() -> None:
    """Make every `tldextract.extract` call use the bundled public-suffix snapshot. Idempotent."""
    global _DONE
    if _DONE:
        return
    cache_dir = Path(tempfile.gettempdir()) / "evalpipe-tldextract-cache"
    os.environ.setdefault("TLDEXTRACT_CACHE", str(cache_dir))
    import tldextract
    import tldextract.tldextract as tld_module

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=os.environ["TLDEXTRACT_CACHE"])

    def extract(
        url: str, include_psl_private_domains: bool | None = False, session: requests.Session | None = None
    ) -> ExtractResult:
        return offline(url, include_psl_private_domains=include_psl_private_domains)

    tld_module.TLD_EXTRACTOR = offline
    # The module attribute is typed as the `functools.wraps` wrapper around the original; ours
    # has the same call signature, which is all callers rely on.
    tld_module.extract = cast(Any, extract)
    tldextract.extract = cast(Any, extract)
    _DONE = True
