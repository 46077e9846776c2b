// Command govchain-audit lets an auditor verify the ledger themselves: it
// fetches every block from the identity's own peer (qscc GetBlockByNumber,
// evaluated with that identity through the Fabric Gateway) and verifies the
// chain offline with internal/ledgerverify.
//
//	govchain-audit verify -config data/gateway.yaml -identity audit/auditor \
//	    [-from-checkpoint FILE] [-save-checkpoint FILE] [-save-blocks DIR] [-progress N]
//
// Exit status: 0 the chain verifies, 1 a fault was found (printed with the
// block, transaction and what failed), 2 the blocks could not be fetched.
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/govchain/govchain/internal/gatewayconfig"
	"github.com/govchain/govchain/internal/ledgerverify"
	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"
)

const maxMessageBytes = 100 << 20

func main() {
	if len(os.Args) < 2 || os.Args[1] != "verify" {
		fmt.Fprintln(os.Stderr, "usage: govchain-audit verify -config FILE -identity ORG/ROLE [-from-checkpoint FILE] [-save-checkpoint FILE] [-save-blocks DIR] [-progress N]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("verify", flag.ExitOnError)
	cfgPath := fs.String("config", "data/gateway.yaml", "gateway configuration file")
	who := fs.String("identity", "audit/auditor", "ORG/ROLE of the identity that fetches the blocks")
	from := fs.String("from-checkpoint", "", "checkpoint JSON: verify only the blocks after it")
	save := fs.String("save-checkpoint", "", "write the checkpoint JSON here when the chain verifies")
	blocksDir := fs.String("save-blocks", "", "also keep each fetched block here as NNNNNNNNNN.block (marshalled common.Block)")
	every := fs.Uint64("progress", 100, "print progress every N blocks (0: never)")
	_ = fs.Parse(os.Args[2:])
	os.Exit(run(*cfgPath, *who, *from, *save, *blocksDir, *every))
}

func run(cfgPath, who, from, save, blocksDir string, every uint64) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "govchain-audit: "+format+"\n", a...)
		return 2
	}
	cfg, err := gatewayconfig.Read(cfgPath)
	if err != nil {
		return fail("%v", err)
	}
	org, role, ok := strings.Cut(who, "/")
	if !ok {
		return fail("-identity must be ORG/ROLE")
	}
	id, ok := cfg.Identity(org, role)
	if !ok {
		return fail("no identity %s in %s", who, cfgPath)
	}
	peer, ok := cfg.Peer(id.Home())
	if !ok {
		return fail("identity %s: no peer %q in %s", who, id.Home(), cfgPath)
	}
	qscc, closeConn, err := connect(cfg, id, peer)
	if err != nil {
		return fail("%v", err)
	}
	defer closeConn()

	opts := ledgerverify.Options{ProgressEvery: every, OnProgress: func(p ledgerverify.Progress) {
		fmt.Printf("verified up to block %d (%d blocks, %d valid transactions this run)\n", p.Block, p.Blocks, p.Transactions)
	}}
	v := ledgerverify.New(opts)
	start := uint64(0)
	if from != "" {
		raw, err := os.ReadFile(from)
		if err != nil {
			return fail("%v", err)
		}
		var cp ledgerverify.Checkpoint
		if err := json.Unmarshal(raw, &cp); err != nil {
			return fail("%s: %v", from, err)
		}
		if v, err = ledgerverify.Resume(cp, opts); err != nil {
			return fail("%s: %v", from, err)
		}
		if !v.ChecksEndorsementPolicies() {
			fmt.Printf("note: %s predates endorsement policy checks; they are skipped until the chain is verified from block 0\n", from)
		}
		start = cp.Number + 1
	}

	info := &cb.BlockchainInfo{}
	raw, err := qscc("GetChainInfo", cfg.Channel)
	if err == nil {
		err = proto.Unmarshal(raw, info)
	}
	if err != nil {
		return fail("GetChainInfo: %v", err)
	}
	fmt.Printf("channel %s on %s: height %d, verifying blocks %d..%d as %s\n", cfg.Channel, peer.Name, info.Height, start, int64(info.Height)-1, who)
	began := time.Now()
	for n := start; n < info.Height; n++ {
		raw, err := qscc("GetBlockByNumber", cfg.Channel, strconv.FormatUint(n, 10))
		if err != nil {
			return fail("GetBlockByNumber %d: %v", n, err)
		}
		if blocksDir != "" {
			if err := os.MkdirAll(blocksDir, 0o755); err != nil {
				return fail("%v", err)
			}
			if err := os.WriteFile(filepath.Join(blocksDir, fmt.Sprintf("%010d.block", n)), raw, 0o644); err != nil {
				return fail("%v", err)
			}
		}
		b := &cb.Block{}
		if err := proto.Unmarshal(raw, b); err != nil {
			return fail("block %d: %v", n, err)
		}
		if err := v.VerifyBlock(b); err != nil {
			var f *ledgerverify.Fault
			if errors.As(err, &f) {
				out, _ := json.Marshal(f)
				fmt.Printf("FAULT %v\n%s\n", f, out)
				return 1
			}
			return fail("block %d: %v", n, err)
		}
	}
	st := v.Stats()
	cp := v.Checkpoint()
	fmt.Printf("OK: %d blocks, %d valid transactions verified in %s; chain ends at block %d, header hash %x\n",
		st.Blocks, st.Transactions, time.Since(began).Round(time.Millisecond), cp.Number, cp.HeaderHash)
	if save != "" && (st.Blocks > 0 || from != "") {
		out, _ := json.MarshalIndent(cp, "", "  ")
		if err := os.WriteFile(save, append(out, '\n'), 0o644); err != nil {
			return fail("%v", err)
		}
		fmt.Printf("checkpoint written to %s\n", save)
	}
	return 0
}

// connect opens a TLS connection to peer and returns a qscc evaluator signed
// by id.
func connect(cfg *gatewayconfig.File, id gatewayconfig.Identity, peer gatewayconfig.Peer) (func(fn string, args ...string) ([]byte, error), func(), error) {
	caPEM, err := os.ReadFile(peer.TLSCACert)
	if err != nil {
		return nil, nil, fmt.Errorf("peer %s tls_ca_cert: %w", peer.Name, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, nil, fmt.Errorf("peer %s tls_ca_cert: no certificate", peer.Name)
	}
	certPEM, err := os.ReadFile(id.Cert)
	if err != nil {
		return nil, nil, err
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", id.Cert, err)
	}
	xid, err := identity.NewX509Identity(id.MSPID, cert)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := os.ReadFile(id.Key)
	if err != nil {
		return nil, nil, err
	}
	if blk, _ := pem.Decode(keyPEM); blk == nil {
		return nil, nil, fmt.Errorf("%s: no PEM block", id.Key)
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", id.Key, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, nil, err
	}
	cc, err := grpc.NewClient(peer.Endpoint,
		grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, peer.ServerName)),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageBytes)))
	if err != nil {
		return nil, nil, err
	}
	timeout := cfg.Timeouts.Evaluate
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	gw, err := client.Connect(xid, client.WithSign(sign), client.WithHash(hash.SHA256),
		client.WithClientConnection(cc), client.WithEvaluateTimeout(timeout))
	if err != nil {
		cc.Close()
		return nil, nil, err
	}
	contract := gw.GetNetwork(cfg.Channel).GetContract("qscc")
	eval := func(fn string, args ...string) ([]byte, error) {
		return contract.EvaluateWithContext(context.Background(), fn, client.WithArguments(args...))
	}
	return eval, func() { gw.Close(); cc.Close() }, nil
}
