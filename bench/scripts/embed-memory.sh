#!/usr/bin/env bash
# Concurrent embedding in a small heap: THREADS threads (default 8) embed EMBEDS encoded 112x112
# images (default 10,000) with one MobileFaceNet embedder under -Xmx1g (HEAP), printing the peak
# tensor storage and heap allocation of one embedding, the run's time and its GC time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/run-java.sh" "-Xmx${HEAP:-1g}" panface.bench.EmbedMemory "${THREADS:-8}" "${EMBEDS:-10000}" "${WARMUP:-300}"
