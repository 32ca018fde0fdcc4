/**
 * Reverse-mode automatic differentiation, define by run: ops attach a
 * {@link panface.tensor.autograd.Node} to their result; {@link panface.tensor.autograd.Engine} walks
 * the graph in reverse topological order, accumulating into the gradients of leaves that require
 * them; {@link panface.tensor.autograd.GradMode} turns recording off in a scope;
 * {@link panface.tensor.autograd.GradCheck} compares any function's gradient with float64 finite
 * differences.
 */
package panface.tensor.autograd;
