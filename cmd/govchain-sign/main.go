// Command govchain-sign makes one client-signed write through a govchain gateway: the
// identity's private key stays on this machine; the gateway gets signatures only. Before
// signing, it reads the bytes behind each digest: the proposal must be this key's, the
// transaction must carry the very call of the signed proposal.
//
//	govchain-sign -api http://127.0.0.1:8080 -key-file key.pem -api-key KEY POST /api/v1/businesses @body.json
//
// The body is given inline, as @FILE, or as - (standard input). The gateway's answer to the
// last step is printed on standard output; the exit status is 0 for a 2xx answer to the
// final step, 1 for a refusal, 2 for a usage or connection error.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/govchain/govchain/internal/clientsign"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("govchain-sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	api := fs.String("api", os.Getenv("GOVCHAIN_API"), "gateway base URL (default $GOVCHAIN_API)")
	keyFile := fs.String("key-file", os.Getenv("GOVCHAIN_SIGN_KEY_FILE"), "the identity's private key, PEM (PKCS#8 or SEC 1), ECDSA P-256 (default $GOVCHAIN_SIGN_KEY_FILE)")
	apiKey := fs.String("api-key", os.Getenv("GOVCHAIN_SIGN_API_KEY"), "the identity's API key (default $GOVCHAIN_SIGN_API_KEY)")
	async := fs.Bool("async", false, "answer 202 once the signed transaction is persisted (?async=true)")
	idem := fs.String("idempotency-key", "", "Idempotency-Key of the final step")
	timeout := fs.Duration("timeout", 2*time.Minute, "bound of the whole write")
	verbose := fs.Bool("v", false, "print the chaincode call read from the proposal before signing it, and the final status, on standard error")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: govchain-sign [flags] METHOD PATH [BODY | @FILE | -]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() < 2 || fs.NArg() > 3 || *api == "" || *keyFile == "" || *apiKey == "" {
		fs.Usage()
		return 2
	}
	key, err := clientsign.ReadKey(*keyFile)
	if err != nil {
		fmt.Fprintf(stderr, "govchain-sign: key %s: %v\n", *keyFile, err)
		return 2
	}
	var body []byte
	if fs.NArg() == 3 {
		switch b := fs.Arg(2); {
		case b == "-":
			body, err = io.ReadAll(stdin)
		case strings.HasPrefix(b, "@"):
			body, err = os.ReadFile(b[1:])
		default:
			body = []byte(b)
		}
		if err != nil {
			fmt.Fprintf(stderr, "govchain-sign: body: %v\n", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	c := &clientsign.Client{API: *api, APIKey: *apiKey, Key: key}
	if *verbose {
		c.Confirm = func(call *clientsign.Call) error {
			size := 0
			for _, a := range call.Args[1:] {
				size += len(a)
			}
			fmt.Fprintf(stderr, "govchain-sign: signing %s on %s/%s as %s %s (transaction %s, %d argument bytes)\n",
				call.Args[0], call.Channel, call.Chaincode, call.MSPID, call.Subject, call.TxID, size)
			return nil
		}
	}
	res, err := c.Do(ctx, fs.Arg(0), fs.Arg(1), body, clientsign.Options{Async: *async, IdempotencyKey: *idem})
	if err != nil {
		fmt.Fprintf(stderr, "govchain-sign: %v\n", err)
		return 2
	}
	if *verbose || !res.OK() {
		fmt.Fprintf(stderr, "govchain-sign: %s step: HTTP %d (transaction %s)\n", res.Step, res.Status, res.TransactionID)
	}
	stdout.Write(res.Body)
	if len(res.Body) > 0 && res.Body[len(res.Body)-1] != '\n' {
		fmt.Fprintln(stdout)
	}
	if !res.OK() {
		return 1
	}
	return 0
}
