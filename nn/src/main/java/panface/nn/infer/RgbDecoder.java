package panface.nn.infer;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

import panface.nativebindings.turbojpeg.TurboJpeg;

/**
 * Decodes encoded images (JPEG, PNG, ...) to 8-bit RGB pixels in row-major HWC order, with the
 * same pixel rules and guards as {@link FaceImages#decode} (stored values as OpenCV reads them,
 * gray replicated, CMYK converted, a pixel limit, damaged data refused). JPEGs are decoded with
 * libjpeg-turbo's TurboJPEG library when it is installed (the decoder OpenCV and PIL use; several
 * times faster than javax.imageio's), else, and for CMYK JPEGs and other formats, with
 * javax.imageio. One instance keeps its decoders (one image reader per format, a TurboJPEG
 * handle) and reuses them, which a data loader decoding thousands of small images a second needs;
 * an instance is therefore not thread-safe: use one per thread.
 */
public final class RgbDecoder implements AutoCloseable {
    /**
     * Decoded pixels: {@code pixels[(y * width + x) * 3 + c]} is channel c (0 = R, 1 = G, 2 = B) of
     * pixel (x, y), 0..255 as unsigned bytes.
     */
    public record Rgb(byte[] pixels, int width, int height) {
    }

    /** The system property that, when "false", decodes JPEGs with javax.imageio even where libturbojpeg is installed. */
    public static final String TURBOJPEG_PROPERTY = "panface.image.turbojpeg";
    private static final boolean TURBO = !"false".equalsIgnoreCase(System.getProperty(TURBOJPEG_PROPERTY)) && TurboJpeg.available();

    private final Map<String, ImageReader> readers = new HashMap<>();
    private TurboJpeg turbo;
    private final long maxPixels = FaceImages.maxPixels();
    private final boolean acceptDamaged = Boolean.getBoolean(FaceImages.ACCEPT_DAMAGED_PROPERTY);

    /** A decoder with no readers or TurboJPEG handle yet; each is opened on first use. */
    public RgbDecoder() {
    }

    /** Decodes {@code encoded}; {@code what} names its source in messages. */
    public Rgb decode(byte[] encoded, String what) throws IOException {
        if (TURBO && "jpeg".equals(sniff(encoded))) {
            Rgb rgb = decodeTurbo(encoded, what);
            if (rgb != null) {
                return rgb;
            }
        }
        ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded));
        try (in) {
            ImageReader reader = readerFor(encoded, in, what);
            BufferedImage img = ImageDecoder.decode(reader, in, what, maxPixels, acceptDamaged);
            return new Rgb(rgb(img), img.getWidth(), img.getHeight());
        }
    }

    /** Whether JPEGs are decoded with libjpeg-turbo (installed, and not switched off with {@value #TURBOJPEG_PROPERTY}). */
    public static boolean usesTurboJpeg() {
        return TURBO;
    }

    /** The pixels, or null for a JPEG that TurboJPEG cannot convert to RGB (CMYK), which javax.imageio then decodes. */
    private Rgb decodeTurbo(byte[] jpeg, String what) throws IOException {
        if (turbo == null) {
            turbo = new TurboJpeg();
        }
        try {
            TurboJpeg.Header h = turbo.header(jpeg);
            if (!h.rgbDecodable()) {
                return null;
            }
            if (h.width() <= 0 || h.height() <= 0) {
                throw new IOException(what + ": the image declares " + h.width() + " x " + h.height() + " pixels");
            }
            long pixels = (long) h.width() * h.height();
            if (pixels > maxPixels) {
                throw new IOException(String.format(Locale.ROOT,
                        "%s: the image is %d x %d = %,d pixels, more than the limit of %,d (system property %s)", what, h.width(), h.height(),
                        pixels, maxPixels, FaceImages.MAX_PIXELS_PROPERTY));
            }
            return new Rgb(turbo.decodeRgb(jpeg, h, acceptDamaged), h.width(), h.height());
        } catch (TurboJpeg.DecodeException e) {
            throw new IOException(what + (e.warning() ? ": damaged JPEG data (" + e.getMessage() + "): a truncated or corrupt file; system property "
                    + FaceImages.ACCEPT_DAMAGED_PROPERTY + "=true accepts it as the decoder repaired it" : ": " + e.getMessage()), e);
        }
    }

    private ImageReader readerFor(byte[] encoded, ImageInputStream in, String what) throws IOException {
        String format = sniff(encoded);
        ImageReader reader = format == null ? null : readers.get(format);
        if (reader != null) {
            return reader;
        }
        Iterator<ImageReader> it = ImageIO.getImageReaders(in);
        if (!it.hasNext()) {
            throw new IOException(what + ": not a readable image (" + encoded.length + " bytes, format not recognised)");
        }
        reader = it.next();
        if (format != null) {
            readers.put(format, reader);
        }
        return reader;
    }

    /** The formats whose readers are kept, recognised by their first bytes. */
    private static String sniff(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return "jpeg";
        }
        if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "png";
        }
        return null;
    }

    /** The stored RGB values; 8-bit interleaved BGR and gray rasters (what JPEGs decode to) are copied directly. */
    static byte[] rgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        Raster r = img.getRaster();
        int type = img.getType();
        if ((type == BufferedImage.TYPE_3BYTE_BGR || type == BufferedImage.TYPE_BYTE_GRAY)
                && r.getDataBuffer() instanceof DataBufferByte db && db.getNumBanks() == 1
                && r.getSampleModel() instanceof ComponentSampleModel sm && r.getParent() == null) {
            byte[] src = db.getData();
            int stride = sm.getScanlineStride();
            int pixelStride = sm.getPixelStride();
            int base = db.getOffset();
            int[] bandOffsets = sm.getBandOffsets();
            int o = 0;
            if (type == BufferedImage.TYPE_BYTE_GRAY) {
                for (int y = 0; y < h; y++) {
                    int s = base + y * stride + bandOffsets[0];
                    for (int x = 0; x < w; x++, s += pixelStride) {
                        byte v = src[s];
                        out[o++] = v;
                        out[o++] = v;
                        out[o++] = v;
                    }
                }
            } else {
                int ro = bandOffsets[0];
                int go = bandOffsets[1];
                int bo = bandOffsets[2];
                for (int y = 0; y < h; y++) {
                    int s = base + y * stride;
                    for (int x = 0; x < w; x++, s += pixelStride) {
                        out[o++] = src[s + ro];
                        out[o++] = src[s + go];
                        out[o++] = src[s + bo];
                    }
                }
            }
            return out;
        }
        StoredRgb px = new StoredRgb(img);
        int o = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = px.rgb(x, y);
                out[o++] = (byte) (v >> 16);
                out[o++] = (byte) (v >> 8);
                out[o++] = (byte) v;
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (turbo != null) {
            turbo.close();
            turbo = null;
        }
        for (ImageReader r : readers.values()) {
            r.dispose();
        }
        readers.clear();
    }
}
