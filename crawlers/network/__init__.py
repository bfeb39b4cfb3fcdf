"""How requests reach a source: proxy routing (Tor, I2P), the proxied download handler,
Tor circuit renewal and source reachability."""

from crawlers.network.routing import ProxyRoute, RoutingMiddleware, route_for
from crawlers.network.settings import browser_proxy, network_settings

__all__ = ["ProxyRoute", "RoutingMiddleware", "browser_proxy", "network_settings", "route_for"]
