"""Genesys Cloud regions: the API and login hosts of each one."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from urllib.parse import urlsplit

from flowwidgets.api._hosts import domain_of_host
from flowwidgets.api.errors import ConfigurationError

__all__ = ["REGIONS", "Region", "region_for_domain", "resolve_region"]


@dataclass(frozen=True)
class Region:
    """A Genesys Cloud region: its AWS-style name and the domain its hosts live under.

    Parameters
    ----------
    name
        AWS-style region name with underscores, e.g. ``"eu_central_1"``.
    domain
        Domain of the region, e.g. ``"mypurecloud.de"``. The API host is ``api.<domain>``
        and the login host is ``login.<domain>``.
    """

    name: str
    domain: str

    @property
    def api_base_url(self) -> str:
        """Base URL of the Platform API, e.g. ``"https://api.mypurecloud.de"``."""
        return f"https://api.{self.domain}"

    @property
    def login_base_url(self) -> str:
        """Base URL of the login service, e.g. ``"https://login.mypurecloud.de"``."""
        return f"https://login.{self.domain}"


# Region names and domains as listed by the Genesys Cloud SDKs (PureCloudRegionHosts) and the
# Terraform provider, which adds the EU sovereign cloud region.
REGIONS: dict[str, Region] = {
    region.name: region
    for region in (
        Region("us_east_1", "mypurecloud.com"),
        Region("us_east_2", "use2.us-gov-pure.cloud"),
        Region("us_west_2", "usw2.pure.cloud"),
        Region("ca_central_1", "cac1.pure.cloud"),
        Region("sa_east_1", "sae1.pure.cloud"),
        Region("mx_central_1", "mxc1.pure.cloud"),
        Region("eu_west_1", "mypurecloud.ie"),
        Region("eu_west_2", "euw2.pure.cloud"),
        Region("eu_central_1", "mypurecloud.de"),
        Region("eu_central_2", "euc2.pure.cloud"),
        Region("me_central_1", "mec1.pure.cloud"),
        Region("ap_south_1", "aps1.pure.cloud"),
        Region("ap_southeast_1", "apse1.pure.cloud"),
        Region("ap_southeast_2", "mypurecloud.com.au"),
        Region("ap_northeast_1", "mypurecloud.jp"),
        Region("ap_northeast_2", "apne2.pure.cloud"),
        Region("ap_northeast_3", "apne3.pure.cloud"),
        Region("eusc_de_east_1", "edee1.eusc-pure.cloud"),
    )
}

_BY_DOMAIN: dict[str, Region] = {region.domain: region for region in REGIONS.values()}


def region_for_domain(domain: str) -> Region | None:
    """Return the region of a domain such as ``"mypurecloud.de"``, or None if it is unknown."""
    return _BY_DOMAIN.get(domain.lower())


def resolve_region(value: str | Region) -> Region:
    """Resolve a region name, domain or API URL to a :class:`Region`.

    Parameters
    ----------
    value
        A :class:`Region`, an AWS-style name (``"eu-central-1"`` or ``"eu_central_1"``), a domain
        (``"mypurecloud.de"``), a host (``"api.mypurecloud.de"``) or a URL
        (``"https://api.mypurecloud.de"``). Case does not matter.

    Returns
    -------
    Region
        The region from :data:`REGIONS`.

    Raises
    ------
    ConfigurationError
        If the value names no known region. The message lists close matches; for a region that
        is not in the table, pass ``api_host=`` to :class:`~flowwidgets.api.GenesysClient`.
    """
    if isinstance(value, Region):
        return value

    text = value.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.rstrip("/")

    name = text.replace("-", "_")
    if name in REGIONS:
        return REGIONS[name]

    domain = domain_of_host(text)
    if domain in _BY_DOMAIN:
        return _BY_DOMAIN[domain]

    candidates = [*REGIONS, *_BY_DOMAIN]
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    close += difflib.get_close_matches(domain, candidates, n=3, cutoff=0.6)
    # Region names are shown with hyphens, the way AWS and users write them.
    suggestions = list(dict.fromkeys(match.replace("_", "-") for match in close))
    hint = f" Did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
    raise ConfigurationError(
        f"Unknown Genesys Cloud region {value!r}.{hint} Use an AWS-style region name such as "
        "'us-east-1' or a domain such as 'mypurecloud.com'; for a host that is not in the "
        "region table, pass api_host='https://api.<domain>'."
    )
