package panface.tensor.golden;

import java.util.Map;

/**
 * A provider of golden ops, found with {@link java.util.ServiceLoader}: each module registers the
 * ops it implements (the tensor module the tensor ops, nn the models, faceloss the losses), with
 * {@code provides} in its module-info and in {@code META-INF/services} for class-path runs.
 */
public interface GoldenOps {

    /** Ops by schema name. */
    Map<String, GoldenOp> ops();
}
