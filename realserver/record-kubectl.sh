#!/usr/bin/env bash
# Records `kubectl -v=9` transcripts against a real kube-apiserver of the pinned release, for
# KubectlTranscriptReplayTest (safeclient-testing), which replays them against KubeSim.
#
#   realserver/record-kubectl.sh [v1.34]
#
# kubectl is built from Go modules at the release realserver/kubectl-<pin>/go.mod pins (no
# downloaded binary), cached like the server under ~/.cache/safeclient/realserver. The
# transcripts and a PROVENANCE.md go to
# safeclient-testing/src/test/resources/kubectl-transcripts/<pin>/, replacing what is there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
pin=${1:-v1.34}
module="$here/kubectl-$pin"
[[ -f $module/go.mod ]] || { echo "no kubectl module $module/go.mod" >&2; exit 1; }
GO=$(command -v go || echo /usr/local/go/bin/go)

version=$(awk '$1 == "k8s.io/kubectl" { sub(/^v0\./, "v1.", $2); print $2 }' "$module/go.mod" | head -1)
[[ $version =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || { echo "$module/go.mod does not pin k8s.io/kubectl" >&2; exit 1; }
minor=${BASH_REMATCH[1]}
cache=${SAFECLIENT_REALSERVER_CACHE:-$HOME/.cache/safeclient/realserver}
hash=$(cat "$module/go.mod" "$module/go.sum" "$module/main.go" | sha256sum | cut -c1-16)
kubectl="$cache/kubectl-$version-$hash/kubectl"
if [[ ! -x $kubectl ]]; then
  echo "kubectl $version: building $kubectl"
  mkdir -p "$(dirname "$kubectl")"
  pkg=k8s.io/component-base/version
  ldflags="-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  (cd "$module" && "$GO" build -ldflags "$ldflags" -o "$kubectl.tmp" .)
  mv "$kubectl.tmp" "$kubectl"
fi

props=$(mktemp)
work=$(mktemp -d)
trap 'rm -rf "$work" "$props"' EXIT
"$here/build.sh" --properties "$props" "$pin" >&2
server=$(sed -n "s/^$pin=//p" "$props")

# The server lives as long as its stdin: a fifo held open by this script.
mkfifo "$work/stdin"
"$server" < "$work/stdin" > "$work/ready" 2> "$work/server.log" &
server_pid=$!
exec 3> "$work/stdin"
trap 'exec 3>&-; wait $server_pid 2>/dev/null || true; rm -rf "$work" "$props"' EXIT
for _ in $(seq 1 360); do
  [[ -s $work/ready ]] && break
  kill -0 $server_pid 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.5
done
ready=$(head -1 "$work/ready")
json() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(eval('d' + sys.argv[2]))" "$ready" "$1"; }
url=$(json "['url']"); ca=$(json "['caFile']"); token=$(json "['identities']['admin']['token']")
server_version=$(json "['kubernetesVersion']")
cat > "$work/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: real, cluster: {server: "$url", certificate-authority: "$ca"}}]
users: [{name: admin, user: {token: "$token"}}]
contexts: [{name: real, context: {cluster: real, user: admin, namespace: default}}]
current-context: real
KC

out="$root/safeclient-testing/src/test/resources/kubectl-transcripts/$pin"
rm -rf "$out"; mkdir -p "$out"
manifests="$here/kubectl-transcripts"
# Each step: a name, then kubectl's arguments. -v=9 logs every request and response with
# headers and bodies; the token is logged masked by kubectl itself, and is checked below.
steps=(
  "01-apply-create|apply --validate=false -f $manifests/web-v1.yaml"
  "02-apply-update|apply --validate=false -f $manifests/web-v2.yaml"
  "03-apply-strict|apply --validate=strict -f $manifests/web-v3.yaml"
  "04-get-deployment|get deployment web -o json"
  "05-get-po|get po"
  "06-scale|scale deployment web --replicas=3"
  "07-get-scale|get deployment web --subresource=scale -o json"
  "08-delete-dry-run|delete deployment web --dry-run=server"
  "09-get-deployment-after-dry-run|get deployment web -o json"
)
for step in "${steps[@]}"; do
  name=${step%%|*}; args=${step#*|}
  # shellcheck disable=SC2086
  KUBECONFIG="$work/kubeconfig" "$kubectl" --cache-dir="$work/cache" -v=9 $args > "$out/$name.stdout" 2> "$out/$name.log" \
    || echo "exit $?" > "$out/$name.exit"
done
# A watch: kubectl lists, then watches; one change arrives, then the watch is cut.
KUBECONFIG="$work/kubeconfig" timeout 8 "$kubectl" --cache-dir="$work/cache" -v=9 get configmaps -w --request-timeout=0 \
  > "$out/10-get-w.stdout" 2> "$out/10-get-w.log" &
watch_pid=$!
sleep 4
KUBECONFIG="$work/kubeconfig" "$kubectl" create configmap watched --from-literal=k=v > /dev/null
wait $watch_pid || true

if grep -rl "$token" "$out" > /dev/null; then
  echo "a transcript holds the bearer token; not keeping them" >&2; rm -rf "$out"; exit 1
fi
cat > "$out/PROVENANCE.md" <<PROV
# kubectl transcripts, $pin

- kubectl $version, built from Go modules by \`realserver/record-kubectl.sh $pin\`
  (realserver/kubectl-$pin/go.mod, go.sum hash $hash).
- Server: the real kube-apiserver $server_version built by \`realserver/build.sh $pin\`,
  embedded etcd, authorization Node,RBAC, identity system:masters (token masked by kubectl).
- Each \`NN-name.log\` is kubectl's \`-v=9\` stderr for one step, \`.stdout\` its output and
  \`.exit\` its exit code when not 0. Manifests: realserver/kubectl-transcripts/.
- Recorded $(date -u +%Y-%m-%d) with: \`bash realserver/record-kubectl.sh $pin\`.
PROV
echo "transcripts in $out"
