/**
 * Optimizers over parameter groups (AdamW, SGD with momentum), learning-rate schedules, gradient
 * clipping, layer-wise learning-rate decay and the exponential moving average of a model's weights.
 */
package panface.nn.optim;
