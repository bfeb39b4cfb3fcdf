"""The crawl frontier kept in crash-safe storage, so a killed crawl resumes."""
