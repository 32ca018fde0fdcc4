"""Checks the project's minimal C headers (native-bindings/src/main/c/*_min.h, from which the
NVRTC, cuBLAS, cuBLASLt and NCCL bindings are generated) against the libraries' real headers.

For every enum constant the minimal headers give a value, and for every function they declare,
a C file is generated that includes the real header and asserts, at compile time, that the
constant has the same value and that the function has the same type
(__builtin_types_compatible_p). A C compiler then reports each difference by name.

Real headers are looked for in --include folders, $PANFACE_CUDA_HEADERS (where CI unpacks Debian's
CUDA headers), $CUDA_HOME/include, /usr/local/cuda/include,
/usr/include and the include folders of the nvidia-* Python wheels (nvidia/*/include under the
site-packages of the python3 running this script).

Usage: python3 scripts/gpu/check-headers.py [--include DIR ...] [--cc COMPILER]
Needs a C compiler with GNU extensions (gcc or clang).
Exit status: 0 when everything matches, 1 on differences, 2 when a real header is missing.
"""
import glob
import os
import re
import shutil
import site
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MIN_DIR = os.path.join(HERE, "..", "..", "native-bindings", "src", "main", "c")

# minimal header -> the real header that declares the same API
HEADERS = {
    "nvrtc_min.h": "nvrtc.h",
    "cublas_min.h": "cublas_v2.h",
    "cublasLt_min.h": "cublasLt.h",
    "nccl_min.h": "nccl.h",
}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def enum_constants(text):
    """(name, value) for every NAME = value inside an enum body."""
    out = []
    for body in re.findall(r"enum\s*\w*\s*\{(.*?)\}", text, flags=re.S):
        for item in body.split(","):
            m = re.match(r"\s*([A-Za-z_]\w*)\s*=\s*([^,]+?)\s*$", item, flags=re.S)
            if m:
                out.append((m.group(1), m.group(2)))
    return out


def prototypes(text):
    """(name, return type, parameter list) for every function declaration outside typedefs."""
    text = re.sub(r"typedef[^;]*;", " ", text)
    text = re.sub(r"#[^\n]*", " ", text)
    out = []
    for m in re.finditer(r"([A-Za-z_][\w\s\*]*?)\b([A-Za-z_]\w*)\s*\(([^;{}]*)\)\s*;", text):
        ret = " ".join(m.group(1).split())
        if not ret or ret in ("return",):
            continue
        out.append((m.group(2), ret, " ".join(m.group(3).split())))
    return out


def include_dirs(extra):
    dirs = list(extra)
    if os.environ.get("PANFACE_CUDA_HEADERS"):
        dirs.append(os.environ["PANFACE_CUDA_HEADERS"])
    for env in ("CUDA_HOME", "CUDA_PATH"):
        if os.environ.get(env):
            dirs.append(os.path.join(os.environ[env], "include"))
    dirs += ["/usr/local/cuda/include", "/usr/include"]
    roots = []
    try:
        roots += site.getsitepackages()
    except AttributeError:
        pass
    roots.append(site.getusersitepackages())
    for r in roots:
        dirs += sorted(glob.glob(os.path.join(r, "nvidia", "*", "include")))
    return [d for d in dirs if os.path.isdir(d)]


def find(header, dirs):
    for d in dirs:
        if os.path.isfile(os.path.join(d, header)):
            return d
    return None


def compiler(preferred):
    for c in ([preferred] if preferred else []) + ["cc", "gcc", "clang"]:
        if c and shutil.which(c):
            return [c]
    return None


def main():
    args = sys.argv[1:]
    extra, cc = [], None
    while args:
        a = args.pop(0)
        if a == "--include":
            extra.append(args.pop(0))
        elif a == "--cc":
            cc = args.pop(0)
        else:
            print("unknown argument " + a, file=sys.stderr)
            return 2
    dirs = include_dirs(extra)
    cc_cmd = compiler(cc)
    if cc_cmd is None:
        print("no C compiler (cc, gcc or clang) found", file=sys.stderr)
        return 2
    status = 0
    for mine, real in HEADERS.items():
        text = strip_comments(open(os.path.join(MIN_DIR, mine)).read())
        where = find(real, dirs)
        if where is None:
            print("%-16s %s not found in: %s" % (mine, real, ", ".join(dirs) or "(no folders)"))
            status = max(status, 2)
            continue
        consts = enum_constants(text)
        funcs = prototypes(text)
        lines = ["#include <%s>" % real]
        for name, value in consts:
            lines.append('_Static_assert((long long)(%s) == (long long)(%s), "enum %s: the real header has another value");'
                         % (name, value, name))
        for name, ret, params in funcs:
            lines.append('_Static_assert(__builtin_types_compatible_p(__typeof__(&%s), %s (*)(%s)), "function %s: the real header declares another type");'
                         % (name, ret, params, name))
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "check.c")
            with open(src, "w") as f:
                f.write("\n".join(lines) + "\n")
            cmd = cc_cmd + ["-std=gnu11", "-fsyntax-only", "-fmax-errors=0"] + ["-I" + d for d in dirs] + [src]
            r = subprocess.run(cmd, capture_output=True, text=True)
        problems = sorted(set(re.findall(r'"((?:enum|function) [^"]+)"', r.stderr)))
        if r.returncode == 0:
            print("%-16s matches %s (%d constants, %d functions)" % (mine, os.path.join(where, real), len(consts), len(funcs)))
        else:
            status = max(status, 1)
            print("%-16s DIFFERS from %s:" % (mine, os.path.join(where, real)))
            for p in problems:
                print("    " + p)
            if not problems:
                print(r.stderr[-4000:])
    return status


if __name__ == "__main__":
    sys.exit(main())
