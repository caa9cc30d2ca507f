"""A photo as staff may see it: decoded by Pillow (the content decides, never the file name), within the size and
pixel limits, turned upright, re-encoded as JPEG without its metadata (EXIF GPS, camera, time), and a thumbnail.

A decompression bomb (a small file that decodes to a huge picture) is refused from its header, before decoding:
by our own pixel limit, and by Pillow's (Image.MAX_IMAGE_PIXELS), whose warning counts as a refusal too."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP", "BMP", "MPO"})
THUMBNAIL = (320, 320)
QUALITY = 85
NOT_AN_IMAGE = "这个文件不是能打开的图片，请发送照片（JPG、PNG 等）。"


class ImageRefused(ValueError):
    """Not a picture we keep; `str(exc)` is a sentence for the resident and the staff page."""


@dataclass(frozen=True)
class CleanImage:
    data: bytes  # JPEG, no metadata
    thumbnail: bytes  # JPEG
    width: int
    height: int
    content_type: str = "image/jpeg"


def clean_image(data: bytes, max_bytes: int, max_pixels: int) -> CleanImage:
    """The re-encoded picture and its thumbnail, or ImageRefused saying why not."""
    check_image(data, max_bytes, max_pixels)
    return reencode(data)


def check_image(data: bytes, max_bytes: int, max_pixels: int) -> None:
    """Size, format and pixel count from the header, before anything is decoded (fast: call it on the event
    loop, where the warnings filter it sets is not raced by other threads); ImageRefused if not acceptable."""
    if len(data) > max_bytes:
        raise ImageRefused(f"图片太大（超过 {max_bytes / 1024 / 1024:.0f} MB），请压缩后再发，或换一张。")
    if not data:
        raise ImageRefused("收到的是空文件，请重新发送图片。")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:  # reads the header only
                if probe.format not in FORMATS:
                    raise ImageRefused(NOT_AN_IMAGE)
                width, height = probe.size
                if width * height > max_pixels or width <= 0 or height <= 0:
                    raise ImageRefused(_too_many_pixels(max_pixels))
                probe.verify()  # the structure, without decoding the picture
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRefused(_too_many_pixels(max_pixels)) from None
        except ImageRefused:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise ImageRefused(NOT_AN_IMAGE) from None


def reencode(data: bytes) -> CleanImage:
    """Decode (a checked image: run it in a thread), turn upright, strip everything but the pixels, re-encode."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # the whole picture: a truncated file fails here
            upright = ImageOps.exif_transpose(image)
            rgb = upright.convert("RGB")  # drops alpha and palettes
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("图片尺寸过大，请缩小后再发。") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ImageRefused(NOT_AN_IMAGE) from None
    rgb.info = {}  # EXIF, XMP, ICC, comments: nothing of the original goes along
    full = io.BytesIO()
    rgb.save(full, "JPEG", quality=QUALITY, optimize=True)
    thumb = rgb.copy()
    thumb.thumbnail(THUMBNAIL)
    small = io.BytesIO()
    thumb.save(small, "JPEG", quality=80)
    return CleanImage(full.getvalue(), small.getvalue(), rgb.width, rgb.height)


def _too_many_pixels(max_pixels: int) -> str:
    return f"图片尺寸过大（超过 {max_pixels / 1_000_000:.0f} 百万像素），请缩小后再发。"
