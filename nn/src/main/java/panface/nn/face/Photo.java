package panface.nn.face;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import panface.nn.infer.RgbDecoder;
import panface.nn.infer.RgbDecoder.Rgb;

/**
 * A photo ready for detection: decoded (JPEG, PNG, ...; gray and CMYK as {@link RgbDecoder} reads
 * them), turned upright by its EXIF orientation, and, when its longer side exceeds a limit,
 * downscaled once by area averaging so that no more than the decoded image and the smaller copy are
 * held at a time. {@code scale} maps the pixels back to the original: original = pixels * scale.
 *
 * @param pixels the (possibly downscaled) upright image
 * @param scale  original pixels per pixel here (1 when not downscaled)
 */
public record Photo(Rgb pixels, float scale) {
    /** The default longest side kept: larger photos are downscaled before detection and alignment. */
    public static final int DEFAULT_MAX_SIDE = 4096;

    /** Reads a photo file with the default size limit. */
    public static Photo read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a folder, not a photo");
        }
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException(file + ": permission denied", e);
        }
        if (data.length == 0) {
            throw new IOException(file + ": empty file, not a photo");
        }
        return decode(data, file.toString(), DEFAULT_MAX_SIDE);
    }

    /** Decodes an encoded photo; {@code what} names it in errors. */
    public static Photo decode(byte[] encoded, String what, int maxSide) throws IOException {
        Rgb rgb;
        try (RgbDecoder d = new RgbDecoder()) {
            rgb = d.decode(encoded, what);
        }
        rgb = ExifOrientation.apply(rgb, ExifOrientation.of(encoded));
        return of(rgb, maxSide);
    }

    /** A decoded upright image, downscaled when its longer side exceeds maxSide. */
    public static Photo of(Rgb rgb, int maxSide) {
        int side = Math.max(rgb.width(), rgb.height());
        if (side <= maxSide) {
            return new Photo(rgb, 1f);
        }
        int f = (side + maxSide - 1) / maxSide;
        return new Photo(shrink(rgb, f), f);
    }

    /** Averages f x f blocks (the last row and column of blocks may be partial). */
    static Rgb shrink(Rgb img, int f) {
        int w = img.width();
        int h = img.height();
        int ow = (w + f - 1) / f;
        int oh = (h + f - 1) / f;
        byte[] in = img.pixels();
        byte[] out = new byte[ow * oh * 3];
        int[] sum = new int[ow * 3];
        int[] cnt = new int[ow];
        for (int oy = 0; oy < oh; oy++) {
            java.util.Arrays.fill(sum, 0);
            java.util.Arrays.fill(cnt, 0);
            for (int y = oy * f; y < Math.min(h, oy * f + f); y++) {
                int r = y * w * 3;
                for (int x = 0; x < w; x++) {
                    int ox = x / f;
                    sum[ox * 3] += in[r + x * 3] & 0xFF;
                    sum[ox * 3 + 1] += in[r + x * 3 + 1] & 0xFF;
                    sum[ox * 3 + 2] += in[r + x * 3 + 2] & 0xFF;
                    cnt[ox]++;
                }
            }
            for (int ox = 0; ox < ow; ox++) {
                for (int c = 0; c < 3; c++) {
                    out[(oy * ow + ox) * 3 + c] = (byte) ((sum[ox * 3 + c] + cnt[ox] / 2) / cnt[ox]);
                }
            }
        }
        return new Rgb(out, ow, oh);
    }
}
