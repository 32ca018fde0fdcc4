/** Modules, inference plans, layers, face models, optimizers, weight I/O and the embedding API. */
package panface.nn;
