package panface.nn.lafs;

import panface.nn.Module;

/**
 * A container that only names its members, so that state-dict keys follow the reference's nesting
 * (PyTorch Sequentials whose parameter-free entries still take an index, wrapper modules such as
 * PreNorm and Residual); its owner calls the members itself.
 */
final class Keys extends Module {
    <M extends Module> M put(String name, M m) {
        return child(name, m);
    }
}
