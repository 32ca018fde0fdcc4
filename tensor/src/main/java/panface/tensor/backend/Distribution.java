package panface.tensor.backend;

/** Distributions a backend can fill a tensor from (Philox counter-based streams). */
public enum Distribution {
    /** uniform on [a, b) */
    UNIFORM,
    /** normal with mean a and standard deviation b */
    NORMAL,
    /** 1 with probability a, else 0 */
    BERNOULLI
}
