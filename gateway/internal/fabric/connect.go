package fabric

import (
	"crypto/x509"
	"fmt"
	"github.com/govchain/govchain/internal/fabricid"
	"time"

	"github.com/govchain/govchain/gateway/internal/config"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
)

// maxMessageBytes is the largest gRPC message sent or received (Fabric's peer default).
const maxMessageBytes = 100 << 20

// Connection liveness. A dead peer whose host still answers closes the connection at once;
// keepalive finds a silent one (no RST: host gone, process stopped) within keepaliveTime +
// keepaliveTimeout even between calls. Peers must permit pings this often: netctl sets
// peer.keepalive.minInterval to 5s (Fabric's default, 60s, would answer too_many_pings).
// gRPC-Go never pings more often than every 10 s.
const (
	keepaliveTime    = 10 * time.Second
	keepaliveTimeout = 3 * time.Second
	// connectTimeout bounds one connection attempt; maxReconnectDelay caps the backoff
	// between attempts (gRPC's default grows to 120 s, so a restarted peer was ignored
	// for a minute or more).
	connectTimeout    = 3 * time.Second
	maxReconnectDelay = 2 * time.Second
)

// dialPeer opens the one shared gRPC connection to a peer (TLS, server-authenticated). The
// connection is lazy: nothing is dialled until the first call.
func dialPeer(p config.Peer, extra []grpc.DialOption) (*grpc.ClientConn, error) {
	pool, err := fabricid.TLSRoots(p)
	if err != nil {
		return nil, err
	}
	opts := append([]grpc.DialOption{
		grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, p.ServerName)),
		// qscc answers whole blocks (GetBlockByTxID): allow what a peer may send.
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageBytes), grpc.MaxCallSendMsgSize(maxMessageBytes)),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: keepaliveTime, Timeout: keepaliveTimeout, PermitWithoutStream: true}),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 250 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: maxReconnectDelay},
			MinConnectTimeout: connectTimeout,
		}),
	}, extra...)
	cc, err := grpc.NewClient(p.Endpoint, opts...)
	if err != nil {
		return nil, fmt.Errorf("peer %s: %w", p.Name, err)
	}
	return cc, nil
}

// signer is one org/role identity's credentials, loaded once.
type signer struct {
	id   config.Identity
	xid  *identity.X509Identity
	sign identity.Sign     // nil: the identity signs on the client
	cert *x509.Certificate // set for a client-signed identity
}

// loadSigner reads an identity's certificate and private key.
func loadSigner(id config.Identity) (*signer, error) {
	if id.ClientSigned() {
		// The gateway holds the certificate only: the client signs.
		cert, err := fabricid.ReadCertificate(id.Cert)
		if err != nil {
			return nil, fmt.Errorf("identity %s: cert: %w", id.Label(), err)
		}
		xid, err := identity.NewX509Identity(id.MSPID, cert)
		if err != nil {
			return nil, fmt.Errorf("identity %s: %w", id.Label(), err)
		}
		return &signer{id: id, xid: xid, cert: cert}, nil
	}
	xid, sign, err := fabricid.Signer(id)
	if err != nil {
		return nil, err
	}
	return &signer{id: id, xid: xid, sign: sign}, nil
}

// connectVia connects an identity through one peer's shared connection, with the four
// fabric-gateway timeouts set explicitly.
func connectVia(cfg *config.Config, s *signer, peerName string, cc grpc.ClientConnInterface, obs observer) (*gatewayConn, error) {
	opts := []client.ConnectOption{
		client.WithHash(hash.SHA256),
		client.WithClientConnection(cc),
		client.WithEvaluateTimeout(cfg.Timeouts.Evaluate),
		client.WithEndorseTimeout(cfg.Timeouts.Endorse),
		client.WithSubmitTimeout(cfg.Timeouts.Submit),
		client.WithCommitStatusTimeout(cfg.Timeouts.CommitStatus),
	}
	if s.sign != nil {
		// Without a signer (client-signed identity) fabric-gateway only takes signed bytes.
		opts = append(opts, client.WithSign(s.sign))
	}
	gw, err := client.Connect(s.xid, opts...)
	if err != nil {
		return nil, fmt.Errorf("identity %s via %s: %w", s.id.Label(), peerName, err)
	}
	return &gatewayConn{
		caller:    ledger.Caller{Org: s.id.Org, Role: s.id.Role, Name: s.id.Name},
		mspID:     s.id.MSPID,
		peerName:  peerName,
		certPEM:   s.xid.Credentials(),
		sign:      s.sign,
		gw:        gw,
		network:   gw.GetNetwork(cfg.Channel),
		chaincode: cfg.Chaincode,
		obs:       obs,
	}, nil
}
