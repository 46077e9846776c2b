// Command govnet runs the govchain test network as native processes.
//
//	govnet up|down|clean|status [SECONDS]|catchup NODE [SECONDS]|deploy|logs NODE|stop NODE|gateway start|stop|profile [SECONDS]|crl publish ORG FILE|crl revoke ORG NAME [REASON]
//
// scripts/network.sh builds and calls it; see the README.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/govchain/govchain/network/netctl"
)

const usage = `usage: govnet COMMAND
  up          build what is missing, start every node, join the channel, deploy the chaincode
  down        stop every process the network started (ledgers and identities are kept)
  clean       down, then delete all generated state (data/)
  status [SECONDS]  each node's PID, port, health, block height, lag behind the highest height
              and state (OK, LAGGING, STUCK, DOWN), heights read SECONDS apart (default 2)
  catchup NODE [SECONDS]  wait until a peer or orderer has reached the others' height
              (default timeout 60 s) and print how long that took
  deploy      rebuild the chaincode; upgrade the definition (next sequence) if it changed
  logs NODE   follow a node's log (e.g. peer0.market, orderer1, ca.tax, cc.notary)
  stop NODE   stop one node (e.g. to test crash tolerance); 'up' restarts it
  gateway start|stop  build and start the HTTP gateway (waits for /readyz), or stop it
  profile [SECONDS]   CPU profiles of every orderer and peer over the same window (default 20 s),
              into data/profiles/TIME/; needs the network started with GOVCHAIN_PPROF=1
  crl publish ORG FILE  put ORG's CRL (PEM, signed by ORG's CA) into ORG's MSP in the channel
              configuration (a config update signed by ORG's admin) and wait until every peer
              has it: the peers then refuse what the revoked certificates sign
  crl revoke ORG NAME [REASON]  revoke identity NAME at ORG's CA, generate the CA's CRL and
              publish it as above
Environment: GOVCHAIN_ROOT (repo root, default .), GOVCHAIN_DATA (default ROOT/data),
GOVCHAIN_BIN (default ROOT/bin), GOVCHAIN_BASE_PORT, GOVCHAIN_HOST, GOVCHAIN_DOMAIN,
GOVCHAIN_GATEWAY_ADDR (default 127.0.0.1:8080).`

