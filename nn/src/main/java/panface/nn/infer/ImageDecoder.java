package panface.nn.infer;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes the first image of a stream with two guards the plain {@code ImageIO.read} lacks: the
 * dimensions are read from the header first and an image of more than a given number of pixels
 * is refused before anything is allocated (a small, highly compressed PNG can declare a size
 * that decodes to gigabytes), and the decoder's warnings (a JPEG cut short is filled with gray and
 * only a "premature end of data" warning tells) make the decode fail unless accepted.
 */
final class ImageDecoder {
    private ImageDecoder() {
    }

    /** Decodes; {@code what} names the source in messages. The stream is closed. */
    static BufferedImage decode(ImageInputStream in, String what, long maxPixels, boolean acceptWarnings) throws IOException {
        try (in) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException(what + ": not a readable image (format not recognised; supported: "
                        + String.join(", ", formats()) + ")");
            }
            ImageReader reader = readers.next();
            try {
                return decode(reader, in, what, maxPixels, acceptWarnings);
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * Decodes with a given reader, which callers may keep and reuse (looking a reader up and
     * disposing of it costs about as much as decoding a 112 x 112 JPEG); the reader's input is
     * reset, the stream is not closed.
     */
    static BufferedImage decode(ImageReader reader, ImageInputStream in, String what, long maxPixels, boolean acceptWarnings)
            throws IOException {
        reader.setInput(in, true, true);
        try {
            int w;
            int h;
            try {
                w = reader.getWidth(0);
                h = reader.getHeight(0);
            } catch (IOException | RuntimeException e) {
                throw new IOException(what + ": cannot read the " + reader.getFormatName() + " header: " + reason(e), e);
            }
            if (w <= 0 || h <= 0) {
                throw new IOException(what + ": the image declares " + w + " x " + h + " pixels");
            }
            long pixels = (long) w * h;
            if (pixels > maxPixels) {
                throw new IOException(String.format(Locale.ROOT,
                        "%s: the image is %d x %d = %,d pixels, more than the limit of %,d (system property %s)", what, w, h, pixels,
                        maxPixels, FaceImages.MAX_PIXELS_PROPERTY));
            }
            List<String> warnings = new ArrayList<>();
            IIOReadWarningListener listener = new IIOReadWarningListener() {
                @Override
                public void warningOccurred(ImageReader source, String warning) {
                    warnings.add(warning);
                }
            };
            reader.addIIOReadWarningListener(listener);
            BufferedImage img;
            try {
                img = reader.read(0);
            } catch (IOException | RuntimeException | OutOfMemoryError e) {
                throw new IOException(what + ": cannot decode the " + w + " x " + h + " " + reader.getFormatName() + " image: " + reason(e), e);
            } finally {
                reader.removeIIOReadWarningListener(listener);
            }
            if (!warnings.isEmpty() && !acceptWarnings) {
                throw new IOException(what + ": damaged " + reader.getFormatName() + " data (" + String.join("; ", warnings)
                        + "): a truncated or corrupt file; system property " + FaceImages.ACCEPT_DAMAGED_PROPERTY
                        + "=true accepts it as the decoder repaired it");
            }
            return img;
        } finally {
            reader.setInput(null);
        }
    }

    /** The message of an exception and of each cause (ImageIO wraps the real reason in messages like "Caught exception during read:"). */
    static String reason(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage().strip();
            if (t instanceof OutOfMemoryError) {
                m = "out of memory (" + m + ")";
            }
            if (!sb.isEmpty()) {
                sb.append(": ");
            }
            sb.append(m.endsWith(":") ? m.substring(0, m.length() - 1) : m);
        }
        return sb.toString();
    }

    private static List<String> formats() {
        List<String> names = new ArrayList<>();
        for (String n : ImageIO.getReaderFormatNames()) {
            String l = n.toLowerCase(Locale.ROOT);
            if (!names.contains(l)) {
                names.add(l);
            }
        }
        names.sort(null);
        return names;
    }
}
