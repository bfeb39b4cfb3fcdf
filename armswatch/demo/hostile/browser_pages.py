"""Pages hostile only to a browser: no `load` event, a DOM that grows forever, popup storms.

Their initial HTML is an ordinary detail page (title, price, vendor, ...), so a static crawler
captures them as listings; Chromium is what they attack. A browser crawler should take the DOM
as it is after a bounded wait, cap the page's memory and block or close popups.
"""

from __future__ import annotations

from armswatch.demo.hostile.catalog import NormalListing
from armswatch.demo.hostile.exchange import Exchange, route
from armswatch.demo.hostile.pages import detail_page

GROWTH_ELEMENTS = 2000  # elements appended per tick
GROWTH_INTERVAL_MS = 50

_NEVER_LOAD = NormalListing(
    id="hb-never-load",
    title="Walther P99 slide",
    price=330,
    path="/browser/never-load",
    description="Walther P99 slide, complete. The photo takes a while to load.",
)
_DOM_GROWTH = NormalListing(
    id="hb-dom-growth",
    title="Saiga 12 magazine",
    price=120,
    path="/browser/dom-growth",
    vendor="kalash_king",
    category=3,
    description="Saiga 12 magazine, 10 rounds. More stock appears below all the time.",
)
_POPUPS = NormalListing(
    id="hb-popups",
    title="Uzi bolt",
    price=410,
    path="/browser/popups",
    category=2,
    description="Uzi bolt, open bolt. See our other offers in the windows that open.",
)

# the image is served by /slow/stall: headers, then nothing, so the page never finishes loading
_NEVER_LOADING_IMAGE = (
    '<div class="gallery"><img class="photo" src="/slow/stall?img" alt="photo"></div>'
)
_GROWTH_SCRIPT = f"""<script>
(function () {{
  var tick = 0;
  setInterval(function () {{
    var block = document.createElement("div");
    var html = "";
    for (var i = 0; i < {GROWTH_ELEMENTS}; i++) {{
      html += "<p class='filler'>more stock " + tick + "-" + i + "</p>";
    }}
    block.className = "growth";
    block.innerHTML = html;
    document.body.appendChild(block);
    tick += 1;
  }}, {GROWTH_INTERVAL_MS});
}})();
</script>"""
_POPUP_SCRIPT = """<script>
(function () {
  var k = 0;
  function burst() {
    for (var i = 0; i < 5; i++) {
      k += 1;
      window.open('/browser/popups?n=' + k);
    }
  }
  window.addEventListener("load", burst);
  setInterval(burst, 200);
})();
</script>"""


def _never_load(exchange: Exchange) -> None:
    exchange.send(detail_page(_NEVER_LOAD, extra=_NEVER_LOADING_IMAGE).encode())


def _dom_growth(exchange: Exchange) -> None:
    exchange.send(detail_page(_DOM_GROWTH, extra=_GROWTH_SCRIPT).encode())


def _popups(exchange: Exchange) -> None:
    exchange.send(detail_page(_POPUPS, extra=_POPUP_SCRIPT).encode())


ROUTES = (
    route(r"/browser/never-load", _never_load),
    route(r"/browser/dom-growth", _dom_growth),
    route(r"/browser/popups", _popups),
)
