/**
 * The nn module's golden-case ops (layers, models, LAFS pieces), registered with the tensor
 * module's golden runner as services of the module. Not exported.
 */
package panface.nn.golden;
