#!/usr/bin/env bash
# Regenerates safeclient-api-model's go-json-fields.tsv from the Go types of each release
# (k8s.io/api, apimachinery, kube-aggregator, apiextensions-apiserver), fetched through the Go
# module proxy. Run from anywhere: realserver/gojsontags/gen.sh
set -euo pipefail
cd "$(dirname "$0")"
out=../../safeclient-api-model/src/main/resources/dev/safeclient/model/go-json-fields.tsv
# release=module version; "master" is the vendored protos' 1.37 development branch.
pins="1.30=v0.30.14 1.31=v0.31.14 1.32=v0.32.10 1.33=v0.33.7 1.34=v0.34.2 1.35=v0.35.0 1.36=v0.36.3 master=v0.37.2"
dir() { go mod download -json "k8s.io/$1@$2" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }
args=()
for pin in $pins; do
  release=${pin%%=*}; v=${pin#*=}
  # kube-aggregator v0.32.10 was never published to the proxy; v0.32.9 has the same types.
  agg=$v; [ "$v" = v0.32.10 ] && agg=v0.32.9
  mach=$(dir apimachinery "$v")
  args+=("$release=$(dir api "$v"),$mach/pkg/apis/meta,$mach/pkg/runtime,$(dir kube-aggregator "$agg")/pkg/apis,$(dir apiextensions-apiserver "$v")/pkg/apis")
done
mkdir -p "$(dirname "$out")"
go run . "${args[@]}" > "$out"
echo "wrote $out ($(grep -vc '^#' "$out") rows)"
