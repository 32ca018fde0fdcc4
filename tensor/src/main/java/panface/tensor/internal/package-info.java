/**
 * Helpers shared inside the tensor module; not part of the API.
 */
package panface.tensor.internal;
