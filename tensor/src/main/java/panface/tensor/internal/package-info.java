/**
 * Helpers shared inside the tensor module; not part of the API, and not exported.
 */
package panface.tensor.internal;
