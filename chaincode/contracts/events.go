package contracts

import (
	"encoding/json"
	"fmt"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// emit sets the transaction's one chaincode event (Fabric keeps only the last SetEvent).
func emit(stub shim.ChaincodeStubInterface, name, contract, key string, state []byte, related ...domain.RelatedRecord) error {
	if related == nil {
		related = []domain.RelatedRecord{}
	}
	payload, err := json.Marshal(domain.EventPayload{Contract: contract, Key: key, State: state, Related: related})
	if err != nil {
		return fmt.Errorf("encode event %s: %w", name, err)
	}
	if err := stub.SetEvent(name, payload); err != nil {
		return fmt.Errorf("set event %s: %w", name, err)
	}
	return nil
}
