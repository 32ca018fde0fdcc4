package panface.nn.data;

import java.io.IOException;

/**
 * A labelled set of encoded face images, addressed by sample index in [0, size). Reads may
 * happen from several threads at once.
 */
public interface FaceDataset extends AutoCloseable {
    /** Number of samples. */
    int size();

    /** Identities: every label is in [0, numClasses). */
    int numClasses();

    /** The i-th sample's label and encoded image bytes. */
    EncodedSample read(int i) throws IOException;

    /** Names sample i in messages (the file, and where in it). */
    default String describe(int i) {
        return "sample " + i;
    }

    /** Releases the files. */
    @Override
    void close() throws IOException;

    /** One sample as stored: its identity and the encoded image (JPEG, PNG, ...). */
    record EncodedSample(long label, byte[] image) {
    }
}
