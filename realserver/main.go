// Command realserver runs a real kube-apiserver against an etcd embedded in the same
// process, both on loopback, for safeclient's tests. One source serves every pinned
// Kubernetes release: each v1.X directory is a Go module whose go.mod pins the release
// (see gen-module.sh) and whose main.go links here.
//
// When the server is healthy it prints one JSON line on stdout: its URL, the CA that
// signed its serving certificate, and a bearer token per identity. It then reads
// commands from stdin, one per line, answering each with one JSON line, and exits when
// stdin closes, so a test JVM that dies takes the server with it.
//
// Everything after "--" is passed to kube-apiserver unchanged.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

// readyTimeout bounds the wait for /healthz: on a loaded 2-core machine a cold
// kube-apiserver takes 20-40 s to install its APIs and run its post-start hooks.
const readyTimeout = 3 * time.Minute

type identity struct {
	Key    string   `json:"-"`
	User   string   `json:"user"`
	Groups []string `json:"groups"`
	Token  string   `json:"token"`
}

type ready struct {
	URL                    string               `json:"url"`
	CAFile                 string               `json:"caFile"`
	CAPEM                  string               `json:"caPem"`
	KubernetesVersion      string               `json:"kubernetesVersion"`
	ProgressNotifyInterval string               `json:"progressNotifyInterval"`
	Identities             map[string]*identity `json:"identities"`
	Pid                    int                  `json:"pid"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "realserver: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	fs := flag.NewFlagSet("realserver", flag.ContinueOnError)
	featureGates := fs.String("feature-gates", "", "passed to kube-apiserver --feature-gates")
	progressNotify := fs.Duration("watch-progress-notify-interval", 0,
		"etcd's watch progress-notify interval; 0 keeps etcd's default (10m)")
	nodeName := fs.String("node-name", "node-1", "the node identity is system:node:<node-name>")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	passThrough := fs.Args()

	dir, err := os.MkdirTemp("", "safeclient-realserver-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	etcd, etcdURL, err := startEtcd(filepath.Join(dir, "etcd"), *progressNotify)
	if err != nil {
		return fmt.Errorf("embedded etcd: %w", err)
	}
	defer etcd.Close()

	ca, err := writeCertificates(dir)
	if err != nil {
		return err
	}
	ids := []*identity{
		{Key: "admin", User: "safeclient-admin", Groups: []string{"system:masters"}},
		{Key: "node", User: "system:node:" + *nodeName, Groups: []string{"system:nodes"}},
		// A service account's user and groups, so APF classifies its requests as a
		// real workload's (flow schema service-accounts, priority level workload-low)
		// rather than exempt as system:masters is.
		{Key: "sa-user", User: "system:serviceaccount:default:safeclient-sa-user",
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:default"}},
	}
	tokenFile := filepath.Join(dir, "tokens.csv")
	var csv strings.Builder
	for i, id := range ids {
		id.Token = randomHex(24)
		fmt.Fprintf(&csv, "%s,%s,%d,\"%s\"\n", id.Token, id.User, i+1, strings.Join(id.Groups, ","))
	}
	if err := os.WriteFile(tokenFile, []byte(csv.String()), 0o600); err != nil {
		return err
	}

	port, err := freePort()
	if err != nil {
		return err
	}
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir=" + filepath.Join(dir, "apiserver-certs"),
		"--tls-cert-file=" + filepath.Join(dir, "serving.crt"),
		"--tls-private-key-file=" + filepath.Join(dir, "serving.key"),
		"--token-auth-file=" + tokenFile,
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + filepath.Join(dir, "sa.key"),
		"--service-account-signing-key-file=" + filepath.Join(dir, "sa.key"),
		"--service-cluster-ip-range=10.0.0.0/16",
		"--allow-privileged=true",
		// The reconciler would rewrite the kubernetes Endpoints every 10 s and fail on a
		// loopback address: noise in the etcd counters the tests bill by.
		"--endpoint-reconciler-type=none",
	}
	if *featureGates != "" {
		args = append(args, "--feature-gates="+*featureGates)
	}
	args = append(args, passThrough...)

	cmd := app.NewAPIServerCommand()
	cmd.SetArgs(args)
	failed := make(chan error, 1)
	go func() {
		failed <- fmt.Errorf("kube-apiserver stopped: %v", cmd.Execute())
	}()

	base := fmt.Sprintf("https://127.0.0.1:%d", port)
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool}},
	}
	admin := ids[0]
	if err := waitReady(client, base, admin.Token, failed); err != nil {
		return err
	}
	if err := grantServiceAccountUser(client, base, admin.Token, ids[2].User); err != nil {
		return fmt.Errorf("RBAC for %s: %w", ids[2].User, err)
	}
	version, err := serverVersion(client, base, admin.Token)
	if err != nil {
		return err
	}

	out := ready{
		URL:                    base,
		CAFile:                 filepath.Join(dir, "ca.crt"),
		CAPEM:                  string(ca.pem),
		KubernetesVersion:      version,
		ProgressNotifyInterval: effectiveProgressNotify(*progressNotify).String(),
		Identities:             map[string]*identity{},
		Pid:                    os.Getpid(),
	}
	for _, id := range ids {
		out.Identities[id.Key] = id
	}
	if err := printJSON(out); err != nil {
		return err
	}

	commands := make(chan string)
	go func() {
		scanner := bufio.NewScanner(os.Stdin)
		for scanner.Scan() {
			commands <- strings.TrimSpace(scanner.Text())
		}
		close(commands)
	}()
	for {
		select {
		case err := <-failed:
			return err
		case line, open := <-commands:
			if !open {
				return nil
			}
			answer(etcd, line)
		}
	}
}

// answer runs one stdin command. "compact" compacts etcd's whole history up to its
// current revision, the way kube-apiserver's periodic compactor does, so a test can
// make a resourceVersion too old (410 Gone) without waiting for the 5-minute cycle.
func answer(etcd *embed.Etcd, line string) {
	switch line {
	case "":
		return
	case "compact":
		rev := etcd.Server.KV().Rev()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := etcd.Server.Compact(ctx, &pb.CompactionRequest{Revision: rev, Physical: true})
		if err != nil {
			printJSON(map[string]any{"command": line, "error": err.Error()})
			return
		}
		printJSON(map[string]any{"command": line, "revision": rev})
	case "revision":
		printJSON(map[string]any{"command": line, "revision": etcd.Server.KV().Rev()})
	default:
		printJSON(map[string]any{"command": line, "error": "unknown command"})
	}
}

func printJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(b, '\n'))
	return err
}

func startEtcd(dir string, progressNotify time.Duration) (*embed.Etcd, string, error) {
	cfg := embed.NewConfig()
	cfg.Dir = dir
	cfg.LogLevel = "error"
	clientPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	if progressNotify > 0 {
		setProgressNotify(cfg, progressNotify)
	}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(time.Minute):
		e.Close()
		return nil, "", fmt.Errorf("not ready within a minute")
	}
	return e, clientURL.String(), nil
}

// setProgressNotify sets the interval under whichever name this etcd release uses:
// 3.5 has only ExperimentalWatchProgressNotifyInterval, 3.6 renames it
// WatchProgressNotifyInterval and keeps the old name as a deprecated alias.
func setProgressNotify(cfg *embed.Config, d time.Duration) {
	v := reflect.ValueOf(cfg).Elem()
	for _, name := range []string{"WatchProgressNotifyInterval", "ExperimentalWatchProgressNotifyInterval"} {
		if f := v.FieldByName(name); f.IsValid() && f.CanSet() {
			f.Set(reflect.ValueOf(d))
		}
	}
}

// etcdDefaultProgressNotify is etcd's own default for the interval (DefaultWatchProgressNotifyInterval).
const etcdDefaultProgressNotify = 10 * time.Minute

func effectiveProgressNotify(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return etcdDefaultProgressNotify
}

type authority struct {
	pem  []byte
	pool *x509.CertPool
}

// writeCertificates writes a CA, a serving certificate for 127.0.0.1 and localhost
// signed by it, and the service-account signing key.
func writeCertificates(dir string) (*authority, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "safeclient-realserver-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	servingKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	servingTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
	}
	servingDER, err := x509.CreateCertificate(rand.Reader, servingTemplate, caCert, &servingKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	files := map[string][]byte{
		"ca.crt":      caPEM,
		"serving.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: servingDER}),
	}
	for name, key := range map[string]*ecdsa.PrivateKey{"serving.key": servingKey, "sa.key": saKey} {
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, err
		}
		files[name] = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			return nil, err
		}
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &authority{pem: caPEM, pool: pool}, nil
}

func waitReady(client *http.Client, base, token string, failed <-chan error) error {
	deadline := time.Now().Add(readyTimeout)
	last := "no answer yet"
	for time.Now().Before(deadline) {
		select {
		case err := <-failed:
			return err
		case <-time.After(200 * time.Millisecond):
		}
		status, body, err := call(client, "GET", base+"/healthz", token, nil)
		if err != nil {
			last = err.Error()
			continue
		}
		if status != http.StatusOK {
			last = fmt.Sprintf("/healthz %d: %s", status, body)
			continue
		}
		// The default namespace is created by a controller after /healthz turns ok.
		if status, _, err := call(client, "GET", base+"/api/v1/namespaces/default", token, nil); err == nil && status == http.StatusOK {
			return nil
		}
		last = "namespace default not created yet"
	}
	return fmt.Errorf("not ready within %s: %s", readyTimeout, last)
}

// grantServiceAccountUser gives the service-account user full rights through RBAC
// alone, so its requests are authorized the way a workload's are.
func grantServiceAccountUser(client *http.Client, base, token, user string) error {
	role := map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
		"metadata": map[string]any{"name": "safeclient-sa-user"},
		"rules": []any{
			map[string]any{"apiGroups": []string{"*"}, "resources": []string{"*"}, "verbs": []string{"*"}},
			map[string]any{"nonResourceURLs": []string{"*"}, "verbs": []string{"get"}},
		},
	}
	binding := map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
		"metadata": map[string]any{"name": "safeclient-sa-user"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "safeclient-sa-user"},
		"subjects": []any{map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}},
	}
	for path, obj := range map[string]any{
		"/apis/rbac.authorization.k8s.io/v1/clusterroles":        role,
		"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings": binding,
	} {
		body, _ := json.Marshal(obj)
		status, answer, err := call(client, "POST", base+path, token, body)
		if err != nil {
			return err
		}
		if status != http.StatusCreated && status != http.StatusConflict {
			return fmt.Errorf("POST %s: %d %s", path, status, answer)
		}
	}
	return nil
}

func serverVersion(client *http.Client, base, token string) (string, error) {
	status, body, err := call(client, "GET", base+"/version", token, nil)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("/version %d: %s", status, body)
	}
	var v struct {
		GitVersion string `json:"gitVersion"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return "", err
	}
	return v.GitVersion, nil
}

func call(client *http.Client, method, target, token string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	return resp.StatusCode, answer, err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
