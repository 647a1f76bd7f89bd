#!/usr/bin/env bash
# Regenerates the "20 informers per client" figures of benchmarks/results/informer.md: the outage
# drill with the safeclient informers 20 to a SafeClient, once with the recovery pull-forward (and
# client-java's informers, each with its own ApiClient, in the same JVM) and once without it.
# Usage (from the repository root):
#   bash benchmarks/run-outage.sh [500|refused|empty] [informers] [outage-seconds] [per-client]
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-500}"
informers="${2:-200}"
outage="${3:-120}"
per="${4:-20}"
mvn -B -q -pl benchmarks -am package -DskipTests
echo "commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
java=(java -Xmx4g -Xss512k -Dcom.google.protobuf.use_unsafe_pre22_gencode=true
  -Dorg.slf4j.simpleLogger.defaultLogLevel=info -Ddrill.perClient="$per"
  -cp benchmarks/target/benchmarks.jar)
"${java[@]}" dev.safeclient.benchmarks.InformerOutageDrill "$scenario" "$informers" "$outage"
"${java[@]}" -Ddrill.pullForward=false -Ddrill.sides=safe-only \
  dev.safeclient.benchmarks.InformerOutageDrill "$scenario" "$informers" "$outage"
