package fabric

import (
	"crypto/x509"
	"fmt"

	"github.com/govchain/govchain/gateway/internal/config"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// maxMessageBytes is the largest gRPC message sent or received (Fabric's peer default).
const maxMessageBytes = 100 << 20

// dialPeer opens the one shared gRPC connection to a peer (TLS, server-authenticated). The
// connection is lazy: nothing is dialled until the first call.
func dialPeer(p config.Peer, extra []grpc.DialOption) (*grpc.ClientConn, error) {
	certs, err := config.ReadCertificates(p.TLSCACert)
	if err != nil {
		return nil, fmt.Errorf("peer %s: tls_ca_cert: %w", p.Name, err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	opts := append([]grpc.DialOption{
		grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, p.ServerName)),
		// qscc answers whole blocks (GetBlockByTxID): allow what a peer may send.
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageBytes), grpc.MaxCallSendMsgSize(maxMessageBytes)),
	}, extra...)
	cc, err := grpc.NewClient(p.Endpoint, opts...)
	if err != nil {
		return nil, fmt.Errorf("peer %s: %w", p.Name, err)
	}
	return cc, nil
}

// connectIdentity connects one org/role identity through its peer's shared connection,
// with the four fabric-gateway timeouts set explicitly.
func connectIdentity(cfg *config.Config, id config.Identity, cc grpc.ClientConnInterface, obs observer) (*gatewayConn, error) {
	where := fmt.Sprintf("identity %s/%s", id.Org, id.Role)
	cert, err := config.ReadCertificate(id.Cert)
	if err != nil {
		return nil, fmt.Errorf("%s: cert: %w", where, err)
	}
	xid, err := identity.NewX509Identity(id.MSPID, cert)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	key, err := config.ReadPrivateKey(id.Key)
	if err != nil {
		return nil, fmt.Errorf("%s: key: %w", where, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, fmt.Errorf("%s: key: %w", where, err)
	}
	gw, err := client.Connect(xid,
		client.WithSign(sign),
		client.WithHash(hash.SHA256),
		client.WithClientConnection(cc),
		client.WithEvaluateTimeout(cfg.Timeouts.Evaluate),
		client.WithEndorseTimeout(cfg.Timeouts.Endorse),
		client.WithSubmitTimeout(cfg.Timeouts.Submit),
		client.WithCommitStatusTimeout(cfg.Timeouts.CommitStatus),
	)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return &gatewayConn{
		caller:    ledger.Caller{Org: id.Org, Role: id.Role},
		mspID:     id.MSPID,
		peerName:  id.Peer,
		certPEM:   xid.Credentials(),
		sign:      sign,
		gw:        gw,
		network:   gw.GetNetwork(cfg.Channel),
		chaincode: cfg.Chaincode,
		obs:       obs,
	}, nil
}
