/**
 * The rows family, the CPU side of {@code rows.cu} (softmax, layer norm) and {@code reduce.cu}
 * (sum, max, min, product, argmax, argmin over dimensions): ops that work along rows of the trailing dimensions.
 *
 * <p>The reference is {@code RowsReference} (double copies, the specification); the fast kernel is
 * {@code VecRows} (float32 Vector API loops, row by row, with {@code ColumnSums} for sums over
 * leading dimensions).
 */
package panface.tensor.cpu.rows;
