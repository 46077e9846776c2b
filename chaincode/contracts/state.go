package contracts

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// Primary keys are simple keys (never composite), so range queries and history work.
const (
	businessPrefix = "biz~"
	invoicePrefix  = "inv~"
	evidencePrefix = "evi~"
	grantPrefix    = "grt~"
	accessPrefix   = "acc~"
	licencePrefix  = "lic~" // + uscc + "~" + version (6 digits) + "~" + tx id: one licence version
	creditPrefix   = "crd~" // + uscc + "~" + at + "~" + id: one credit record
	// personalPrefix keys private data: + uscc + "~" + stage tx id + "~" + field.
	personalPrefix = "pd~"
)

func businessKey(uscc string) string  { return businessPrefix + uscc }
func invoiceKey(number string) string { return invoicePrefix + number }
func evidenceKey(id string) string    { return evidencePrefix + id }
func grantKey(id string) string       { return grantPrefix + id }
func accessKey(id string) string      { return accessPrefix + id }

// licenceVersionPrefix starts the key of version v of a business's licence; the key ends
// with the issuing transaction's id. Concurrent amendments thus create different keys, each
// with its key-level policy, and conflict only on the business record (MVCC_READ_CONFLICT,
// which the gateway retries); had they created the same key, Fabric would fail every later
// one in the block with ENDORSEMENT_POLICY_FAILURE, because an earlier transaction set that
// key's validation parameter.
func licenceVersionPrefix(uscc string, version int) string {
	return licencePrefix + uscc + "~" + fmt.Sprintf("%06d", version) + "~"
}

func licenceKey(uscc string, version int, txID string) string {
	return licenceVersionPrefix(uscc, version) + txID
}

func creditPrefixOf(uscc string) string { return creditPrefix + uscc + "~" }

func creditKey(c *domain.CreditRecord) string {
	return creditPrefixOf(c.USCC) + c.CreatedAt + "~" + c.ID
}

// personalKey is the private key of one staged personal value.
func personalKey(uscc, stageID, field string) string {
	return personalPrefix + uscc + "~" + stageID + "~" + field
}

// personalPrefixOf starts every private key of a business's personal data.
func personalPrefixOf(uscc string) string { return personalPrefix + uscc + "~" }

// readRaw returns the stored bytes of key, or nil when absent.
func readRaw(stub shim.ChaincodeStubInterface, key string) ([]byte, error) {
	b, err := stub.GetState(key)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", key, err)
	}
	return b, nil
}

// readJSON decodes the record at key into v; found is false when absent.
func readJSON(stub shim.ChaincodeStubInterface, key string, v any) (found bool, err error) {
	b, err := readRaw(stub, key)
	if err != nil || b == nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("decode %q: %w", key, err)
	}
	return true, nil
}

// mustRead decodes the record at key into v, or returns NOT_FOUND with notFound as message.
func mustRead(stub shim.ChaincodeStubInterface, key string, v any, notFound string) error {
	found, err := readJSON(stub, key, v)
	if err != nil {
		return err
	}
	if !found {
		return domain.Errorf(domain.CodeNotFound, "%s", notFound)
	}
	return nil
}

// writeJSON stores v at key and returns the stored bytes.
func writeJSON(stub shim.ChaincodeStubInterface, key string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %q: %w", key, err)
	}
	if err := stub.PutState(key, b); err != nil {
		return nil, fmt.Errorf("write %q: %w", key, err)
	}
	return b, nil
}

// createRecord stores a new record and sets its state-based endorsement policy.
func createRecord(stub shim.ChaincodeStubInterface, key string, v any, owner string) ([]byte, error) {
	b, err := writeJSON(stub, key, v)
	if err != nil {
		return nil, err
	}
	policy, err := recordPolicy(owner)
	if err != nil {
		return nil, err
	}
	if err := stub.SetStateValidationParameter(key, policy); err != nil {
		return nil, fmt.Errorf("set endorsement policy of %q: %w", key, err)
	}
	return b, nil
}

// putIndex stores an index entry whose value is the indexed record's id.
func putIndex(stub shim.ChaincodeStubInterface, key, id string) error {
	if err := stub.PutState(key, []byte(id)); err != nil {
		return fmt.Errorf("write index %q: %w", key, err)
	}
	return nil
}

func delIndex(stub shim.ChaincodeStubInterface, key string) error {
	if err := stub.DelState(key); err != nil {
		return fmt.Errorf("delete index %q: %w", key, err)
	}
	return nil
}

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func jsonDecode(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode record: %w", err)
	}
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
