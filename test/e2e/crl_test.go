//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/govchain/govchain/internal/ledgerverify"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/chanconfig"
	"github.com/govchain/govchain/internal/domain"
	"github.com/govchain/govchain/internal/fabricid"
	"github.com/govchain/govchain/internal/gatewayconfig"
	"github.com/govchain/govchain/internal/ledgerfetch"
	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	gatewaypb "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
)

// testRevocation enrols a new registrar of the market bureau at its CA, shows the peers
// endorse and commit what it signs when it talks to them directly with the Fabric Gateway
// SDK (not through the HTTP gateway), revokes it at the CA, publishes the CRL into MarketMSP
// in the channel configuration (internal/chanconfig, signed by the market admin), and shows
// the peers then refuse its proposals while the market's other identities still write.
// The auditor's chain verification, a later step, covers the config update block.
func testRevocation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cfg, err := gatewayconfig.Read(filepath.Join(h.data, "gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Orderers) != 3 {
		t.Fatalf("gateway.yaml must name the 3 orderers, has %d", len(cfg.Orderers))
	}
	name := fmt.Sprintf("clerk%d", time.Now().UnixNano()%1e9)
	msp, err := h.net.EnrollUser(ctx, "market", name, "registrar")
	if err != nil {
		t.Fatal(err)
	}
	clerk := gatewayconfig.Identity{Org: "market", Role: "registrar", MSPID: "MarketMSP",
		Cert: filepath.Join(msp, "signcerts", "cert.pem"), Key: filepath.Join(msp, "keystore", "key.pem")}
	colleague, _ := cfg.Identity("market", "registrar")
	register := func(id gatewayconfig.Identity, company string) error {
		return registerDirect(ctx, cfg, id, businessBody(newUSCC(t), company))
	}

	t.Run("a new registrar's transactions are endorsed and committed by the peers", func(t *testing.T) {
		if err := register(clerk, "Clerk Registered Co., Ltd."); err != nil {
			t.Fatalf("the new registrar's write: %v", err)
		}
	})

	// A transaction the peers endorse now and that is submitted only after the revocation.
	held, heldDone, err := endorseDirect(ctx, cfg, clerk, businessBody(newUSCC(t), "Held Back Co., Ltd."))
	if err != nil {
		t.Fatalf("endorse the held transaction: %v", err)
	}
	defer heldDone()

	var crl []byte
	t.Run("revoked at the CA, its CRL is published into MarketMSP", func(t *testing.T) {
		crl, err = h.net.RevokeUser(ctx, "market", name, "keycompromise")
		if err != nil {
			t.Fatal(err)
		}
		before := configNumber(t, ctx, cfg)
		u, err := chanconfig.NewCRLUpdater(cfg)
		if err != nil {
			t.Fatal(err)
		}
		u.Logf = t.Logf
		t0 := time.Now()
		if err := u.PublishCRL(ctx, "market", crl); err != nil {
			t.Fatal(err)
		}
		t.Logf("CRL published and on every peer in %s", time.Since(t0).Round(time.Millisecond))
		after := configNumber(t, ctx, cfg)
		if after <= before {
			t.Fatalf("config block %d in force, was %d: no config update", after, before)
		}
		// Publishing the same CRL again changes nothing.
		if err := u.PublishCRL(ctx, "market", crl); err != nil {
			t.Fatal(err)
		}
		if again := configNumber(t, ctx, cfg); again != after {
			t.Fatalf("publishing the same CRL again made config block %d (was %d)", again, after)
		}
	})

	t.Run("the peers refuse the revoked registrar", func(t *testing.T) {
		err := register(clerk, "Revoked Clerk Co., Ltd.")
		if err == nil {
			t.Fatal("a proposal signed by the revoked certificate was endorsed")
		}
		msg := err.Error()
		t.Logf("refused: %s", msg)
		if !strings.Contains(msg, "access denied") && !strings.Contains(msg, "creator") && !strings.Contains(msg, "revoked") {
			t.Fatalf("want an access/creator refusal, got: %v", err)
		}
	})

	t.Run("a transaction it created before the revocation does not commit after it", func(t *testing.T) {
		err := submitDirect(ctx, held)
		if err == nil {
			t.Fatal("a transaction created by the revoked certificate committed as valid")
		}
		t.Logf("refused: %s", err)
	})

	t.Run("the market's other identities still write", func(t *testing.T) {
		if err := register(colleague, "Colleague Registered Co., Ltd."); err != nil {
			t.Fatal(err)
		}
		must(t, 201, call(t, "POST", "/api/v1/businesses", key(t, "market", "registrar"), businessBody(newUSCC(t), "After Revocation Co., Ltd.")))
	})
}

