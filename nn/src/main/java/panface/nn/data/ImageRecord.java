package panface.nn.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One MXNet image record ({@code mx.recordio.pack}/{@code unpack}): the 24-byte IRHeader
 * ({@code uint32 flag, float32 label, uint64 id, uint64 id2}, little-endian), then {@code flag}
 * float32 labels when flag is positive, then the encoded image (possibly empty). With flag 0 the
 * label is the header's scalar; otherwise {@link #labels} holds the array and the header's scalar
 * is 0.
 *
 * @param flag   number of float32 labels after the header (0 = scalar label)
 * @param label  the scalar label (meaningful when flag is 0)
 * @param id     the first id field (the record's key in insightface's files)
 * @param id2    the second id field
 * @param labels the label array (empty when flag is 0)
 * @param image  the encoded image bytes (empty for header and identity records)
 */
public record ImageRecord(int flag, float label, long id, long id2, float[] labels, byte[] image) {
    /** Size of the IRHeader in bytes. */
    public static final int HEADER_BYTES = 24;

    /** A record with a scalar label. */
    public static ImageRecord scalar(float label, long id, long id2, byte[] image) {
        return new ImageRecord(0, label, id, id2, new float[0], image);
    }

    /** A record with a label array (flag = its length, scalar label 0). */
    public static ImageRecord array(float[] labels, long id, long id2, byte[] image) {
        return new ImageRecord(labels.length, 0f, id, id2, labels.clone(), image);
    }

    /** The class label insightface uses: the scalar, or the first array element. */
    public float classLabel() {
        return flag > 0 ? labels[0] : label;
    }

    /**
     * Parses a payload; throws IllegalArgumentException when it is shorter than its header says
     * (the caller adds the file, key and offset).
     */
    public static ImageRecord unpack(byte[] payload) {
        if (payload.length < HEADER_BYTES) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes is shorter than the 24-byte image-record header");
        }
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        int flag = b.getInt(0);
        float label = b.getFloat(4);
        long id = b.getLong(8);
        long id2 = b.getLong(16);
        long labelBytes = 4L * Integer.toUnsignedLong(flag);
        if (HEADER_BYTES + labelBytes > payload.length) {
            throw new IllegalArgumentException("the image-record header declares " + Integer.toUnsignedLong(flag)
                    + " float32 labels but only " + (payload.length - HEADER_BYTES) + " bytes follow the header");
        }
        float[] labels = new float[flag];
        for (int i = 0; i < flag; i++) {
            labels[i] = b.getFloat(HEADER_BYTES + 4 * i);
        }
        int start = (int) (HEADER_BYTES + labelBytes);
        byte[] image = new byte[payload.length - start];
        System.arraycopy(payload, start, image, 0, image.length);
        return new ImageRecord(flag, label, id, id2, labels, image);
    }

    /** The payload bytes, as {@code mx.recordio.pack} writes them. */
    public byte[] pack() {
        byte[] out = new byte[HEADER_BYTES + 4 * labels.length + image.length];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(labels.length).putFloat(flag > 0 ? 0f : label).putLong(id).putLong(id2);
        for (float v : labels) {
            b.putFloat(v);
        }
        b.put(image);
        return out;
    }
}
