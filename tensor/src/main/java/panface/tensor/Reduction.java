package panface.tensor;

/** How a per-sample loss is reduced. */
public enum Reduction {
    /** mean over samples */
    MEAN,
    /** sum over samples */
    SUM,
    /** one loss per sample */
    NONE
}
