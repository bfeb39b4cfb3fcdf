"""Scrapy middlewares of armswatch crawls."""
