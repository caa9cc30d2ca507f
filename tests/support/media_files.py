"""Files residents send, made here: photos (with EXIF GPS, as phones write them), a decompression bomb, AMR noise
(what WeChat voice messages are), Speex in Ogg (encoded by ffmpeg's libspeex), Ogg/Opus and WAV recordings
(Telegram, browsers), silence."""

from __future__ import annotations

import io
import random
import shutil
import struct
import subprocess
import wave

from PIL import Image

GPS_IFD = 0x8825


def photo(width: int = 800, height: int = 600, fmt: str = "JPEG", gps: bool = True, colour: str = "#8a6d3b") -> bytes:
    image = Image.new("RGB", (width, height), colour)
    for x in range(0, width, 40):  # something to see
        for y in range(height // 3, height // 3 + 20):
            image.putpixel((x, y), (255, 255, 255))
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"  # Make
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 13.0, 49.0), 3: "E", 4: (121.0, 28.0, 25.0)})
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes()) if fmt == "JPEG" else image.save(out, fmt)
    return out.getvalue()


def png_bomb(side: int = 20_000) -> bytes:
    """A small PNG whose header promises side × side pixels (400 million by default)."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()


def amr_noise(seconds: float = 1.0, seed: int = 13) -> bytes:
    """AMR-NB (12.2 kbit/s frames of random bits): decodes to noise, like a real voice message to a test."""
    rng = random.Random(seed)
    frames = int(seconds * 50)
    return b"#!AMR\n" + b"".join(b"\x3c" + bytes(rng.getrandbits(8) for _ in range(31)) for _ in range(frames))


def speex_ogg(seconds: float = 2.0) -> bytes:
    """A real Speex recording (wideband, 16 kHz, in Ogg) encoded by ffmpeg's libspeex from a WAV of `seconds`.
    (Debian's ffmpeg has this encoder; it has no AMR encoder, hence the AMR frames of random bits above.)"""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None, "the voice tests need ffmpeg (apt-get install ffmpeg)"
    done = subprocess.run(
        [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "wav",
            "-i",
            "pipe:0",
            "-c:a",
            "libspeex",
            "-f",
            "ogg",
            "pipe:1",
        ],
        input=wav(seconds),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith(b"OggS"), done.stderr.decode(errors="replace")
    return done.stdout


def wav(seconds: float = 1.0, silent: bool = False, rate: int = 16_000) -> bytes:
    rng = random.Random(7)
    samples = [0 if silent else rng.randint(-8000, 8000) for _ in range(int(seconds * rate))]
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return out.getvalue()
