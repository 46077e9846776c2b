package netctl

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
)

// TestStateAccessIsLocked runs what Up runs per org in parallel goroutines
// against the shared state; `go test -race` fails it if any access skips n.mu.
func TestStateAccessIsLocked(t *testing.T) {
	dir := t.TempDir()
	l := Layout{Root: dir, Data: dir, Bin: dir}
	s, err := loadState(l)
	if err != nil {
		t.Fatal(err)
	}
	n := &Network{T: repoTopology(t), L: l, S: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	err = parallel(n.T.Orgs, func(o Org) error {
		for i := 0; i < 20; i++ {
			if n.caPassword(o.Name) == "" {
				n.setCAPassword(o.Name, fmt.Sprintf("pw-%s", o.Name))
			}
			_ = n.enrolled(o.Name)
			n.markEnrolled(o.Name)
			_ = n.joined("peer:" + o.Name)
			n.markJoined("peer:" + o.Name)
			_ = n.packageID(o.Name)
			_ = n.chaincodeState()
		}
		return n.saveState()
	})
	if err != nil {
		t.Fatal(err)
	}
	back, err := loadState(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range n.T.Orgs {
		if back.CAPasswords[o.Name] != "pw-"+o.Name || !back.Enrolled[o.Name] || !back.Joined["peer:"+o.Name] {
			t.Errorf("%s: state not saved: %+v", o.Name, back)
		}
	}
}
