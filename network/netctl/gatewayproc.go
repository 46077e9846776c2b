package netctl

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"time"
)

// GatewayName is the HTTP gateway's process name (PID and log file).
const GatewayName = "gateway"

// StartGateway builds the HTTP gateway, starts it with the generated config and
// waits until /readyz answers 200 (peers reachable, chaincode answering).
func (n *Network) StartGateway(ctx context.Context) error {
	bin := n.L.BinPath("govchain-gateway")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./gateway/cmd/govchain-gateway")
	build.Dir = n.L.Root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build gateway: %w\n%s", err, out)
	}
	if err := n.WriteGatewayConfig(); err != nil {
		return err
	}
	host, portStr, err := net.SplitHostPort(GatewayListen())
	if err != nil {
		return fmt.Errorf("GOVCHAIN_GATEWAY_ADDR %q: %w", GatewayListen(), err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return fmt.Errorf("GOVCHAIN_GATEWAY_ADDR %q: bad port", GatewayListen())
	}
	if _, err := start(n.L, host, Proc{
		Name:  GatewayName,
		Bin:   bin,
		Args:  []string{"-config", n.L.GatewayConfig()},
		Env:   n.T.GoEnv(),
		Dir:   n.L.Root,
		Ports: []int{port},
	}); err != nil {
		return err
	}
	url := "http://" + GatewayListen() + "/readyz"
	deadline := time.Now().Add(60 * time.Second)
	c := &http.Client{Timeout: 5 * time.Second}
	var last string
	for time.Now().Before(deadline) {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if _, ok := running(n.L, GatewayName); !ok {
			return fmt.Errorf("the gateway exited during start-up; see %s", n.L.Log(GatewayName))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("gateway not ready at %s after 60s (%s); see %s", url, last, n.L.Log(GatewayName))
}

// StopGateway stops the gateway (SIGTERM: it finishes in-flight requests).
func (n *Network) StopGateway() error {
	_, err := stop(n.L, GatewayName, 30*time.Second)
	return err
}
