package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"github.com/govchain/govchain/internal/fabricid"
	"github.com/govchain/govchain/internal/gatewayconfig"
	"os"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
)

// directPath sends ops with the fabric-gateway SDK, as the same identities the HTTP gateway
// uses, over one shared gRPC connection per peer. A write is Endorse + Submit + commit
// status; only a VALID commit counts.
type directPath struct {
	conns     map[string]*grpc.ClientConn // by peer name
	contracts map[string]map[string]*client.Contract
	gws       []*client.Gateway
}

func dialPeer(p gatewayconfig.Peer) (*grpc.ClientConn, error) {
	pem, err := os.ReadFile(p.TLSCACert)
	if err != nil {
		return nil, fmt.Errorf("peer %s: %w", p.Name, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("peer %s: no certificate in %s", p.Name, p.TLSCACert)
	}
	return grpc.NewClient(p.Endpoint,
		grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, p.ServerName)),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
	)
}

// newDirectPath connects every identity the op kinds use.
func newDirectPath(cfg *gatewayconfig.File) (*directPath, error) {
	d := &directPath{conns: map[string]*grpc.ClientConn{}, contracts: map[string]map[string]*client.Contract{}}
	for kind, or := range identityFor {
		id, err := configIdentity(cfg, or[0], or[1])
		if err != nil {
			d.Close()
			return nil, err
		}
		cc, ok := d.conns[id.Home()]
		if !ok {
			p, err := configPeer(cfg, id.Home())
			if err != nil {
				d.Close()
				return nil, err
			}
			if cc, err = dialPeer(p); err != nil {
				d.Close()
				return nil, err
			}
			d.conns[id.Home()] = cc
		}
		gw, err := connectIdentity(id, cc)
		if err != nil {
			d.Close()
			return nil, err
		}
		d.gws = append(d.gws, gw)
		net := gw.GetNetwork(cfg.Channel)
		d.contracts[kind] = map[string]*client.Contract{}
		for _, c := range []string{"business", "invoice", "evidence"} {
			d.contracts[kind][c] = net.GetContractWithName(cfg.Chaincode, c)
		}
	}
	return d, nil
}

func connectIdentity(id gatewayconfig.Identity, cc grpc.ClientConnInterface) (*client.Gateway, error) {
	xid, sign, err := fabricid.Signer(id)
	if err != nil {
		return nil, err
	}
	return client.Connect(xid, client.WithSign(sign), client.WithHash(hash.SHA256), client.WithClientConnection(cc),
		client.WithEvaluateTimeout(30*time.Second), client.WithEndorseTimeout(30*time.Second),
		client.WithSubmitTimeout(30*time.Second), client.WithCommitStatusTimeout(time.Minute))
}

func (d *directPath) Name() string { return pathDirect }

// Do runs op; ctx bounds it.
func (d *directPath) Do(ctx context.Context, op *Op) outcome {
	c := d.contracts[op.Kind][op.Contract]
	if !op.Write {
		_, err := c.EvaluateWithContext(ctx, op.Function, client.WithArguments(op.Args...))
		return classifyDirect(ctx, err)
	}
	proposal, err := c.NewProposal(op.Function, client.WithArguments(op.Args...))
	if err != nil {
		return outcome{failOther, err.Error()}
	}
	tx, err := proposal.EndorseWithContext(ctx)
	if err != nil {
		return classifyDirect(ctx, err)
	}
	commit, err := tx.SubmitWithContext(ctx)
	if err != nil {
		return classifyDirect(ctx, err)
	}
	st, err := commit.StatusWithContext(ctx)
	if err != nil {
		return classifyDirect(ctx, err)
	}
	if !st.Successful {
		return outcome{validationFail(st.Code), fmt.Sprintf("transaction %s committed as %s", st.TransactionID, st.Code)}
	}
	return ok
}

func (d *directPath) Close() {
	for _, gw := range d.gws {
		gw.Close()
	}
	for _, cc := range d.conns {
		cc.Close()
	}
}
