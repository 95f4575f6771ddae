#!/usr/bin/env python3
"""Draw the MSR Lens toolbar icons (a lens ring with a check) as PNGs, no dependencies."""
import math
import struct
import sys
import zlib
from pathlib import Path


def png(size: int) -> bytes:
    rows = []
    c = size / 2
    outer, inner = size * 0.46, size * 0.30
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            dx, dy = x + 0.5 - c, y + 0.5 - c
            d = math.hypot(dx, dy)
            r = g = b = a = 0
            if d <= outer:
                r, g, b, a = 0x1F, 0x5F, 0xAF, 255  # ring: blue
                if d <= inner:
                    r, g, b, a = 0xF4, 0xF7, 0xFB, 255  # lens: light
                    # a check mark inside the lens
                    u, v = dx / inner, dy / inner
                    on_short = abs(v - (u + 0.1)) < 0.16 and -0.45 < u < -0.05
                    on_long = abs(v - (-1.1 * u + 0.0)) < 0.16 and -0.05 <= u < 0.5
                    if on_short or on_long:
                        r, g, b = 0x1E, 0x8E, 0x3E
            row += bytes([r, g, b, a])
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    for size in (16, 32, 48, 128):
        (out / f"icon-{size}.png").write_bytes(png(size))
