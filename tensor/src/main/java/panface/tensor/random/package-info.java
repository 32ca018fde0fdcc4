/**
 * Philox 4x32-10 counter-based random numbers ({@link panface.tensor.random.Philox}), the same
 * stream on the CPU and the GPU, and the {@link panface.tensor.random.Generator} (seed and offset)
 * that ops draw from and that can be forked per use.
 */
package panface.tensor.random;
