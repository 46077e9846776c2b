// Command govchain-cc runs the govchain chaincode as an external service
// (chaincode-as-a-service): the peers connect to it over gRPC.
//
// Configuration (environment):
//
//	CHAINCODE_ID                 package id (required)
//	CHAINCODE_SERVER_ADDRESS     listen address host:port (required)
//	CHAINCODE_TLS_CERT           server certificate PEM file  } TLS when both set
//	CHAINCODE_TLS_KEY            server private key PEM file  }
//	CHAINCODE_TLS_CLIENT_CACERT  CA PEM file for peer client certificates (mutual TLS)
package main

import (
	"log/slog"
	"os"

	"github.com/govchain/govchain/chaincode/contracts"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(logger, os.Getenv, os.ReadFile); err != nil {
		logger.Error("govchain chaincode server stopped", "error", err)
		os.Exit(1)
	}
}

// run validates the configuration, builds the chaincode and serves it until the server fails.
func run(logger *slog.Logger, getenv func(string) string, readFile func(string) ([]byte, error)) error {
	cfg, err := loadConfig(getenv, readFile)
	if err != nil {
		return err
	}
	cc, err := contracts.NewChaincode()
	if err != nil {
		return err
	}
	server := &shim.ChaincodeServer{CCID: cfg.ccID, Address: cfg.address, CC: cc, TLSProps: cfg.tls}
	if cfg.tls.Disabled {
		logger.Warn("TLS is off: set CHAINCODE_TLS_CERT and CHAINCODE_TLS_KEY outside development")
	}
	logger.Info("starting govchain chaincode server",
		"chaincode_id", cfg.ccID,
		"address", cfg.address,
		"tls", !cfg.tls.Disabled,
		"mutual_tls", cfg.mutualTLS,
		"version", contracts.Version,
	)
	return server.Start()
}
