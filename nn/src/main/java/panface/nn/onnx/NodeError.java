package panface.nn.onnx;

/**
 * A node the importer cannot run as written (an unsupported operator, attribute or value, or an
 * input that does not fit): the loader turns it into a WeightFileException naming the file, the node,
 * its operator and the opset; at run time it names the node.
 */
final class NodeError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NodeError(String message) {
        super(message);
    }
}
