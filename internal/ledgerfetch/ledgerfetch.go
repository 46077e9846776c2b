// Package ledgerfetch reads blocks from one peer with one identity (the
// peer's query system chaincode, qscc, evaluated through the peer's Fabric
// Gateway service with TLS), runs internal/ledgerverify over them, and
// compares the verified chain's head with what other peers hold. It is what
// govchain-audit and the gateway's /ledger/verification share.
package ledgerfetch

import (
	"context"
	"fmt"
	"github.com/govchain/govchain/internal/fabricid"
	"strconv"
	"time"

	"github.com/govchain/govchain/internal/gatewayconfig"
	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/proto"
)

// MaxMessageBytes bounds one block read (a block of the network's batch size
// with evidence metadata stays far below).
const MaxMessageBytes = 100 << 20

// Source reads one peer's copy of the channel's blocks.
type Source struct {
	Peer    string // peer name in the configuration
	MSPID   string // the peer's org
	channel string
	network *client.Network
	eval    func(ctx context.Context, fn string, args ...string) ([]byte, error)
	close   func()
}

// Dial connects to peer with identity id. timeout bounds each call (0: 30 s).
func Dial(cfg *gatewayconfig.File, id gatewayconfig.Identity, peer gatewayconfig.Peer, timeout time.Duration) (*Source, error) {
	pool, err := fabricid.TLSRoots(peer)
	if err != nil {
		return nil, err
	}
	cc, err := grpc.NewClient(peer.Endpoint,
		grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, peer.ServerName)),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageBytes)))
	if err != nil {
		return nil, err
	}
	src, err := Over(cc, cfg.Channel, id, peer, timeout)
	if err != nil {
		cc.Close()
		return nil, err
	}
	closeGateway := src.close
	src.close = func() { closeGateway(); cc.Close() }
	return src, nil
}

// Over is Dial through a connection to peer the caller already has (and closes itself):
// the gateway reuses its own connection to each peer.
func Over(cc grpc.ClientConnInterface, channel string, id gatewayconfig.Identity, peer gatewayconfig.Peer, timeout time.Duration) (*Source, error) {
	xid, sign, err := fabricid.Signer(id)
	if err != nil {
		return nil, err
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	gw, err := client.Connect(xid, client.WithSign(sign), client.WithHash(hash.SHA256),
		client.WithClientConnection(cc), client.WithEvaluateTimeout(timeout))
	if err != nil {
		return nil, err
	}
	network := gw.GetNetwork(channel)
	contract := network.GetContract("qscc")
	return &Source{
		Peer:    peer.Name,
		MSPID:   peer.MSPID,
		channel: channel,
		network: network,
		eval: func(ctx context.Context, fn string, args ...string) ([]byte, error) {
			return contract.EvaluateWithContext(ctx, fn, client.WithArguments(args...))
		},
		close: func() { gw.Close() },
	}, nil
}

// Name returns the peer's name and org.
func (s *Source) Name() (string, string) { return s.Peer, s.MSPID }

// Close releases the connection.
func (s *Source) Close() {
	if s != nil && s.close != nil {
		s.close()
	}
}

// Info is the peer's chain info: height and the hash of its last block's
// header, as the peer states them.
func (s *Source) Info(ctx context.Context) (*cb.BlockchainInfo, error) {
	raw, err := s.eval(ctx, "GetChainInfo", s.channel)
	if err != nil {
		return nil, fmt.Errorf("%s GetChainInfo: %w", s.Peer, err)
	}
	info := &cb.BlockchainInfo{}
	if err := proto.Unmarshal(raw, info); err != nil {
		return nil, fmt.Errorf("%s GetChainInfo: %w", s.Peer, err)
	}
	return info, nil
}

// Block reads block n and also returns its bytes as the peer sent them.
func (s *Source) Block(ctx context.Context, n uint64) (*cb.Block, []byte, error) {
	raw, err := s.eval(ctx, "GetBlockByNumber", s.channel, strconv.FormatUint(n, 10))
	if err != nil {
		return nil, nil, fmt.Errorf("%s GetBlockByNumber %d: %w", s.Peer, n, err)
	}
	b := &cb.Block{}
	if err := proto.Unmarshal(raw, b); err != nil {
		return nil, nil, fmt.Errorf("%s block %d: %w", s.Peer, n, err)
	}
	return b, raw, nil
}

// BlockByTxID reads the block that holds transaction txID.
func (s *Source) BlockByTxID(ctx context.Context, txID string) (*cb.Block, []byte, error) {
	raw, err := s.eval(ctx, "GetBlockByTxID", s.channel, txID)
	if err != nil {
		return nil, nil, fmt.Errorf("%s GetBlockByTxID %s: %w", s.Peer, txID, err)
	}
	b := &cb.Block{}
	if err := proto.Unmarshal(raw, b); err != nil {
		return nil, nil, fmt.Errorf("%s block of %s: %w", s.Peer, txID, err)
	}
	return b, raw, nil
}

// Stream delivers blocks from start on, as the peer's Deliver service sends
// them (one signed request for the whole stream instead of one qscc query per
// block). The channel closes when ctx ends or the stream breaks.
func (s *Source) Stream(ctx context.Context, start uint64) (<-chan *cb.Block, error) {
	ch, err := s.network.BlockEvents(ctx, client.WithStartBlock(start))
	if err != nil {
		return nil, fmt.Errorf("%s block stream from %d: %w", s.Peer, start, err)
	}
	return ch, nil
}
