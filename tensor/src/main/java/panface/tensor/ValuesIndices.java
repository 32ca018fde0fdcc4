package panface.tensor;

/**
 * The pair returned by sort and topk: the values and their I64 positions along the dimension.
 *
 * @param values  the selected or sorted values
 * @param indices their positions in the input (I64)
 */
public record ValuesIndices(Tensor values, Tensor indices) {
}
