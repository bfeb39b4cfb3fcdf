"""CAPTCHA challenges of the demo onion market: a short answer drawn into a PNG with Pillow.

The answer of a challenge is a pure function of its id (`captcha_answer`), so tests and the demo
know it without reading the image; an analyst reads it off the picture like on a real market.
The drawing is deterministic too: the same id always gives the same PNG bytes.
"""

from __future__ import annotations

import hashlib
import io
import random
from functools import cache

from PIL import Image, ImageDraw, ImageFont

ALPHABET = "ABCDEFHJKLMNPRTUVWXY34678"  # no look-alikes (0/O, 1/I, 2/Z, 5/S, 9/g)
ANSWER_LENGTH = 5
SIZE = (200, 70)


def challenge_id(seed: str) -> str:
    """A challenge id (12 hex digits) derived from `seed`, e.g. a session and a counter."""
    return hashlib.sha256(f"armswatch-demo-challenge:{seed}".encode()).hexdigest()[:12]


def captcha_answer(challenge: str) -> str:
    """The text the CAPTCHA image of `challenge` shows (upper case, 5 characters)."""
    digest = hashlib.sha256(f"armswatch-demo-captcha:{challenge}".encode()).digest()
    return "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:ANSWER_LENGTH])


def check_answer(challenge: str, answer: str) -> bool:
    """Whether `answer` solves `challenge` (case and surrounding spaces do not matter)."""
    return answer.strip().upper() == captcha_answer(challenge)


@cache
def captcha_png(challenge: str) -> bytes:
    """The CAPTCHA image of `challenge`: its answer in large letters over light noise."""
    rng = random.Random(challenge)
    image = Image.new("RGB", SIZE, (236, 232, 220))
    draw = ImageDraw.Draw(image)
    for _ in range(300):
        x, y = rng.randrange(SIZE[0]), rng.randrange(SIZE[1])
        draw.point((x, y), fill=_grey(rng, 120, 200))
    font = ImageFont.load_default(size=38)
    x = 14
    for letter in captcha_answer(challenge):
        y = rng.randint(6, 16)
        draw.text((x, y), letter, fill=(rng.randint(10, 70), 30, rng.randint(60, 120)), font=font)
        x += 36
    for _ in range(3):
        start = (rng.randrange(SIZE[0]), rng.randrange(SIZE[1]))
        end = (rng.randrange(SIZE[0]), rng.randrange(SIZE[1]))
        draw.line((start, end), fill=_grey(rng, 90, 160), width=1)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _grey(rng: random.Random, low: int, high: int) -> tuple[int, int, int]:
    value = rng.randint(low, high)
    return (value, value, value)
