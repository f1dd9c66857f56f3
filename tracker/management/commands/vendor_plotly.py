"""Copy Plotly's JS from the installed plotly package into static/, with its two remote URLs made local.

plotly.min.js names two places on the internet: the world-outline files of geo charts (cdn.plot.ly) and the
map symbol icons of tile maps (jsdelivr). Our pages set `topojsonURL` to our own copy and use no tile maps, and
the CSP would refuse both anyway; the vendored file is rewritten so that it names no external host at all
(the bureau's network may be closed). Run after upgrading plotly: `python manage.py vendor_plotly`.
"""

from pathlib import Path

import plotly
from django.conf import settings
from django.core.management.base import BaseCommand

REMOTE_TO_LOCAL = {
    b"https://cdn.plot.ly/un/": b"/static/vendor/plotly/topojson/",
    b"https://cdn.jsdelivr.net/npm/@mapbox/maki@8.2.0/icons/": b"/static/vendor/plotly/maki/",
}


def shipped_plotly() -> Path:
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def vendored_plotly_bytes() -> bytes:
    """The package's plotly.min.js with every remote URL replaced by a local path."""
    data = shipped_plotly().read_bytes()
    for remote, local in REMOTE_TO_LOCAL.items():
        data = data.replace(remote, local)
    return data


class Command(BaseCommand):
    help = "把 plotly 包中的 plotly.min.js 复制到 static/vendor/plotly/（外部地址替换为本地路径）"

    def handle(self, *args, **options):
        target = Path(settings.BASE_DIR) / "static" / "vendor" / "plotly" / "plotly.min.js"
        target.write_bytes(vendored_plotly_bytes())
        self.stdout.write(f"wrote {target} (plotly {plotly.__version__})")
