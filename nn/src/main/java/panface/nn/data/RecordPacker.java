package panface.nn.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntConsumer;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import panface.nn.infer.RgbDecoder;

/**
 * Writes a {@link FaceDataset} as an insightface training set: {@code .rec}, {@code .idx} and a
 * {@code property} file ("classes,height,width") in the {@code .rec}'s folder, laid out as
 * insightface's RecBuilder does. Key 0 is the header record (flag 2, labels
 * [firstIdentityKey, endIdentityKey], id 0, id2 1, no image); keys 1..N are the images grouped
 * by identity in ascending label order (flag 0, scalar label, id = key, id2 = 0); keys N+1 ..
 * N+C hold each identity's image keys [first, end) (flag 2, id = key). A JPEG that already has
 * the target size is stored as it is; other images are decoded, resized bilinearly and encoded
 * as JPEG.
 */
public final class RecordPacker {
    private final int size;
    private final float quality;

    /** Images of size x size pixels; JPEG quality in (0, 1] for re-encoded images (insightface's tools: 0.95). */
    public RecordPacker(int size, float quality) {
        if (size <= 0 || !(quality > 0 && quality <= 1)) {
            throw new IllegalArgumentException("size must be positive and quality in (0, 1]");
        }
        this.size = size;
        this.quality = quality;
    }

    /** What was written. */
    public record Summary(int images, int classes, int reencoded, long splitRecords, long bytes) {
    }

    /** Packs {@code data} into {@code rec}; {@code progress} receives the number of images done. */
    public Summary pack(FaceDataset data, Path rec, IntConsumer progress) throws IOException {
        int n = data.size();
        int classes = data.numClasses();
        Integer[] order = new Integer[n];
        long[] labels = new long[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int reencoded = 0;
        long[] firstKey = new long[classes];
        long[] endKey = new long[classes];
        java.util.Arrays.fill(firstKey, -1);
        try (RecordIoWriter w = RecordIoWriter.create(rec); RgbDecoder decoder = new RgbDecoder()) {
            long idStart = n + 1L;
            long idEnd = idStart + classes;
            w.write(0, ImageRecord.array(new float[] {idStart, idEnd}, 0, 1, new byte[0]).pack());
            // sort by label, stably, so identities are contiguous and ascending
            for (int i = 0; i < n; i++) {
                labels[i] = label(data, i);
            }
            java.util.Arrays.sort(order, (a, b) -> Long.compare(labels[a], labels[b]));
            for (int j = 0; j < n; j++) {
                int i = order[j];
                FaceDataset.EncodedSample s = data.read(i);
                byte[] jpeg = s.image();
                if (!isJpegOfSize(decoder, jpeg, data.describe(i))) {
                    jpeg = reencode(decoder, jpeg, data.describe(i));
                    reencoded++;
                }
                long key = j + 1L;
                int c = (int) s.label();
                if (firstKey[c] < 0) {
                    firstKey[c] = key;
                }
                endKey[c] = key + 1;
                w.write(key, ImageRecord.scalar(c, key, 0, jpeg).pack());
                progress.accept(j + 1);
            }
            for (int c = 0; c < classes; c++) {
                long key = idStart + c;
                float first = firstKey[c] < 0 ? 0 : firstKey[c];
                float end = firstKey[c] < 0 ? 0 : endKey[c];
                w.write(key, ImageRecord.array(new float[] {first, end}, key, 0, new byte[0]).pack());
            }
            Files.writeString(rec.resolveSibling("property"), classes + "," + size + "," + size + "\n", StandardCharsets.US_ASCII);
            return new Summary(n, classes, reencoded, w.splitRecords(), w.position());
        }
    }

    private static long label(FaceDataset data, int i) throws IOException {
        if (data instanceof ImageFolderDataset folder) {
            return folder.label(i);
        }
        return data.read(i).label();
    }

    private boolean isJpegOfSize(RgbDecoder decoder, byte[] img, String what) throws IOException {
        if (img.length < 3 || (img[0] & 0xFF) != 0xFF || (img[1] & 0xFF) != 0xD8) {
            return false;
        }
        RgbDecoder.Rgb rgb = decoder.decode(img, what);
        return rgb.width() == size && rgb.height() == size;
    }

    private byte[] reencode(RgbDecoder decoder, byte[] img, String what) throws IOException {
        RgbDecoder.Rgb rgb = decoder.decode(img, what);
        Image im = Image.fromInterleaved(rgb.pixels(), rgb.width(), rgb.height(), false);
        Resize.resize(im, size, size);
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_3BYTE_BGR);
        float[] d = im.data();
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int i = y * size + x;
                int r = Math.round(Augmentations.clamp(d[i]));
                int g = Math.round(Augmentations.clamp(d[plane + i]));
                int b = Math.round(Augmentations.clamp(d[2 * plane + i]));
                out.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(ios);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            writer.write(null, new IIOImage(out, null, null), p);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
