/**
 * The index family, the CPU side of {@code index.cu}: row selection and accumulation along a
 * dimension (index select, index add), gather and scatter-add, and sorting, top-k and sorted search.
 *
 * <p>The reference is {@code IndexReference} (double copies); the fast kernel is
 * {@code IndexKernels}, which checks the indices, runs its float32 loops where the operands allow
 * and hands the rest to the reference (its rows in the kernel table say "in kernel").
 * {@code SortKernels} has no separate reference: one comparison-based kernel serves every dtype.
 */
package panface.tensor.cpu.index;
