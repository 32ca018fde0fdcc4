package panface.nn.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import com.google.protobuf.ByteString;

import panface.nn.onnx.proto.OnnxProto.StringStringEntryProto;
import panface.nn.onnx.proto.OnnxProto.TensorProto;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.io.WeightFileException;

/**
 * Converts between ONNX TensorProto messages and tensors. Data may be raw little-endian bytes, the
 * typed repeated fields, or an external file beside the model: the external path must name a
 * regular file inside the model's folder (after resolving "..", and links), and the declared
 * offset and length must lie within that file and match the tensor's size.
 */
public final class OnnxTensors {
    private OnnxTensors() {
    }

    /** The ONNX element type of a dtype. */
    public static int onnxType(DType t) {
        return switch (t) {
            case F32 -> TensorProto.DataType.FLOAT_VALUE;
            case F64 -> TensorProto.DataType.DOUBLE_VALUE;
            case F16 -> TensorProto.DataType.FLOAT16_VALUE;
            case BF16 -> TensorProto.DataType.BFLOAT16_VALUE;
            case I32 -> TensorProto.DataType.INT32_VALUE;
            case I64 -> TensorProto.DataType.INT64_VALUE;
            case BOOL -> TensorProto.DataType.BOOL_VALUE;
        };
    }

    /** Our dtype for an ONNX element type, or null when we have none. */
    static DType dtype(int onnxType) {
        return switch (onnxType) {
            case TensorProto.DataType.FLOAT_VALUE -> DType.F32;
            case TensorProto.DataType.DOUBLE_VALUE -> DType.F64;
            case TensorProto.DataType.FLOAT16_VALUE -> DType.F16;
            case TensorProto.DataType.BFLOAT16_VALUE -> DType.BF16;
            case TensorProto.DataType.INT32_VALUE -> DType.I32;
            case TensorProto.DataType.INT64_VALUE -> DType.I64;
            case TensorProto.DataType.BOOL_VALUE -> DType.BOOL;
            default -> null;
        };
    }

    /** The name of an ONNX element type, for messages. */
    static String typeName(int onnxType) {
        TensorProto.DataType t = TensorProto.DataType.forNumber(onnxType);
        return t == null ? "type " + onnxType : t.name();
    }

