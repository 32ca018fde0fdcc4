package panface.nn.face;

import panface.nn.infer.RgbDecoder.Rgb;

/**
 * The EXIF orientation of a JPEG (tag 0x0112 of the first IFD in its APP1 "Exif" segment) and the
 * rotation or mirroring that shows the stored pixels upright, as cameras expect viewers to do.
 * Decoders return the stored pixels; a phone photo taken upright is often stored sideways.
 */
public final class ExifOrientation {
    private ExifOrientation() {
    }

    /** The orientation, 1 (upright) to 8; 1 when the data is not a JPEG, has no EXIF or an unreadable one. */
    public static int of(byte[] jpeg) {
        if (jpeg.length < 4 || (jpeg[0] & 0xFF) != 0xFF || (jpeg[1] & 0xFF) != 0xD8) {
            return 1;
        }
        int p = 2;
        while (p + 4 <= jpeg.length && (jpeg[p] & 0xFF) == 0xFF) {
            int marker = jpeg[p + 1] & 0xFF;
            if (marker == 0xDA || marker == 0xD9) {
                return 1;
            }
            int len = u16(jpeg, p + 2, true);
            if (len < 2) {
                return 1;
            }
            if (marker == 0xE1 && p + 4 + len - 2 <= jpeg.length && len >= 8 && jpeg[p + 4] == 'E' && jpeg[p + 5] == 'x'
                    && jpeg[p + 6] == 'i' && jpeg[p + 7] == 'f') {
                int o = fromTiff(jpeg, p + 10, p + 2 + len);
                if (o >= 1 && o <= 8) {
                    return o;
                }
            }
            p += 2 + len;
        }
        return 1;
    }

    private static int fromTiff(byte[] b, int t, int end) {
        if (t + 8 > end) {
            return 1;
        }
        boolean be;
        if (b[t] == 'M' && b[t + 1] == 'M') {
            be = true;
        } else if (b[t] == 'I' && b[t + 1] == 'I') {
            be = false;
        } else {
            return 1;
        }
        long ifd = u32(b, t + 4, be);
        if (ifd < 8 || t + ifd + 2 > end) {
            return 1;
        }
        int q = (int) (t + ifd);
        int count = u16(b, q, be);
        for (int i = 0; i < count; i++) {
            int e = q + 2 + 12 * i;
            if (e + 12 > end) {
                return 1;
            }
            if (u16(b, e, be) == 0x0112) {
                return u16(b, e + 8, be);
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int i, boolean be) {
        return be ? (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF) : (b[i + 1] & 0xFF) << 8 | (b[i] & 0xFF);
    }

    private static long u32(byte[] b, int i, boolean be) {
        return be ? (long) u16(b, i, true) << 16 | u16(b, i + 2, true) : (long) u16(b, i + 2, false) << 16 | u16(b, i, false);
    }

    /** The upright image for an orientation (the input itself for 1). */
    public static Rgb apply(Rgb img, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return img;
        }
        int w = img.width();
        int h = img.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        byte[] in = img.pixels();
        byte[] out = new byte[in.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; }
                }
                int s = (sy * w + sx) * 3;
                int d = (y * ow + x) * 3;
                out[d] = in[s];
                out[d + 1] = in[s + 1];
                out[d + 2] = in[s + 2];
            }
        }
        return new Rgb(out, ow, oh);
    }
}
