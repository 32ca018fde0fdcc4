/**
 * The nn module's golden-case ops (layers, models, LAFS pieces), registered with the tensor
 * module's golden runner.
 */
package panface.nn.golden;