    /**
     * A CPU tensor from a TensorProto of the model file (whose folder holds any external data);
     * where names the tensor in errors (e.g. "initializer 'fc.weight'").
     */
    static Tensor toTensor(TensorProto p, Path modelFile, String where) throws WeightFileException {
        DType dt = dtype(p.getDataType());
        if (dt == null) {
            throw new WeightFileException(modelFile, where, "element type " + typeName(p.getDataType()) + " is not supported");
        }
        int[] shape = new int[p.getDimsCount()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = p.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new WeightFileException(modelFile, where, "dimension " + i + " is " + d);
            }
            shape[i] = (int) d;
            numel *= d; // both factors are below 2^31, so the product fits a long
            if (numel > Integer.MAX_VALUE) {
                throw new WeightFileException(modelFile, where, "holds more than " + Integer.MAX_VALUE + " elements: " + Arrays.toString(
                        p.getDimsList().toArray()));
            }
        }
        int n = (int) numel;
        long bytes = (long) n * dt.byteSize();
        if (p.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return fromBytes(dt, shape, external(p, modelFile, where, bytes));
        }
        if (p.hasRawData()) {
            ByteString raw = p.getRawData();
            if (raw.size() != bytes) {
                throw new WeightFileException(modelFile, where, "has " + raw.size() + " bytes of raw data, its shape " + Arrays.toString(shape)
                        + " of " + dt + " needs " + bytes);
            }
            return fromBytes(dt, shape, raw.asReadOnlyByteBuffer());
        }
        int given = switch (dt) {
            case F32 -> p.getFloatDataCount();
            case F64 -> p.getDoubleDataCount();
            case I64 -> p.getInt64DataCount();
            default -> p.getInt32DataCount();
        };
        if (given != n) {
            throw new WeightFileException(modelFile, where, "has " + given + " values, its shape " + Arrays.toString(shape) + " needs " + n);
        }
        return switch (dt) {
            case F32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = p.getFloatData(i);
                }
                yield Tensor.of(a, shape);
            }
            case F64 -> Tensor.of(p.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray(), shape);
            case I64 -> Tensor.of(p.getInt64DataList().stream().mapToLong(Long::longValue).toArray(), shape);
            case I32 -> Tensor.of(p.getInt32DataList().stream().mapToInt(Integer::intValue).toArray(), shape);
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = p.getInt32Data(i) != 0;
                }
                yield Tensor.of(a, shape);
            }
            case F16, BF16 -> {
                short[] a = new short[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (short) p.getInt32Data(i);
                }
                yield Tensor.ofBits(dt, a, shape);
            }
        };
    }

    private static ByteBuffer external(TensorProto p, Path modelFile, String where, long bytes) throws WeightFileException {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : p.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = parseLong(e.getValue(), modelFile, where, "offset");
                case "length" -> length = parseLong(e.getValue(), modelFile, where, "length");
                case "checksum" -> {
                }
                default -> throw new WeightFileException(modelFile, where, "unknown external data key '" + e.getKey() + "'");
            }
        }
        if (location == null || location.isEmpty()) {
            throw new WeightFileException(modelFile, where, "external data without a location");
        }
        Path data = insideFolder(modelFile, location, where);
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ)) {
            long size = ch.size();
            long len = length < 0 ? size - offset : length;
            if (offset < 0 || offset > size || len != bytes || len > size - offset) {
                throw new WeightFileException(modelFile, where, "external data " + location + " [offset " + offset + ", length " + len
                        + "] does not fit a file of " + size + " bytes or the tensor's " + bytes + " bytes");
            }
            ByteBuffer b = ByteBuffer.allocate((int) len);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    throw new WeightFileException(modelFile, where, "external data " + location + " ended early");
                }
            }
            return b.flip();
        } catch (WeightFileException e) {
            throw e;
        } catch (IOException e) {
            throw new WeightFileException(modelFile, where, "external data " + location + " cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /** An external data file named relative to the model, refused unless it is a regular file inside the model's folder. */
    static Path insideFolder(Path modelFile, String location, String where) throws WeightFileException {
        try {
            Path folder = modelFile.toAbsolutePath().normalize().getParent();
            Path rel = Path.of(location);
            Path resolved = folder.resolve(rel).normalize();
            if (rel.isAbsolute() || !resolved.startsWith(folder)) {
                throw new WeightFileException(modelFile, where, "external data path '" + location + "' leads outside the model's folder");
            }
            if (!Files.isRegularFile(resolved)) {
                throw new WeightFileException(modelFile, where, "external data file '" + location + "' does not exist or is not a file");
            }
            Path real = resolved.toRealPath();
            if (!real.startsWith(folder.toRealPath())) {
                throw new WeightFileException(modelFile, where, "external data path '" + location + "' links outside the model's folder");
            }
            return real;
        } catch (WeightFileException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new WeightFileException(modelFile, where, "external data path '" + location + "' is not usable (" + e.getMessage() + ")", e);
        }
    }

    private static long parseLong(String s, Path file, String where, String what) throws WeightFileException {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new WeightFileException(file, where, "external data " + what + " '" + s + "' is not a number");
        }
    }

    private static Tensor fromBytes(DType dt, int[] shape, ByteBuffer src) {
        ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = b.remaining() / dt.byteSize();
        return switch (dt) {
            case F32 -> {
                float[] a = new float[n];
                b.asFloatBuffer().get(a);
                yield Tensor.of(a, shape);
            }
            case F64 -> {
                double[] a = new double[n];
                b.asDoubleBuffer().get(a);
                yield Tensor.of(a, shape);
            }
            case I64 -> {
                long[] a = new long[n];
                b.asLongBuffer().get(a);
                yield Tensor.of(a, shape);
            }
            case I32 -> {
                int[] a = new int[n];
                b.asIntBuffer().get(a);
                yield Tensor.of(a, shape);
            }
            case F16, BF16 -> {
                short[] a = new short[n];
                b.asShortBuffer().get(a);
                yield Tensor.ofBits(dt, a, shape);
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = b.get(i) != 0;
                }
                yield Tensor.of(a, shape);
            }
        };
    }

    /** A TensorProto holding a tensor's values as raw little-endian data. */
    static TensorProto toProto(String name, Tensor t) {
        Tensor c = t.contiguous();
        DType dt = c.dtype();
        ByteBuffer b = ByteBuffer.allocate(c.numel() * dt.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (dt) {
            case F32 -> b.asFloatBuffer().put(c.toFloatArray());
            case F64 -> b.asDoubleBuffer().put(c.toDoubleArray());
            case I64 -> b.asLongBuffer().put(c.toLongArray());
            case I32 -> b.asIntBuffer().put(c.toIntArray());
            case BOOL -> {
                boolean[] v = c.toBooleanArray();
                for (int i = 0; i < v.length; i++) {
                    b.put(i, (byte) (v[i] ? 1 : 0));
                }
            }
            case F16, BF16 -> throw new IllegalArgumentException("writing " + dt + " tensors is not supported; convert to F32 first");
        }
        TensorProto.Builder p = TensorProto.newBuilder().setName(name).setDataType(onnxType(dt)).setRawData(ByteString.copyFrom(b.array()));
        for (int d : c.shape()) {
            p.addDims(d);
        }
        return p.build();
    }
}
