#!/usr/bin/env bash
# Regenerates the figures of benchmarks/results/overload.md: the overload drill (500 naive clients,
# a 60 s APF storm of 429 Retry-After: 1), plain client-java then SafeClient in one JVM.
# Usage (from the repository root): bash benchmarks/run-overload.sh [clients] [storm-seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
clients="${1:-500}"
storm="${2:-60}"
mvn -B -q -pl benchmarks -am package -DskipTests
echo "commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
java -Dsafeclient.testdata=testdata -cp benchmarks/target/benchmarks.jar \
  dev.safeclient.benchmarks.OverloadDrill "$clients" "$storm"
