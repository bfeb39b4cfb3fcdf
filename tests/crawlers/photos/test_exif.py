"""EXIF read from real image files written by Pillow: tags as text, `gps` and `device` flags."""

from __future__ import annotations

from io import BytesIO

from PIL import ExifTags, Image

from crawlers.photos.exif import gps_position, read_exif
from crawlers.photos.hashing import describe_photo


def _jpeg(exif: Image.Exif | bytes | None = None, fmt: str = "JPEG") -> bytes:
    buffer = BytesIO()
    image = Image.new("RGB", (64, 48), (90, 110, 70))
    data = exif.tobytes() if isinstance(exif, Image.Exif) else exif
    image.save(buffer, format=fmt, **({"exif": data} if data else {}))
    return buffer.getvalue()


def _read(body: bytes) -> tuple[dict[str, str], list[str]]:
    with Image.open(BytesIO(body)) as image:
        return read_exif(image)


def _gps_exif(lat_ref: str = "N", lon_ref: str = "E") -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Demo Camera Co."
    exif[ExifTags.Base.Model] = "DC-7 Field"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: lat_ref,
        ExifTags.GPS.GPSLatitude: (48.0, 22.0, 13.8),
        ExifTags.GPS.GPSLongitudeRef: lon_ref,
        ExifTags.GPS.GPSLongitude: (8.0, 13.0, 1.2),
    }
    return exif


def test_a_jpeg_with_a_position_and_a_camera_is_flagged_gps_and_device() -> None:
    tags, flags = _read(_jpeg(_gps_exif()))
    assert flags == ["gps", "device"]
    assert tags["Make"] == "Demo Camera Co." and tags["Model"] == "DC-7 Field"
    assert tags["GPSLatitudeRef"] == "N" and tags["GPSLatitude"] == "48, 22, 13.8"
    assert tags["GPSPosition"] == "48.370500, 8.217000"


def test_southern_and_western_references_give_negative_degrees() -> None:
    tags, flags = _read(_jpeg(_gps_exif("S", "W")))
    assert "gps" in flags and tags["GPSPosition"] == "-48.370500, -8.217000"


def test_a_png_carries_exif_too() -> None:
    tags, flags = _read(_jpeg(_gps_exif(), fmt="PNG"))
    assert flags == ["gps", "device"] and tags["GPSPosition"].startswith("48.3705")


def test_device_only_exif_is_flagged_device_only() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Demo Phone Co."
    exif[ExifTags.Base.Model] = "DP-6 Pro"
    tags, flags = _read(_jpeg(exif))
    assert flags == ["device"] and tags == {"Make": "Demo Phone Co.", "Model": "DP-6 Pro"}


def test_a_lens_or_body_serial_in_the_exif_sub_ifd_is_a_device() -> None:
    exif = Image.Exif()
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.BodySerialNumber: "SN-0042"}
    tags, flags = _read(_jpeg(exif))
    assert flags == ["device"] and tags["BodySerialNumber"] == "SN-0042"


def test_an_editor_in_software_is_no_device_but_firmware_is() -> None:
    edited = Image.Exif()
    edited[ExifTags.Base.Software] = "GIMP 2.10.36"
    assert _read(_jpeg(edited)) == ({"Software": "GIMP 2.10.36"}, [])
    firmware = Image.Exif()
    firmware[ExifTags.Base.Software] = "DemoOS 4.2"
    assert _read(_jpeg(firmware))[1] == ["device"]


def test_no_exif_gives_nothing() -> None:
    assert _read(_jpeg()) == ({}, [])


def test_a_latitude_without_longitude_is_no_position() -> None:
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 22.0, 13.8),
    }
    tags, flags = _read(_jpeg(exif))
    assert flags == [] and "GPSPosition" not in tags and tags["GPSLatitudeRef"] == "N"


def test_out_of_range_coordinates_are_no_position() -> None:
    latitude = ExifTags.GPS.GPSLatitude
    longitude = ExifTags.GPS.GPSLongitude
    assert gps_position({latitude: (91.0, 0.0, 0.0), longitude: (8.0, 0.0, 0.0)}) is None
    assert gps_position({latitude: (1.0, 0.0), longitude: (2.0,)}) == (1.0, 2.0)
    assert gps_position({latitude: ("x",), longitude: (2.0,)}) is None


def test_broken_exif_never_raises() -> None:
    good = _jpeg(_gps_exif())
    start = good.index(b"Exif\x00\x00") + 6  # the TIFF header of the APP1 segment
    for cut in (8, 20, 40):  # the IFD offsets now point into garbage
        broken = good[: start + cut] + b"\xff" * 30 + good[start + cut + 30 :]
        photo = describe_photo("http://127.0.0.1/broken.jpg", broken)
        assert photo.phash is not None and photo.width == 64  # the picture itself still reads
        assert ("gps" in photo.flags) == ("GPSPosition" in photo.exif)
    garbage_tiff = b"II*\x00" + b"\xff\xff\xff\x7f" + b"\x00" * 8
    tags, flags = _read(_jpeg(garbage_tiff))
    assert (tags, flags) == ({}, [])
