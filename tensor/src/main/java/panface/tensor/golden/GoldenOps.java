package panface.tensor.golden;

import java.util.Map;

/**
 * A provider of golden ops, found with {@link java.util.ServiceLoader}: each module registers the
 * ops it implements (the tensor module the tensor ops, nn the models, faceloss the losses).
 */
public interface GoldenOps {

    /** Ops by schema name. */
    Map<String, GoldenOp> ops();
}
