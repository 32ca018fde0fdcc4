package panface.nativebindings;

/**
 * A native call returned an error status. The message names the library, the function, the
 * numeric code, the library's name for it and the library's own description, as in
 * {@code cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2): out of memory}.
 */
public class NativeCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String library;
    private final String function;
    private final int code;
    private final String codeName;

    public NativeCallException(String library, String function, int code, String codeName, String description, String detail) {
        super(format(library, function, code, codeName, description, detail));
        this.library = library;
        this.function = function;
        this.code = code;
        this.codeName = codeName;
    }

    static String format(String library, String function, int code, String codeName, String description, String detail) {
        StringBuilder sb = new StringBuilder();
        sb.append(library).append(": ").append(function).append(" failed: ").append(codeName == null ? "status" : codeName)
                .append(" (").append(code).append(")");
        if (description != null && !description.isBlank()) {
            sb.append(": ").append(description);
        }
        if (detail != null && !detail.isBlank()) {
            sb.append("; ").append(detail);
        }
        return sb.toString();
    }

    /** "CUDA driver", "NVRTC", "cuBLAS", "cuBLASLt" or "NCCL". */
    public String library() {
        return library;
    }

    /** The native function that failed. */
    public String function() {
        return function;
    }

    /** The status code it returned. */
    public int code() {
        return code;
    }

    /** The library's symbolic name of the code (for example CUDA_ERROR_OUT_OF_MEMORY), when known. */
    public String codeName() {
        return codeName;
    }
}
