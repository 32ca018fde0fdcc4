package panface.nn.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The face images of an MXNet {@code .rec}/{@code .idx} pair, as insightface's
 * {@code MXFaceDataset} sees them. When record 0 is a header (flag 2, label
 * {@code [firstIdentityKey, endIdentityKey]}, no image) the images are the keys between 1 and the
 * first identity key (the identity records after them are skipped); otherwise (an im2rec file)
 * every key of the index is an image, in index order. A sample's class is the record's scalar
 * label, or the first element of its label array.
 *
 * <p>Because the header's keys are float32, a file with more than 2^24 images can have a first
 * identity key off by one; it is checked against the records on either side of it and corrected.
 * The number of classes comes from the {@code property} file beside the {@code .rec}
 * ("classes,height,width") when there is one, else from the header's identity records, else from
 * a pass over every record's label.
 */
public final class RecordDataset implements FaceDataset {
    private final RecordIoReader reader;
    private final long[] keys;
    private final long[] offsets;
    private final int numClasses;
    private final boolean header;

    private RecordDataset(RecordIoReader reader, long[] keys, long[] offsets, int numClasses, boolean header) {
        this.reader = reader;
        this.keys = keys;
        this.offsets = offsets;
        this.numClasses = numClasses;
        this.header = header;
    }

    /** Opens {@code rec} with its {@code .idx} and (optional) {@code property} beside it. */
    public static RecordDataset open(Path rec) throws IOException {
        RecordIoReader reader = RecordIoReader.open(rec);
        try {
            return open(reader);
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    private static RecordDataset open(RecordIoReader reader) throws IOException {
        RecordIndex idx = reader.index();
        ImageRecord first = idx.contains(0) ? record(reader, 0) : null;
        long[] keys;
        int fromHeader = -1;
        boolean isHeader = first != null && first.flag() == 2 && first.image().length == 0;
        if (isHeader) {
            long a = (long) first.labels()[0];
            long b = (long) first.labels()[1];
            a = correctFirstIdentity(reader, a);
            if (a < 1 || b < a) {
                throw new RecordIoException(reader.file(), 0, idx.offset(idx.positionOf(0)), "header record declares identity keys ["
                        + first.labels()[0] + ", " + first.labels()[1] + ")");
            }
            if (b - a <= Integer.MAX_VALUE) {
                fromHeader = (int) (b - a);
            }
            int n = 0;
            keys = new long[idx.size()];
            for (int i = 0; i < idx.size(); i++) {
                long k = idx.key(i);
                if (k >= 1 && k < a) {
                    keys[n++] = k;
                }
            }
            keys = Arrays.copyOf(keys, n);
        } else {
            keys = new long[idx.size()];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = idx.key(i);
            }
        }
        long[] offsets = new long[keys.length];
        for (int i = 0; i < keys.length; i++) {
            offsets[i] = idx.offset(idx.positionOf(keys[i]));
        }
        int classes = property(reader.file());
        if (classes < 0) {
            classes = fromHeader;
        }
        RecordDataset ds = new RecordDataset(reader, keys, offsets, Math.max(classes, 0), isHeader);
        if (classes < 0) {
            return new RecordDataset(reader, keys, offsets, ds.scanClasses(), isHeader);
        }
        return ds;
    }

    /** Moves a float32-rounded first identity key onto the boundary between image and identity records. */
    private static long correctFirstIdentity(RecordIoReader reader, long a) throws IOException {
        for (int step = 0; step < 4 && reader.contains(a) && isImage(record(reader, a)); step++) {
            a++;
        }
        for (int step = 0; step < 4 && a > 1 && reader.contains(a - 1) && !isImage(record(reader, a - 1)); step++) {
            a--;
        }
        return a;
    }

    private static boolean isImage(ImageRecord r) {
        return r.image().length > 0;
    }

    private static ImageRecord record(RecordIoReader reader, long key) throws IOException {
        byte[] payload = reader.read(key);
        try {
            return ImageRecord.unpack(payload);
        } catch (IllegalArgumentException e) {
            RecordIndex idx = reader.index();
            throw new RecordIoException(reader.file(), key, idx.offset(idx.positionOf(key)), e.getMessage());
        }
    }

    /** The class count of the property file beside {@code rec}, or -1 when there is none. */
    private static int property(Path rec) throws IOException {
        Path p = rec.resolveSibling("property");
        String name = rec.getFileName().toString();
        if (name.endsWith(".rec") && !Files.exists(p)) {
            p = rec.resolveSibling(name.substring(0, name.length() - 4) + ".property");
        }
        if (!Files.isRegularFile(p)) {
            return -1;
        }
        String line = Files.readString(p, StandardCharsets.US_ASCII).strip().split("\\R", 2)[0];
        String[] parts = line.split(",");
        try {
            int n = Integer.parseInt(parts[0].strip());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException(p + ": expected 'classes,height,width', got '" + line + "'");
    }

    private int scanClasses() throws IOException {
        long max = -1;
        for (int i = 0; i < keys.length; i++) {
            max = Math.max(max, read(i).label());
        }
        return (int) (max + 1);
    }

    /** Whether the file starts with insightface's header record (else it is an im2rec file). */
    public boolean hasHeader() {
        return header;
    }

    /** The record key of sample i. */
    public long key(int i) {
        return keys[i];
    }

    public RecordIoReader reader() {
        return reader;
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public EncodedSample read(int i) throws IOException {
        byte[] payload = reader.readAt(keys[i], offsets[i]);
        ImageRecord r;
        try {
            r = ImageRecord.unpack(payload);
        } catch (IllegalArgumentException e) {
            throw new RecordIoException(reader.file(), keys[i], offsets[i], e.getMessage());
        }
        float label = r.classLabel();
        long cls = (long) label;
        if (cls != label || cls < 0 || (numClasses > 0 && cls >= numClasses)) {
            throw new RecordIoException(reader.file(), keys[i], offsets[i], "label " + label + " is not a class in [0, "
                    + numClasses + ")");
        }
        if (r.image().length == 0) {
            throw new RecordIoException(reader.file(), keys[i], offsets[i], "the record holds no image");
        }
        return new EncodedSample(cls, r.image());
    }

    /** The file, record key and byte offset of sample i. */
    @Override
    public String describe(int i) {
        return reader.file() + ": record with key " + keys[i] + ", byte offset " + offsets[i];
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
