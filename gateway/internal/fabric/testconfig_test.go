package fabric

import (
	"time"

	"github.com/govchain/govchain/gateway/internal/config"
	"github.com/govchain/govchain/internal/gatewayconfig"
)

func testConfig() *config.Config {
	return &config.Config{File: gatewayconfig.File{
		Channel: "govchannel", Chaincode: "govchain",
		Timeouts: config.Timeouts{
			Evaluate: 5 * time.Second, Endorse: 15 * time.Second, Submit: 10 * time.Second,
			CommitStatus: 30 * time.Second, Request: time.Minute, WriteDeadline: 90 * time.Second,
			PendingDeadline: 10 * time.Minute, Shutdown: time.Second,
		},
		Retry: config.Retry{MaxAttempts: 3, InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second},
		Peers: []config.Peer{{Name: "peer0.market", MSPID: "MarketMSP"}},
	}}
}

// testPeers are one peer per agency, in configuration order.
func testPeers() []config.Peer {
	return []config.Peer{{Name: "peer0.market", MSPID: "MarketMSP"}, {Name: "peer0.tax", MSPID: "TaxMSP"}, {Name: "peer0.notary", MSPID: "NotaryMSP"}}
}
