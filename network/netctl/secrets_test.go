package netctl

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fakeCAClient records each call's arguments and the secrets it found in its environment,
// and lays out the MSP directories an enroll writes. The first registration of "orgadmin"
// answers "already registered", as after an interrupted run.
const fakeCAClient = `#!/bin/sh
printf 'ARGS %s\n' "$*" >> "$FAKE_LOG"
printf 'ENV %s %s\n' "${FABRIC_CA_CLIENT_URL:-}" "${FABRIC_CA_CLIENT_ID_SECRET:-}" >> "$FAKE_LOG"
case "$*" in
  register*orgadmin*)
    if [ ! -e "$FAKE_LOG.once" ]; then : > "$FAKE_LOG.once"; echo 'Identity orgadmin is already registered'; exit 1; fi ;;
esac
if [ "$1" = enroll ]; then
  while [ $# -gt 0 ]; do [ "$1" = "-M" ] && d="$2"; shift; done
  for s in cacerts keystore signcerts tlscacerts; do mkdir -p "$d/$s"; echo x > "$d/$s/f.pem"; done
fi
exit 0
`

var credURL = regexp.MustCompile(`https://[^:/@\s]+:[^@\s]+@`)

// Every local user can read a process's command line (/proc/PID/cmdline); enrolment
// secrets and the CA admin's password must travel in fabric-ca-client's environment.
func TestCASecretsNeverOnCommandLines(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "fabric-ca-client"), []byte(fakeCAClient), 0o755); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(dir, "calls.log")
	t.Setenv("FAKE_LOG", logFile)
	l := Layout{Root: dir, Data: filepath.Join(dir, "data"), Bin: bin}
	s, err := loadState(l)
	if err != nil {
		t.Fatal(err)
	}
	n := &Network{T: repoTopology(t), L: l, S: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	const adminPW = "ca-admin-password-xyz"
	for _, o := range n.T.Orgs {
		if len(o.Orderers) == 0 && len(o.Peers) == 0 {
			continue
		}
		n.setCAPassword(o.Name, adminPW)
		if err := os.MkdirAll(l.CAHome(o.Name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(l.CACert(o.Name), []byte("ca"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := n.enrollOrg(context.Background(), o); err != nil {
			t.Fatalf("%s: %v", o.Name, err)
		}
	}

	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	secrets := map[string]bool{adminPW: true}
	removed := false
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		switch {
		case strings.HasPrefix(line, "ARGS "):
			args = append(args, line)
			removed = removed || strings.Contains(line, "identity remove orgadmin")
		case strings.HasPrefix(line, "ENV "):
			f := strings.Fields(line)
			if len(f) > 1 && strings.Contains(f[1], "@") { // https://name:secret@host
				cred := strings.TrimPrefix(f[1][:strings.LastIndex(f[1], "@")], "https://")
				secrets[cred[strings.Index(cred, ":")+1:]] = true
			}
			if len(f) > 2 {
				secrets[f[2]] = true
			}
		}
	}
	if len(secrets) < 10 {
		t.Fatalf("want the admin password and every identity's secret passed in the environment, found %d", len(secrets))
	}
	if !removed {
		t.Error("an identity left registered by an interrupted run must be removed and registered again")
	}
	for _, a := range args {
		if strings.Contains(a, "secret") || credURL.MatchString(a) {
			t.Errorf("credentials on a command line: %s", a)
		}
		for s := range secrets {
			if strings.Contains(a, s) {
				t.Errorf("a secret is on a command line: %s", a)
			}
		}
	}
}
