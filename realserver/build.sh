#!/usr/bin/env bash
# Builds realserver for each pinned release directory given (v1.34 v1.30 ...), at most once
# per pin: a binary lives in ${SAFECLIENT_REALSERVER_CACHE:-~/.cache/safeclient/realserver}/
# <kubernetes version>-<hash of go.mod, go.sum, main.go and this script>/realserver, outside
# any Maven target/, so `mvn clean` does not cost a 10-minute Go build.
#
# With --properties FILE it writes "<dir>=<binary path>" lines there for the tests.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
properties=""
if [[ ${1:-} == --properties ]]; then properties=$2; shift 2; fi
[[ $# -gt 0 ]] || { echo "usage: build.sh [--properties FILE] v1.34 [v1.30 ...]" >&2; exit 2; }

GO=$(command -v go || true)
[[ -n $GO ]] || { [[ -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go; }
if [[ -z $GO ]]; then
  cat >&2 <<MSG
The real-apiserver profile builds a real kube-apiserver from Go modules and needs Go (1.24 or newer)
on PATH, and the Go module proxy (or a warm module cache). Install Go from https://go.dev/dl/
or run the default build without -P real-apiserver.
MSG
  exit 1
fi

cache=${SAFECLIENT_REALSERVER_CACHE:-$HOME/.cache/safeclient/realserver}
[[ -z $properties ]] || { mkdir -p "$(dirname "$properties")"; : > "$properties"; }
for pin in "$@"; do
  dir="$here/$pin"
  [[ -f $dir/go.mod ]] || { echo "no pinned module $dir/go.mod (make one with gen-module.sh)" >&2; exit 1; }
  version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2 } $1 == "require" && $2 == "k8s.io/kubernetes" { print $3 }' "$dir/go.mod" | head -1)
  [[ $version =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || { echo "$dir/go.mod does not pin k8s.io/kubernetes" >&2; exit 1; }
  minor=${BASH_REMATCH[1]}
  hash=$(cat "$dir/go.mod" "$dir/go.sum" "$here/main.go" "$here/build.sh" | sha256sum | cut -c1-16)
  out="$cache/$version-$hash/realserver"
  if [[ -x $out ]]; then
    echo "realserver $version: cached $out"
  else
    echo "realserver $version: building $out (a cold build takes minutes)"
    mkdir -p "$(dirname "$out")"
    # The server reports the pinned release from /version, as a real one would: without
    # these the module build says v0.0.0-master and version-dependent rules misfire.
    pkg=k8s.io/component-base/version
    ldflags="-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
    start=$(date +%s)
    (cd "$dir" && "$GO" build -ldflags "$ldflags" -o "$out.tmp" .)
    mv "$out.tmp" "$out"
    echo "realserver $version: built in $(( $(date +%s) - start ))s"
  fi
  [[ -z $properties ]] || echo "$pin=$out" >> "$properties"
done
