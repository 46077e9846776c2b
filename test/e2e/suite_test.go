//go:build e2e

package e2e

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/domain"
)

// created lists the GET paths of every record the suite wrote; the restart
// step reads them all back.
var created []string

// TestGovchain runs the end-to-end steps in order on one network: they build on
// each other's records, and the disruptive ones (orderer crash, restarts) come last.
func TestGovchain(t *testing.T) {
	t.Logf("network came up from clean in %s", h.upTime.Round(100*time.Millisecond))
	steps := []struct {
		name string
		run  func(*testing.T)
	}{
		{"network status", testStatus},
		{"clean network starts empty", testStartsEmpty},
		{"Fabric peer CLI", testFabricCLI},
		{"story", testStory},
		{"pledge-based registration and electronic licences", testPledgeAndLicence},
		{"personal data shared under grants", testPersonalData},
		{"read your writes across agencies", testReadYourWrites},
		{"state-based endorsement", testStateBasedEndorsement},
		{"authorization matrix", testAuthzMatrix},
		{"client-side signing", testClientSigning},
		{"bad input", testBadInput},
		{"events", testEvents},
		{"async write", testAsyncWrite},
		{"operations endpoints", testOperations},
		{"privacy proof", testPrivacyProof},
		{"revocation the peers enforce", testRevocation},
		{"auditor verifies the chain", testAuditVerify},
		{"searchable index", testIndex},
		{"proof bundles", testProofBundles},
		{"auditor console in a browser", testConsole},
		{"identities through the agencies' CAs", testIdentities},
		{"an identity enrolled with its own CSR", testCSRIdentity},
		{"orderer crash", testOrdererCrash},
		{"owner peer down", testOwnerPeerDown},
		{"chaincode server down", testChaincodeDown},
		{"restart", testRestart},
	}
	for _, s := range steps {
		t.Run(s.name, s.run)
	}
}

func testStartsEmpty(t *testing.T) {
	r := must(t, 200, call(t, "GET", "/api/v1/businesses?page_size=10", key(t, "audit", "auditor"), nil))
	recs, _ := r.JSON["records"].([]any)
	if len(recs) != 0 {
		t.Fatalf("a clean network must have no businesses, got %d: %s", len(recs), r)
	}
}

var usccSeq atomic.Int64

// newUSCC returns a USCC with a valid check character, unique to this run.
func newUSCC(t testing.TB) string {
	t.Helper()
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	n := time.Now().UnixNano()/1e6*1000 + usccSeq.Add(1)
	org := make([]byte, 9)
	for i := 8; i >= 0; i-- {
		org[i] = alphabet[n%31]
		n /= 31
	}
	first17 := "91350200" + string(org)
	c, err := domain.USCCCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

var invoiceSeq atomic.Int64

// newInvoiceNumber returns a 20-digit invoice number unique to this run.
func newInvoiceNumber() string {
	return fmt.Sprintf("26%010d%08d", time.Now().Unix()%1e10, invoiceSeq.Add(1))
}

func businessBody(uscc, name string) map[string]any {
	return map[string]any{
		"uscc": uscc, "name": name, "entity_type": "limited company",
		"legal_representative": "Lin Mei", "registered_capital_fen": 200000000,
		"address": "99 Hubin South Road, Siming, Xiamen", "business_scope": "wholesale of office supplies",
		"established_on": "2019-03-08", "registration_authority": "Xiamen Administration for Market Regulation",
	}
}

// record returns the record of a gateway answer: a write's answer is the
// record plus transaction_id and block_number, a read's is the record.
func record(r resp) map[string]any {
	out := map[string]any{}
	for k, v := range r.JSON {
		if k != "transaction_id" && k != "block_number" {
			out[k] = v
		}
	}
	return out
}
