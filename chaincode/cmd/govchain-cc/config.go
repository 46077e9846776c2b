package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// Environment variables read at start.
const (
	envID           = "CHAINCODE_ID"                // package id, e.g. govchain_1.0:abc…
	envAddress      = "CHAINCODE_SERVER_ADDRESS"    // listen address, host:port
	envTLSCert      = "CHAINCODE_TLS_CERT"          // server certificate (PEM file)
	envTLSKey       = "CHAINCODE_TLS_KEY"           // server private key (PEM file)
	envTLSClientCAs = "CHAINCODE_TLS_CLIENT_CACERT" // CA(s) of the peers' client certs: mutual TLS
)

// config is everything the server needs, validated.
type config struct {
	ccID      string
	address   string
	tls       shim.TLSProperties
	mutualTLS bool
}

// loadConfig reads and validates the configuration. File contents are never put in errors.
func loadConfig(getenv func(string) string, readFile func(string) ([]byte, error)) (config, error) {
	var errs []error
	cfg := config{ccID: getenv(envID), address: getenv(envAddress)}
	if cfg.ccID == "" {
		errs = append(errs, fmt.Errorf("%s is required (the chaincode package id, as printed by 'peer lifecycle chaincode install')", envID))
	}
	if cfg.address == "" {
		errs = append(errs, fmt.Errorf("%s is required (listen address host:port, e.g. 0.0.0.0:9999)", envAddress))
	} else if err := checkAddress(cfg.address); err != nil {
		errs = append(errs, fmt.Errorf("%s=%q: %v", envAddress, cfg.address, err))
	}

	certPath, keyPath, caPath := getenv(envTLSCert), getenv(envTLSKey), getenv(envTLSClientCAs)
	switch {
	case certPath == "" && keyPath == "":
		cfg.tls.Disabled = true
		if caPath != "" {
			errs = append(errs, fmt.Errorf("%s needs TLS: set %s and %s too", envTLSClientCAs, envTLSCert, envTLSKey))
		}
	case certPath == "" || keyPath == "":
		errs = append(errs, fmt.Errorf("set both %s and %s to enable TLS, or neither", envTLSCert, envTLSKey))
	default:
		cert, certErr := readFile(certPath)
		if certErr != nil {
			errs = append(errs, fmt.Errorf("%s: cannot read %s: %v", envTLSCert, certPath, certErr))
		}
		key, keyErr := readFile(keyPath)
		if keyErr != nil {
			errs = append(errs, fmt.Errorf("%s: cannot read %s: %v", envTLSKey, keyPath, keyErr))
		}
		if certErr == nil && keyErr == nil {
			if _, err := tls.X509KeyPair(cert, key); err != nil {
				errs = append(errs, fmt.Errorf("%s/%s: not a matching PEM certificate and private key: %v", envTLSCert, envTLSKey, err))
			}
		}
		cfg.tls = shim.TLSProperties{Cert: cert, Key: key}
		if caPath != "" {
			ca, err := readFile(caPath)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("%s: cannot read %s: %v", envTLSClientCAs, caPath, err))
			case !x509.NewCertPool().AppendCertsFromPEM(ca):
				errs = append(errs, fmt.Errorf("%s: %s holds no PEM certificate", envTLSClientCAs, caPath))
			default:
				cfg.tls.ClientCACerts = ca
				cfg.mutualTLS = true
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return config{}, err
	}
	return cfg, nil
}

func checkAddress(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("must be host:port: %v", err)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q must be 1..65535", port)
	}
	return nil
}
