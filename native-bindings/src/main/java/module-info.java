/**
 * The only module that declares native functions. Its API is the checked facades (one package per
 * library) and library discovery; the generated {@code *.gen} packages stay inside, so every native
 * call outside this module goes through a facade that turns a status code into an exception.
 * Run on the module path, this is the module that needs {@code --enable-native-access}.
 */
module panface.nativebindings {
    requires org.slf4j;

    exports panface.nativebindings;
    exports panface.nativebindings.cublas;
    exports panface.nativebindings.cublaslt;
    exports panface.nativebindings.cuda;
    exports panface.nativebindings.nccl;
    exports panface.nativebindings.nvrtc;
    exports panface.nativebindings.openblas;
    exports panface.nativebindings.turbojpeg;
}
