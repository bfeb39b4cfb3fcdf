"""Scrapy item pipelines of armswatch crawls that belong to crawling itself."""
