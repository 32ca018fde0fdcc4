package panface.nn.infer;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * The 8-bit R, G, B values of a decoded image's pixels as OpenCV's {@code imread(IMREAD_COLOR)}
 * gives them (the reader of insightface's training and evaluation data), read from the raster
 * with no colour management. {@link BufferedImage#getRGB} would instead convert from the image's
 * colour space to sRGB: a gray PNG or JPEG is a linear-gray image to Java 2D, so getRGB raises its
 * gray levels with the sRGB curve, and a CMYK JPEG goes through a profile conversion. Rules:
 * <ul>
 * <li>gray: R = G = B = the stored value;</li>
 * <li>palette: the palette entry;</li>
 * <li>RGB in any colour space (sRGB, linear, an embedded ICC profile): the stored values;</li>
 * <li>more than 8 bits per sample: the top 8 bits (libpng's strip-16, as OpenCV; PIL instead
 * clips 16-bit gray at 255); fewer than 8: scaled to 0..255 (v * 255 / (2^bits - 1), libpng's
 * expansion of 1, 2 and 4-bit gray);</li>
 * <li>alpha is ignored (not composited), as OpenCV and PIL's convert("RGB") do; premultiplied
 * colours are divided by alpha first;</li>
 * <li>CMYK (Java 2D holds ink amounts, 0 = no ink, for every 4-channel JPEG, Adobe-inverted or
 * YCCK alike): OpenCV's conversion of the stored (inverted) bytes c' = 255 - c and k' = 255 - k,
 * R = k' - ((255 - c') * k' >> 8); PIL's (255 - c)(255 - k) / 255 differs by less than two levels;</li>
 * <li>anything else (other colour spaces, floating-point samples): Java 2D's conversion to sRGB.</li>
 * </ul>
 */
final class StoredRgb {
    private enum Kind { INDEXED, GRAY, RGB, CMYK, OTHER }

    private final BufferedImage image;
    private final Raster raster;
    private final ColorModel cm;
    private final Kind kind;
    private final int[] bits;
    private final int alphaBand;

    StoredRgb(BufferedImage image) {
        this.image = image;
        this.raster = image.getRaster();
        this.cm = image.getColorModel();
        this.kind = kindOf(cm);
        this.bits = cm.getComponentSize();
        this.alphaBand = cm.hasAlpha() ? cm.getNumColorComponents() : -1;
    }

    private static Kind kindOf(ColorModel cm) {
        if (cm instanceof IndexColorModel) {
            return Kind.INDEXED;
        }
        int transfer = cm.getTransferType();
        boolean integral = transfer == DataBuffer.TYPE_BYTE || transfer == DataBuffer.TYPE_USHORT || transfer == DataBuffer.TYPE_INT;
        ColorSpace cs = cm.getColorSpace();
        if (!integral) {
            return Kind.OTHER;
        }
        if (cs.getType() == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
            return Kind.GRAY;
        }
        if (cs.getType() == ColorSpace.TYPE_RGB && cm.getNumColorComponents() == 3) {
            return Kind.RGB;
        }
        if (cs.getType() == ColorSpace.TYPE_CMYK && cm.getNumColorComponents() == 4) {
            return Kind.CMYK;
        }
        return Kind.OTHER;
    }

    int width() {
        return image.getWidth();
    }

    int height() {
        return image.getHeight();
    }

    /** The pixel's values packed as 0xRRGGBB. */
    int rgb(int x, int y) {
        switch (kind) {
            case INDEXED -> {
                int i = raster.getSample(x, y, 0);
                IndexColorModel icm = (IndexColorModel) cm;
                return icm.getRed(i) << 16 | icm.getGreen(i) << 8 | icm.getBlue(i);
            }
            case GRAY -> {
                int v = sample(x, y, 0);
                return v << 16 | v << 8 | v;
            }
            case RGB -> {
                return sample(x, y, 0) << 16 | sample(x, y, 1) << 8 | sample(x, y, 2);
            }
            case CMYK -> {
                int k = 255 - sample(x, y, 3);
                return cmyk(sample(x, y, 0), k) << 16 | cmyk(sample(x, y, 1), k) << 8 | cmyk(sample(x, y, 2), k);
            }
            default -> {
                return image.getRGB(x, y) & 0xFFFFFF;
            }
        }
    }

    /** One colour channel from its ink amount c and the stored black k' (OpenCV: k' - ((255 - c') * k' >> 8), 255 - c' = c). */
    private static int cmyk(int ink, int kStored) {
        return kStored - (ink * kStored >> 8);
    }

    /** A colour sample scaled to 0..255 (un-premultiplied when the model is premultiplied). */
    private int sample(int x, int y, int band) {
        int v = raster.getSample(x, y, band);
        if (alphaBand >= 0 && cm.isAlphaPremultiplied()) {
            int a = raster.getSample(x, y, alphaBand);
            long aMax = (1L << bits[alphaBand]) - 1;
            long vMax = (1L << bits[band]) - 1;
            v = a == 0 ? 0 : (int) Math.min(vMax, (v * aMax + a / 2) / a);
        }
        return to8(v, bits[band]);
    }

    static int to8(int v, int bits) {
        if (bits == 8) {
            return v;
        }
        if (bits > 8) {
            return v >>> (bits - 8);
        }
        int max = (1 << bits) - 1;
        return (v * 255 + max / 2) / max;
    }
}