func main() {
	if len(os.Args) >= 3 && os.Args[1] == "ccaas-builder" {
		if err := netctl.RunBuilder(os.Args[2], os.Args[3:]); err != nil {
			fmt.Fprintln(os.Stderr, "ccaas-builder:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := runCmd(log, os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "govnet "+os.Args[1]+": "+err.Error())
		os.Exit(1)
	}
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func runCmd(log *slog.Logger, cmd string, args []string) error {
	root, err := filepath.Abs(env("GOVCHAIN_ROOT", "."))
	if err != nil {
		return err
	}
	l := netctl.Layout{
		Root: root,
		Data: env("GOVCHAIN_DATA", filepath.Join(root, "data")),
		Bin:  env("GOVCHAIN_BIN", filepath.Join(root, "bin")),
	}
	n, err := netctl.Open(filepath.Join(root, "network", "network.yaml"), l, log)
	if err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	switch cmd {
	case "up":
		self, err := os.Executable()
		if err != nil {
			return err
		}
		ctx, cancelUp := context.WithTimeout(ctx, 5*time.Minute)
		defer cancelUp()
		if err := n.Up(ctx, self); err != nil {
			return fmt.Errorf("%w\n(the nodes started so far keep running: 'scripts/network.sh status' shows them, 'down' stops them)", err)
		}
		fmt.Printf("network up: channel %s, chaincode %s\n  API keys: %s\n  gateway config: %s\n  logs: %s\n",
			n.T.Channel, n.T.Chaincode.Name, l.KeysEnv(), l.GatewayConfig(), filepath.Join(l.Data, "logs"))
		return nil
	case "down":
		return n.Down()
	case "clean":
		return n.Clean()
	case "deploy":
		if err := n.Deploy(ctx); err != nil {
			return err
		}
		return nil
	case "status":
		window := 2 * time.Second
		if len(args) > 1 {
			return fmt.Errorf("usage: status [SECONDS]")
		}
		if len(args) == 1 {
			secs, err := strconv.ParseFloat(args[0], 64)
			if err != nil || secs < 0 || secs > 600 {
				return fmt.Errorf("status %q: want an observation window of 0 to 600 seconds", args[0])
			}
			window = time.Duration(secs * float64(time.Second))
		}
		// Heights are read twice, window apart, to tell a node that is catching up
		// (LAGGING) from one that is not (STUCK).
		lagc := make(chan []netctl.LagRow, 1)
		go func() {
			rows, _ := n.Lag(ctx, window)
			lagc <- rows
		}()
		rows := n.Status()
		lag := map[string]netctl.LagRow{}
		for _, r := range <-lagc {
			lag[r.Name] = r
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NODE\tPID\tPORT\tHEALTH\tHEIGHT\tLAG\tSTATE")
		var notes []string
		for _, r := range rows {
			pid, h, lg, st := "-", "-", "-", "-"
			if r.Running {
				pid = fmt.Sprint(r.PID)
			} else {
				r.Health = "STOPPED"
			}
			if r.Height >= 0 {
				h = fmt.Sprint(r.Height)
			}
			if l, ok := lag[r.Name]; ok {
				st = l.State
				if l.Height >= 0 {
					h = fmt.Sprint(l.Height) // the later reading
					lg = fmt.Sprint(l.Lag)
				}
				if l.Reason != "" && l.State != netctl.StateDown {
					notes = append(notes, fmt.Sprintf("  %s %s: %s", r.Name, l.State, l.Reason))
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.Name, pid, r.Port, r.Health, h, lg, st)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, s := range notes {
			fmt.Println(s)
		}
		return nil
	case "catchup":
		if len(args) < 1 || len(args) > 2 {
			return fmt.Errorf("usage: catchup NODE [SECONDS]")
		}
		timeout := 60 * time.Second
		if len(args) == 2 {
			secs, err := strconv.Atoi(args[1])
			if err != nil || secs < 1 {
				return fmt.Errorf("catchup %q: want a timeout in seconds", args[1])
			}
			timeout = time.Duration(secs) * time.Second
		}
		took, err := n.WaitCaughtUp(ctx, args[0], timeout)
		if err != nil {
			return err
		}
		fmt.Printf("%s caught up in %.1fs\n", args[0], took.Seconds())
		return nil
	case "logs":
		if len(args) != 1 {
			return fmt.Errorf("usage: logs NODE")
		}
		f := l.Log(args[0])
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("no log for %q (%s)", args[0], f)
		}
		c := exec.CommandContext(ctx, "tail", "-n", "200", "-F", f)
		c.Stdout, c.Stderr = os.Stdout, os.Stderr
		_ = c.Run()
		return nil
	case "gateway":
		if len(args) != 1 || (args[0] != "start" && args[0] != "stop") {
			return fmt.Errorf("usage: gateway start|stop")
		}
		if args[0] == "stop" {
			return n.StopGateway()
		}
		if err := n.StartGateway(ctx); err != nil {
			return err
		}
		fmt.Printf("gateway ready: http://%s/api/v1 (docs: http://%s/docs)\n", netctl.GatewayListen(), netctl.GatewayListen())
		return nil
	case "profile":
		window := 20 * time.Second
		if len(args) > 1 {
			return fmt.Errorf("usage: profile [SECONDS]")
		}
		if len(args) == 1 {
			secs, err := strconv.Atoi(args[0])
			if err != nil || secs < 1 || secs > 600 {
				return fmt.Errorf("profile %q: want a number of seconds from 1 to 600", args[0])
			}
			window = time.Duration(secs) * time.Second
		}
		dir := filepath.Join(l.Data, "profiles", time.Now().UTC().Format("20060102T150405Z"))
		fmt.Printf("recording %s of CPU on every orderer and peer (run the load now)…\n", window)
		if err := n.Profile(ctx, window, dir); err != nil {
			return err
		}
		for _, t := range n.ProfileTargets() {
			fmt.Printf("  go tool pprof -top %s %s\n", t.Bin, filepath.Join(dir, t.Node+".pprof"))
		}
		return nil
	case "crl":
		logf := func(format string, a ...any) { log.Info(fmt.Sprintf(format, a...)) }
		ctx, cancelCRL := context.WithTimeout(ctx, 3*time.Minute)
		defer cancelCRL()
		switch {
		case len(args) == 3 && args[0] == "publish":
			crl, err := os.ReadFile(args[2])
			if err != nil {
				return err
			}
			if err := n.PublishCRL(ctx, args[1], crl, logf); err != nil {
				return err
			}
		case (len(args) == 3 || len(args) == 4) && args[0] == "revoke":
			reason := ""
			if len(args) == 4 {
				reason = args[3]
			}
			crl, err := n.RevokeUser(ctx, args[1], args[2], reason)
			if err != nil {
				return err
			}
			if err := n.PublishCRL(ctx, args[1], crl, logf); err != nil {
				return fmt.Errorf("%s is revoked at the CA, but the CRL is not in the channel configuration: %w (retry: govnet crl publish %s %s)",
					args[2], err, args[1], filepath.Join(l.Org(args[1]), "ca-admin", "msp", "crls", "crl.pem"))
			}
		default:
			return fmt.Errorf("usage: crl publish ORG FILE | crl revoke ORG NAME [REASON]")
		}
		fmt.Printf("CRL of %s in force on every peer\n", args[1])
		return nil
	case "stop":
		if len(args) != 1 {
			return fmt.Errorf("usage: stop NODE")
		}
		return n.StopNode(args[0])
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
}
