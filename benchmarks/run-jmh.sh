#!/usr/bin/env bash
# Runs JMH benchmarks of this module without installing anything: compiles through the reactor,
# writes the module's classpath, then runs org.openjdk.jmh.Main with the given arguments, e.g.
#   benchmarks/run-jmh.sh ProtobufDecodeBenchmark -prof gc
set -euo pipefail
cd "$(dirname "$0")/.."
# package, not compile: safeclient-testing needs safeclient-api-model's test-jar from the reactor.
mvn -B -q -o -pl benchmarks -am package -DskipTests dependency:build-classpath \
  -Dmdep.outputFile=target/jmh.classpath -Dmdep.includeScope=runtime
exec java -cp "benchmarks/target/classes:$(cat benchmarks/target/jmh.classpath)" \
  org.openjdk.jmh.Main "$@"
