package panface.bench.jmh;

import panface.tensor.Scope;

/** Base of the benchmark states: a scope that owns the inputs for the whole trial. */
abstract class State {
    private Scope scope;

    void open() {
        scope = Scope.open();
    }

    void close() {
        if (scope != null) {
            scope.close();
            scope = null;
        }
    }
}
