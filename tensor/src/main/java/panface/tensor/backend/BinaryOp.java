package panface.tensor.backend;

/** Elementwise binary operations on operands already broadcast to the output shape. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV,
    /** elementwise maximum; NaN propagates */
    MAX,
    /** elementwise minimum; NaN propagates */
    MIN,
    /** a^b */
    POW,
    /** comparisons produce BOOL */
    EQ, NE, LT, LE, GT, GE,
    /** logical and/or of booleans */
    AND, OR;

    /** True for the comparisons and logical operations (result BOOL, no gradient). */
    public boolean isPredicate() {
        return ordinal() >= EQ.ordinal();
    }
}
