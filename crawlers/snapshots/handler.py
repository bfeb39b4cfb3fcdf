"""The download handler of `saved:` requests: the saved page a request carries, as a response.

An import (`crawlers.spiders.import_spider`) asks for each saved page with a `saved://page/<n>`
request whose meta holds the page (`SAVED_PAGE`); this handler answers with the page's bytes
under the URL the page is read at (`PAGE_URL`), so links on it resolve as they did on the site.
Nothing goes out.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.http import HtmlResponse, Response

from crawlers.snapshots.pages import SavedPage

SCHEME = "saved"
HANDLER = "crawlers.snapshots.handler.SavedPageHandler"
SAVED_PAGE = "armswatch_saved_page"
PAGE_URL = "armswatch_saved_page_url"


class SavedPageHandler(BaseDownloadHandler):
    async def download_request(self, request: Request) -> Response:
        page = request.meta.get(SAVED_PAGE)
        if not isinstance(page, SavedPage):
            raise ValueError(f"{request.url}: a saved: request without its saved page")
        url = str(request.meta.get(PAGE_URL) or page.url or request.url)
        headers = {"Content-Type": "text/html"}
        return HtmlResponse(url, body=page.body, headers=headers, request=request)
