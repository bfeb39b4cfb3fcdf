"""Listing photos: downloaded through the source's network, hashed (SHA-256 and perceptual
hash), stored once by content under `<data_dir>/photos/`, with their EXIF read and flagged
when it gives away a position (`gps`) or a camera (`device`)."""

from crawlers.photos.exif import read_exif
from crawlers.photos.hashing import describe_photo, phash_distance
from crawlers.photos.pipeline import PHOTOS_DIR, PhotoPipeline
from crawlers.photos.store import PhotoStore, photo_path

__all__ = [
    "PHOTOS_DIR",
    "PhotoPipeline",
    "PhotoStore",
    "describe_photo",
    "phash_distance",
    "photo_path",
    "read_exif",
]
