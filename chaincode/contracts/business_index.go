package contracts

import (
	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// Business indexes are simple keys (the shim refuses range queries over composite keys).
// Names are validated printable, so "\x01" cleanly separates name and USCC and sorts
// before any name character: listing order is name, then USCC.
const (
	bizNameIndex   = "idx~bizname~"   // + name + "\x01" + uscc → uscc
	bizStatusIndex = "idx~bizstatus~" // + status + "~" + name + "\x01" + uscc → uscc
)

func bizNameKey(name, uscc string) string { return bizNameIndex + name + "\x01" + uscc }

func bizStatusPrefix(status string) string { return bizStatusIndex + status + "~" }

func bizStatusKey(status, name, uscc string) string {
	return bizStatusPrefix(status) + name + "\x01" + uscc
}

// putBusinessIndexes writes both index entries of b.
func putBusinessIndexes(stub shim.ChaincodeStubInterface, b *domain.Business) error {
	if err := putIndex(stub, bizNameKey(b.Name, b.USCC), b.USCC); err != nil {
		return err
	}
	return putIndex(stub, bizStatusKey(b.Status, b.Name, b.USCC), b.USCC)
}

// moveBusinessIndexes replaces the index entries of a business whose name or status
// changed from (oldName, oldStatus) to b's.
func moveBusinessIndexes(stub shim.ChaincodeStubInterface, oldName, oldStatus string, b *domain.Business) error {
	if oldName == b.Name && oldStatus == b.Status {
		return nil
	}
	if oldName != b.Name {
		if err := delIndex(stub, bizNameKey(oldName, b.USCC)); err != nil {
			return err
		}
	}
	if err := delIndex(stub, bizStatusKey(oldStatus, oldName, b.USCC)); err != nil {
		return err
	}
	if oldName != b.Name {
		if err := putIndex(stub, bizNameKey(b.Name, b.USCC), b.USCC); err != nil {
			return err
		}
	}
	return putIndex(stub, bizStatusKey(b.Status, b.Name, b.USCC), b.USCC)
}
