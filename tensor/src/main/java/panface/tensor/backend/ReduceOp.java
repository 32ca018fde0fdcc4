package panface.tensor.backend;

/** Reductions over a set of dimensions. ARGMAX and ARGMIN reduce one dimension and produce I64. */
public enum ReduceOp {
    SUM, MAX, MIN, PROD, ARGMAX, ARGMIN
}
