#!/usr/bin/env bash
# One command for the benchmark: bench/run.sh [scenario...] [options]   (bench/run.sh --help, bench/README.md)
# Builds the bench and gateway jars when they are missing or older than their sources, then runs the bench, which
# starts mock-llm and the gateway as their own processes and writes bench/results/<timestamp>/report.{md,json}.
#   BENCH_NO_BUILD=1    use the jars as they are
#   MVN_FLAGS="-o"      extra flags for the build (e.g. offline)
#   BENCH_JAVA_OPTS     JVM options for the load generator itself
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bench_jar=bench/target/bench.jar
gateway_jar=gateway/target/rebound.jar

# true when the jar is missing or any file under the given paths is newer than it
stale() {
  local jar=$1
  shift
  [ ! -f "$jar" ] && return 0
  [ -n "$(find "$@" -type f -newer "$jar" -print -quit 2>/dev/null)" ]
}

if [ "${BENCH_NO_BUILD:-}" != "1" ]; then
  if stale "$bench_jar" bench/src bench/pom.xml mock-llm/src mock-llm/pom.xml pom.xml \
    || stale "$gateway_jar" gateway/src gateway/pom.xml routing/src session-store/src mock-llm/src conf pom.xml; then
    echo "bench/run.sh: building the jars (mvn -q -DskipTests package)" >&2
    # shellcheck disable=SC2086
    mvn -q ${MVN_FLAGS:-} -DskipTests package
  fi
fi
# shellcheck disable=SC2086
exec java ${BENCH_JAVA_OPTS:-} -jar "$bench_jar" "$@"
