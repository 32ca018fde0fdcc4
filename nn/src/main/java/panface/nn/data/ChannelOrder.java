package panface.nn.data;

/**
 * The channel order the loader puts in a batch. MXNet and insightface decode a record's JPEG as
 * RGB and train on that ({@link #RGB}). Some datasets were encoded from arrays whose channels
 * were already swapped (MS1MV3's .rec holds BGR-ordered images, WebFace4M's RGB, per the LAFS
 * README): a model trained on them as decoded sees BGR. {@link #BGR} swaps the first and third
 * channel after decoding, so train and evaluation can be made to agree.
 */
public enum ChannelOrder {
    /** The decoded order (R, G, B of the stored image), as MXNet's imdecode. */
    RGB,
    /** The first and third channel swapped. */
    BGR
}
