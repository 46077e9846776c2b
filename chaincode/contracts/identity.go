package contracts

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/cid"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// caller is the submitting identity as far as govchain cares.
type caller struct {
	msp      string
	cn       string // certificate subject CN
	role     string // govchain.role attribute, "" when absent
	certHash string // hex SHA-256 of the certificate (DER)
}

// callerOf reads the client identity (FORBIDDEN when it cannot be read).
func callerOf(ctx contractapi.TransactionContextInterface) (caller, error) {
	ci := ctx.GetClientIdentity()
	if p, ok := ci.(*cid.ClientID); ci == nil || ok && p == nil {
		return caller{}, domain.Errorf(domain.CodeForbidden, "the caller's identity cannot be read")
	}
	msp, err := ci.GetMSPID()
	if err != nil || msp == "" {
		return caller{}, domain.Errorf(domain.CodeForbidden, "the caller's MSP ID cannot be read")
	}
	cert, err := ci.GetX509Certificate()
	if err != nil || cert == nil {
		return caller{}, domain.Errorf(domain.CodeForbidden, "the caller (%s) has no X.509 certificate", msp)
	}
	role, _, err := ci.GetAttributeValue(domain.RoleAttribute)
	if err != nil {
		return caller{}, domain.Errorf(domain.CodeForbidden, "the caller's %s attribute cannot be read", domain.RoleAttribute)
	}
	sum := sha256.Sum256(cert.Raw)
	return caller{msp: msp, cn: cert.Subject.CommonName, role: role, certHash: hex.EncodeToString(sum[:])}, nil
}

// actorOf returns who is writing, when (the transaction timestamp, RFC 3339 UTC) and in
// which transaction.
func actorOf(ctx contractapi.TransactionContextInterface) (domain.Actor, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return domain.Actor{}, err
	}
	ts, err := ctx.GetStub().GetTxTimestamp()
	if err != nil {
		return domain.Actor{}, err
	}
	return domain.Actor{
		Org:  c.msp,
		By:   c.cn,
		At:   ts.AsTime().UTC().Format(time.RFC3339),
		TxID: ctx.GetStub().GetTxID(),
	}, nil
}

// accessorOf is the caller as the access trail records it.
func accessorOf(ctx contractapi.TransactionContextInterface) (domain.Accessor, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return domain.Accessor{}, err
	}
	a, err := actorOf(ctx)
	if err != nil {
		return domain.Accessor{}, err
	}
	return domain.Accessor{Actor: a, Role: c.role, CertHash: c.certHash}, nil
}

// txTime is the transaction (or query proposal) timestamp.
func txTime(ctx contractapi.TransactionContextInterface) (time.Time, error) {
	ts, err := ctx.GetStub().GetTxTimestamp()
	if err != nil {
		return time.Time{}, err
	}
	return ts.AsTime().UTC(), nil
}
