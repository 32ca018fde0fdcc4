package panface.nn.onnx;

/**
 * One node of the graph as it runs: the kernel, the slots it reads and writes, and whether its
 * outputs depend only on the inputs' shapes (Shape and arithmetic on shapes and constants), so
 * that they are computed once per input shape and then reused.
 */
record Step(String name, String op, int[] in, int[] out, Kernel kernel, boolean shapeOnly) {
    /** "node 'name' (Op)" for messages. */
    String describe() {
        return "node '" + name + "' (" + op + ")";
    }
}
