"""The request meta keys of evidence capture, shared by the middleware, spider and browser.

- `EVIDENCE`: the `Capture` of the bytes the spider parsed (the response record, or the
  rendered view of a browser page; a revisit when unchanged since an earlier capture);
- `SCREENSHOT_EVIDENCE`: the `Capture` of a browser page's screenshot;
- `SERVER_BODY`: the bytes the server sent for a browser page, kept by the browser handler
  for the response record (the body Scrapy gets is the DOM as rendered); removed once written.
"""

EVIDENCE = "armswatch_evidence"
SCREENSHOT_EVIDENCE = "armswatch_screenshot_evidence"
SERVER_BODY = "armswatch_server_body"
