package panface.nn.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;

import panface.nn.onnx.proto.OnnxProto.ModelProto;
import panface.tensor.io.WeightFileException;

/**
 * Reads the protobuf message of an ONNX file. A protobuf message is at most 2 GiB, so a larger
 * file is refused before it is read (bigger models keep their weights as external data); every
 * length inside the message is checked against the bytes actually present by the protobuf
 * library, so a truncated file or a huge declared size fails as a {@link WeightFileException}
 * naming the file instead of allocating what it declares.
 */
final class OnnxFile {
    /** Protobuf's own limit on one message. */
    static final long MAX_BYTES = Integer.MAX_VALUE - 8L;
    /** Nesting deeper than this (graphs in attributes in graphs) is refused. */
    static final int MAX_DEPTH = 64;

    private OnnxFile() {
    }

    /** The model message of a file. */
    static ModelProto read(Path file) throws WeightFileException {
        byte[] bytes;
        try {
            if (!Files.isRegularFile(file)) {
                throw new WeightFileException(file, null, Files.exists(file) ? "not a regular file" : "no such file");
            }
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new WeightFileException(file, null, "is " + size + " bytes, more than one protobuf message may hold ("
                        + MAX_BYTES + "); store the weights as external data");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw WeightFileException.unreadable(file, e);
        }
        return parse(file, bytes);
    }

    /** The model message of bytes read from a file (named in errors). */
    static ModelProto parse(Path file, byte[] bytes) throws WeightFileException {
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setRecursionLimit(MAX_DEPTH);
            ModelProto m = ModelProto.parseFrom(in, ExtensionRegistryLite.getEmptyRegistry());
            in.checkLastTagWas(0);
            if (!m.hasGraph()) {
                throw new WeightFileException(file, null, "not an ONNX model: it has no graph");
            }
            return m;
        } catch (WeightFileException e) {
            throw e;
        } catch (IOException e) {
            throw new WeightFileException(file, null, "not a valid ONNX file (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            throw new WeightFileException(file, null, "not a valid ONNX file (" + e + ")", e);
        }
    }
}
