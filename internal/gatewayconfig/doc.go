// Package gatewayconfig is the schema of the HTTP gateway's configuration file
// (data/gateway.yaml) and the reader and writer of the dev API keys file (data/keys.env).
//
// It is shared by the gateway (which adds defaults and validation), netctl (which writes both
// files for the dev network), the benchmark and the end-to-end tests (which read them). It
// imports neither Gin nor Fabric.
package gatewayconfig
