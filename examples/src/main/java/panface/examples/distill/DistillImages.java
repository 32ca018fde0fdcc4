package panface.examples.distill;

/**
 * A fixed set of face images addressed by index, as the distillation loop reads them: the
 * images' identities are not used. Being fixed (no random augmentation inside), the teacher's
 * embedding of image i never changes, which is what lets {@link TeacherCache} compute it once.
 */
public interface DistillImages {
    /** Number of images. */
    int size();

    /** Image height and width (square). */
    int side();

    /** Writes images idx[0..n) as (n, 3, side, side) values in [-1, 1] into out. */
    void fill(int[] idx, float[] out);
}
