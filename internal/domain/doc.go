// Package domain holds the govchain vocabulary shared by the chaincode and the gateway:
// request and record types of the business, invoice and evidence contracts, the typed
// error that crosses the wire as "CODE: message", USCC and invoice-number validation,
// the one tax/rounding rule and hash validation.
//
// It imports the standard library only, so both the Fabric chaincode and the HTTP gateway
// can depend on it without pulling each other's technology in. Everything here is
// deterministic: no clock, no randomness, no map iteration into output.
package domain
