package netctl

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/govchain/govchain/internal/domain"
)

// collectionConfig is one private data collection of the chaincode definition, in the
// JSON of `peer lifecycle chaincode approveformyorg --collections-config`.
type collectionConfig struct {
	Name              string            `json:"name"`
	Policy            string            `json:"policy"`
	RequiredPeerCount int               `json:"requiredPeerCount"`
	MaxPeerCount      int               `json:"maxPeerCount"`
	BlockToLive       int               `json:"blockToLive"`
	MemberOnlyRead    bool              `json:"memberOnlyRead"`
	MemberOnlyWrite   bool              `json:"memberOnlyWrite"`
	EndorsementPolicy endorsementPolicy `json:"endorsementPolicy"`
}

type endorsementPolicy struct {
	SignaturePolicy string `json:"signaturePolicy"`
}

// collections are the personal-data collections, one per agency that owns records: the
// agency is the only member (the values live on its peers only, never disseminated:
// maxPeerCount 0), its peers alone endorse writes to it (collection-level policy, so a
// private write never needs, or reaches, another agency's peer), values are kept until
// purged (blockToLive 0). memberOnlyRead is off because the chaincode itself decides who
// reads, against a committed access record; memberOnlyWrite is on.
func (n *Network) collections() []collectionConfig {
	var out []collectionConfig
	for _, o := range n.T.PeerOrgs() {
		if !domain.IsAgencyOrg(o.MSPID) {
			continue
		}
		out = append(out, collectionConfig{
			Name:              domain.PersonalCollection(o.MSPID),
			Policy:            fmt.Sprintf("OR('%s.member')", o.MSPID),
			RequiredPeerCount: 0,
			MaxPeerCount:      0,
			BlockToLive:       0,
			MemberOnlyRead:    false,
			MemberOnlyWrite:   true,
			EndorsementPolicy: endorsementPolicy{SignaturePolicy: fmt.Sprintf("OR('%s.peer')", o.MSPID)},
		})
	}
	return out
}

// writeCollections writes the collections config for the lifecycle commands and returns
// its path and bytes.
func (n *Network) writeCollections() (string, []byte, error) {
	b, err := json.MarshalIndent(n.collections(), "", "  ")
	if err != nil {
		return "", nil, err
	}
	dir := filepath.Join(n.L.Net(), "chaincode")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	path := filepath.Join(dir, "collections.json")
	return path, b, os.WriteFile(path, b, 0o644)
}
