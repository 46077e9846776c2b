package netctl

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// ProfileTarget is one node whose CPU profile Profile collects.
type ProfileTarget struct {
	Node string // e.g. peer0.tax, orderer1
	Bin  string // the binary, for go tool pprof
	Addr string // its pprof listener
}

// ProfileTargets lists every orderer and peer with its pprof address
// (port + 3; served only when the network was started with GOVCHAIN_PPROF=1).
func (n *Network) ProfileTargets() []ProfileTarget {
	var out []ProfileTarget
	for _, nd := range n.T.OrdererOrg().Orderers {
		out = append(out, ProfileTarget{Node: nd.Name, Bin: n.L.BinPath("orderer"), Addr: n.T.Addr(nd.Offset + portPprof)})
	}
	for _, x := range n.T.PeerNodes() {
		out = append(out, ProfileTarget{Node: nodeID(x.Org, x.Node), Bin: n.L.BinPath("peer"), Addr: n.T.Addr(x.Node.Offset + portPprof)})
	}
	return out
}

// Profile records a CPU profile of every orderer and peer over the same window
// of the given length, one file per node in dir (NODE.pprof), for go tool pprof.
func (n *Network) Profile(ctx context.Context, window time.Duration, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	err := parallel(n.ProfileTargets(), func(t ProfileTarget) error {
		return fetchProfile(ctx, t, window, filepath.Join(dir, t.Node+".pprof"))
	})
	if err != nil {
		os.RemoveAll(dir) // profiles of only some nodes are not the same window's picture
	}
	return err
}

// fetchProfile saves t's CPU profile over window to path.
func fetchProfile(ctx context.Context, t ProfileTarget, window time.Duration, path string) error {
	secs := max(1, int(window.Seconds()))
	url := "http://" + t.Addr + "/debug/pprof/profile?seconds=" + strconv.Itoa(secs)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	c := &http.Client{Timeout: window + 30*time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s: no pprof at %s (start the network with GOVCHAIN_PPROF=1 make up): %w", t.Node, t.Addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s: pprof answered %s: %s", t.Node, resp.Status, msg)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", t.Node, err)
	}
	return f.Close()
}
