import panface.tensor.golden.GoldenOps;

/**
 * Modules, layers, face models, optimizers, datasets, evaluation, weight and ONNX I/O, and the
 * inference API. The ONNX message classes generated from {@code onnx.proto} and the golden-case ops
 * stay inside. protobuf-java is an automatic module (it names itself in its manifest).
 */
@SuppressWarnings("requires-automatic")
module panface.nn {
    requires transitive panface.tensor;
    requires panface.nativebindings;
    requires transitive java.desktop;
    requires com.google.protobuf;

    exports panface.nn;
    exports panface.nn.data;
    exports panface.nn.eval;
    exports panface.nn.face;
    exports panface.nn.infer;
    exports panface.nn.io;
    exports panface.nn.lafs;
    exports panface.nn.layers;
    exports panface.nn.models;
    exports panface.nn.onnx;
    exports panface.nn.optim;

    provides GoldenOps with panface.nn.golden.NnGoldenOps, panface.nn.golden.LafsGoldenOps;
}
