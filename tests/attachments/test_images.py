"""Photos are judged by their content: a renamed PDF, a truncated JPEG, a decompression bomb and an oversized file
are refused with a sentence a resident understands; a good photo loses its EXIF (GPS) and gets a thumbnail."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.attachments.images import ImageRefused, clean_image
from tests.support.media_files import photo, png_bomb

LIMIT = 10 * 1024 * 1024
PIXELS = 40_000_000


def test_a_photo_loses_its_gps_and_gets_a_thumbnail() -> None:
    original = photo(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the phone wrote a position
    clean = clean_image(original, LIMIT, PIXELS)
    kept = Image.open(io.BytesIO(clean.data))
    assert kept.format == "JPEG" and kept.size == (800, 600) and not kept.getexif()
    assert b"TestPhone" not in clean.data
    assert max(Image.open(io.BytesIO(clean.thumbnail)).size) == 320


def test_png_is_accepted_and_stored_as_jpeg() -> None:
    clean = clean_image(photo(fmt="PNG", gps=False), LIMIT, PIXELS)
    assert Image.open(io.BytesIO(clean.data)).format == "JPEG"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.7\n1 0 obj", "不是能打开的图片"),
        (photo()[:3000], "不是能打开的图片"),
        (b"", "空文件"),
        (png_bomb(), "尺寸过大"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data: bytes, words: str) -> None:
    with pytest.raises(ImageRefused, match=words):
        clean_image(data, LIMIT, PIXELS)


def test_a_bomb_beyond_pillows_own_limit_is_refused_not_a_crash() -> None:
    # our limit above Pillow's: Pillow's DecompressionBombWarning/Error is what stops it, and it becomes the message
    with pytest.raises(ImageRefused, match="尺寸过大"):
        clean_image(png_bomb(), LIMIT, 1_000_000_000)


def test_an_oversized_file_is_refused_before_it_is_decoded() -> None:
    with pytest.raises(ImageRefused, match="图片太大"):
        clean_image(photo(), 1024, PIXELS)