// registerDirect registers a business as id through the market peer's Fabric Gateway
// service with the SDK: endorse, submit, wait for the commit status.
func registerDirect(ctx context.Context, cfg *gatewayconfig.File, id gatewayconfig.Identity, body map[string]any) error {
	tx, done, err := endorseDirect(ctx, cfg, id, body)
	if err != nil {
		return err
	}
	defer done()
	return submitDirect(ctx, tx)
}

// endorseDirect has the peers endorse a registration proposal signed by id (connected to
// the market peer's Fabric Gateway service); done closes the connection.
func endorseDirect(ctx context.Context, cfg *gatewayconfig.File, id gatewayconfig.Identity, body map[string]any) (*client.Transaction, func(), error) {
	peer, _ := cfg.Peer("peer0.market")
	pool, err := fabricid.TLSRoots(peer)
	if err != nil {
		return nil, nil, err
	}
	cc, err := grpc.NewClient(peer.Endpoint, grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, peer.ServerName)))
	if err != nil {
		return nil, nil, err
	}
	xid, sign, err := fabricid.Signer(id)
	if err != nil {
		cc.Close()
		return nil, nil, err
	}
	gw, err := client.Connect(xid, client.WithSign(sign), client.WithHash(hash.SHA256), client.WithClientConnection(cc),
		client.WithEndorseTimeout(30*time.Second), client.WithSubmitTimeout(30*time.Second), client.WithCommitStatusTimeout(time.Minute))
	if err != nil {
		cc.Close()
		return nil, nil, err
	}
	done := func() { gw.Close(); cc.Close() }
	req, err := json.Marshal(body)
	if err != nil {
		done()
		return nil, nil, err
	}
	contract := gw.GetNetwork(cfg.Channel).GetContractWithName(cfg.Chaincode, domain.ContractBusiness)
	proposal, err := contract.NewProposal("Register", client.WithArguments(string(req)))
	if err != nil {
		done()
		return nil, nil, err
	}
	tx, err := proposal.EndorseWithContext(ctx)
	if err != nil {
		done()
		return nil, nil, fmt.Errorf("endorse: %w", describeGatewayError(err))
	}
	return tx, done, nil
}

// submitDirect sends an endorsed transaction to the orderers and waits for its commit status.
func submitDirect(ctx context.Context, tx *client.Transaction) error {
	commit, err := tx.SubmitWithContext(ctx)
	if err != nil {
		return fmt.Errorf("submit: %w", describeGatewayError(err))
	}
	st, err := commit.StatusWithContext(ctx)
	if err != nil {
		return fmt.Errorf("commit status: %w", err)
	}
	if !st.Successful {
		return fmt.Errorf("transaction %s committed as %s", st.TransactionID, st.Code)
	}
	return nil
}

// describeGatewayError adds the peers' own messages (the gRPC status details) to err.
func describeGatewayError(err error) error {
	var details []string
	for _, d := range status.Convert(err).Details() {
		if ed, ok := d.(*gatewaypb.ErrorDetail); ok {
			details = append(details, ed.GetAddress()+" ("+ed.GetMspId()+"): "+ed.GetMessage())
		}
	}
	if len(details) == 0 {
		return err
	}
	return fmt.Errorf("%w [%s]", err, strings.Join(details, "; "))
}

// configNumber is the number of the config block in force at the audit office's peer.
func configNumber(t *testing.T, ctx context.Context, cfg *gatewayconfig.File) uint64 {
	t.Helper()
	id, _ := cfg.Identity("audit", "auditor")
	peer, _ := cfg.Peer(id.Home())
	src, err := ledgerfetch.Dial(cfg, id, peer, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	info, err := src.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head, _, err := src.Block(ctx, info.Height-1)
	if err != nil {
		t.Fatal(err)
	}
	n, err := ledgerverify.LastConfigIndex(head)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
