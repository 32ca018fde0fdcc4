/**
 * The differentiable ops, grouped by family (elementwise, reductions, views, indexing, joining,
 * linear algebra, normalization, convolution, pooling, attention, softmax, sorting, regularization):
 * each op checks its arguments, asks the tensor's backend for the forward kernel and records a
 * {@link panface.tensor.autograd.Node} whose {@code backward} sits right below the forward in the
 * same file. {@link panface.tensor.F} and {@link panface.tensor.Tensor} are thin entry points onto
 * these classes.
 */
package panface.tensor.ops;
