package panface.tensor;

/**
 * Element types. F32 is the working type on the CPU; F64 exists for gradient checks and golden
 * runs; BF16 and F16 are storage types (converted to float32 for arithmetic); I32, I64 and BOOL
 * hold indices, labels and masks.
 */
public enum DType {
    F32(4, "F32"),
    F64(8, "F64"),
    BF16(2, "BF16"),
    F16(2, "F16"),
    I32(4, "I32"),
    I64(8, "I64"),
    BOOL(1, "BOOL");

    private final int byteSize;
    private final String safetensorsName;

    DType(int byteSize, String safetensorsName) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The dtype's name in the safetensors header. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** True for F32, F64, BF16 and F16. */
    public boolean isFloating() {
        return this == F32 || this == F64 || this == BF16 || this == F16;
    }

    /** True for I32 and I64. */
    public boolean isIntegral() {
        return this == I32 || this == I64;
    }

    /** The type arithmetic on this type is carried out in: F64 stays F64, other floats compute in F32. */
    public DType computeType() {
        return this == F64 ? F64 : F32;
    }

    /** Parses a safetensors dtype name ("F32", "I64", ...). */
    public static DType fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported safetensors dtype '" + name + "' (supported: F32, F64, BF16, F16, I32, I64, BOOL)");
    }

    /** The wider of two types for a binary arithmetic op, as PyTorch promotes them. */
    public static DType promote(DType a, DType b) {
        if (a == b) {
            return a;
        }
        if (a == F64 || b == F64) {
            return F64;
        }
        if (a.isFloating() && b.isFloating()) {
            return F32;
        }
        if (a.isFloating()) {
            return a;
        }
        if (b.isFloating()) {
            return b;
        }
        if (a == I64 || b == I64) {
            return I64;
        }
        if (a == I32 || b == I32) {
            return I32;
        }
        return BOOL;
    }
}
