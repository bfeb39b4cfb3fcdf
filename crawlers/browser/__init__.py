"""Browser rendering of `render: browser` sources: scrapy-playwright driving Debian's Chromium.

- `settings.browser_settings(source, app, proxy_server)`: the Scrapy settings of such a crawl
  (download handler, launch flags that leak nothing, one context, the host guard).
- `actions.browser_meta(source, detail=...)`: the meta of each request (page actions, and a
  full-page screenshot on listing pages).
- `guard.HostGuard`: aborts every browser request to a host the source does not allow.
- `handler.BrowserDownloadHandler`: scrapy-playwright's handler, one per crawl, with the guard
  on whole contexts (pop-ups, WebSockets) and a throw-away profile without network prediction.
- `screenshots.save_screenshot`: content-addressed PNG files under the screenshots directory.
"""
