// Package proofbundle builds and verifies proof bundles: one self-contained
// JSON file that proves, offline, that a transaction is in the channel's
// ledger as the orderers ordered it, who created and endorsed it, that the
// endorsements satisfy the chaincode's endorsement policy in force, and which
// record values it wrote. docs/proof-bundle.md specifies the format.
//
// The whole file is a deterministic function of the blocks it carries and the
// transaction id: Verify re-derives every other field from the blocks (after
// checking their hashes and signatures) and requires the file to be exactly
// the canonical encoding of what it derived, so that changing any byte of the
// file makes verification fail with a reason.
package proofbundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
)

// Format names this version of the format.
const Format = "govchain-proof-bundle/1"

// Roles of the blocks of a bundle.
const (
	RoleConfig      = "config"
	RoleDefinition  = "definition"
	RoleTransaction = "transaction"
)

// Bundle is a proof bundle. Field order is the encoding order.
type Bundle struct {
	Format  string  `json:"format"`
	Summary Summary `json:"summary"`
	Blocks  []Block `json:"blocks"`
	Writes  []Write `json:"writes"`
}

// Summary is what the bundle proves, derived from the blocks.
type Summary struct {
	Channel          string         `json:"channel"`
	TxID             string         `json:"tx_id"`
	Block            uint64         `json:"block"`
	TxIndex          int            `json:"tx_index"`
	ValidationCode   string         `json:"validation_code"`
	Timestamp        string         `json:"timestamp"`
	Creator          Signer         `json:"creator"`
	Endorsers        []Signer       `json:"endorsers"`
	Chaincode        string         `json:"chaincode"`
	ChaincodeVersion string         `json:"chaincode_version"`
	Definition       Definition     `json:"definition"`
	Policies         []PolicyCheck  `json:"policies"`
	KeyPoliciesSet   []KeyPolicy    `json:"key_policies_set"`
	PrivateWrites    []PrivateWrite `json:"private_writes"`
	TrustAnchor      TrustAnchor    `json:"trust_anchor"`
	RecordKeys       []string       `json:"record_keys"`
}

// Signer is a certificate holder.
type Signer struct {
	MSPID   string `json:"msp_id"`
	Subject string `json:"subject"`
}

// Definition is the chaincode definition in force for the transaction.
type Definition struct {
	Block             uint64             `json:"block"`
	TxIndex           uint64             `json:"tx_index"`
	TxID              string             `json:"tx_id"`
	Sequence          int64              `json:"sequence"`
	Version           string             `json:"version"`
	EndorsementPolicy string             `json:"endorsement_policy"`
	Collections       []CollectionPolicy `json:"collections"`
}

// CollectionPolicy is a private data collection and its endorsement policy
// ("" when the chaincode's applies).
type CollectionPolicy struct {
	Name              string `json:"name"`
	EndorsementPolicy string `json:"endorsement_policy"`
}

// PolicyCheck is one endorsement policy evaluated against the endorsements.
type PolicyCheck struct {
	Scope     string `json:"scope"` // "chaincode" or "collection <name>"
	Policy    string `json:"policy"`
	Satisfied bool   `json:"satisfied"`
}

// KeyPolicy is a key-level endorsement policy the transaction sets.
type KeyPolicy struct {
	Collection string `json:"collection"`
	Key        string `json:"key"`
	Policy     string `json:"policy"`
}

// PrivateWrite is a private data write: only hashes are on the ledger.
type PrivateWrite struct {
	Collection string `json:"collection"`
	KeyHash    string `json:"key_hash"`
	ValueHash  string `json:"value_hash"`
	IsDelete   bool   `json:"is_delete"`
}

// TrustAnchor is the first config block of the bundle: the verifier must
// compare its header hash with one published by the audit office.
type TrustAnchor struct {
	Block      uint64 `json:"block"`
	HeaderHash string `json:"header_hash"`
}

// Block is one block of the bundle.
type Block struct {
	Role            string   `json:"role"`
	Number          uint64   `json:"number"`
	HeaderHash      string   `json:"header_hash"`
	ValidationCodes []string `json:"validation_codes"`
	Bytes           []byte   `json:"bytes"`
}

// Write is one public write of the transaction in the chaincode's namespace.
type Write struct {
	Key       string  `json:"key"`
	IsDelete  bool    `json:"is_delete"`
	Value     []byte  `json:"value"`
	ValueText *string `json:"value_text,omitempty"`
}

// Encode is the canonical encoding of a bundle: two-space indented JSON with
// a final newline.
func Encode(b *Bundle) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decode reads a bundle strictly: unknown fields and trailing data refused.
func decode(raw []byte) (*Bundle, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	b := &Bundle{}
	if err := dec.Decode(b); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the bundle")
	}
	var rest json.RawMessage
	if err := dec.Decode(&rest); err == nil {
		return nil, errors.New("data after the bundle")
	}
	return b, nil
}

// firstDifference names the first field where two bundles differ.
func firstDifference(got, want *Bundle) string {
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	var gv, wv any
	_ = json.Unmarshal(g, &gv)
	_ = json.Unmarshal(w, &wv)
	if p := diffPath("", gv, wv); p != "" {
		return p
	}
	return ""
}

func diffPath(path string, a, b any) string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return describe(path, a, b)
		}
		keys := make([]string, 0, len(av)+len(bv))
		for k := range av {
			keys = append(keys, k)
		}
		for k := range bv {
			if _, ok := av[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if d := diffPath(path+"."+k, av[k], bv[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return describe(path, a, b)
		}
		for i := range av {
			if d := diffPath(fmt.Sprintf("%s[%d]", path, i), av[i], bv[i]); d != "" {
				return d
			}
		}
		return ""
	default:
		if reflect.DeepEqual(a, b) {
			return ""
		}
		return describe(path, a, b)
	}
}

func describe(path string, got, want any) string {
	clip := func(v any) string {
		s, _ := json.Marshal(v)
		if len(s) > 120 {
			return string(s[:117]) + "..."
		}
		return string(s)
	}
	return fmt.Sprintf("%s is %s, the blocks say %s", path[1:], clip(got), clip(want))
}
