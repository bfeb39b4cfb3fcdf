"""Logins, sessions, CAPTCHA hand-off and queue pages of sources that need them.

Wire a source's crawl with `config.apply_challenge_settings(settings, source, app)`; the
persona is checked up front with `crawlers.personas.check_persona`. The package imports
nothing itself, so the CAPTCHA store (`store`) is read by the command line without Scrapy.
"""
