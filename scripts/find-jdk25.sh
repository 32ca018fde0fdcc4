#!/usr/bin/env bash
# Prints the home folder of a JDK 25 (or newer), or explains what to install and fails.
# Looks at JAVA_HOME first, then the usual install folders. Used by ./panface and ./mvnw.

jdk_version() {
  # The feature version of the JDK at $1 (from its release file), or nothing.
  local home=$1
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
  if [ -f "$home/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" | head -n 1
  else
    "$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
  fi
}

is_jdk25() {
  local v
  v=$(jdk_version "$1") || return 1
  [ -n "$v" ] && [ "$v" -ge 25 ] 2>/dev/null
}

find_jdk25() {
  if [ -n "${JAVA_HOME:-}" ] && is_jdk25 "$JAVA_HOME"; then
    echo "$JAVA_HOME"
    return 0
  fi
  local candidates=()
  for pattern in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/*jdk* /opt/jdk/* \
      "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* "$HOME"/.local/share/jdks/* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$pattern" ] && candidates+=("$pattern")
  done
  if command -v java >/dev/null 2>&1; then
    local onpath
    onpath=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    candidates+=("$onpath")
  fi
  for c in "${candidates[@]}"; do
    if is_jdk25 "$c"; then
      echo "$c"
      return 0
    fi
  done
  cat >&2 <<'MSG'
panface needs a JDK 25 (it uses the Foreign Function & Memory API and the Vector API).
None was found in JAVA_HOME, /usr/lib/jvm, /usr/java, /opt, ~/.sdkman, ~/.jdks or on the PATH.
Install one, for example Eclipse Temurin 25 (https://adoptium.net) or your system's openjdk-25-jdk
package, then set JAVA_HOME to its folder or re-run this command.
MSG
  return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  find_jdk25
fi
