package contracts_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

type txMeta struct {
	Name string   `json:"name"`
	Tag  []string `json:"tag"`
}

type chaincodeMeta struct {
	Contracts map[string]struct {
		Name         string   `json:"name"`
		Default      bool     `json:"default"`
		Transactions []txMeta `json:"transactions"`
		Info         struct {
			Title   string `json:"title"`
			Version string `json:"version"`
		} `json:"info"`
	} `json:"contracts"`
}

// TestMetadataListsContractsAndMarksQueriesEvaluate asks the chaincode for its metadata
// through the system contract, as a client (or the gateway) would.
func TestMetadataListsContractsAndMarksQueriesEvaluate(t *testing.T) {
	h := newHarness(t)
	meta := decode[chaincodeMeta](t, h.call(auditAdmin, "org.hyperledger.fabric:GetMetadata").ok(t))

	want := map[string]map[string]string{
		"business": {"Register": "SUBMIT", "Amend": "SUBMIT", "ChangeStatus": "SUBMIT", "RegisterWithPersonal": "SUBMIT",
			"AmendPersonal": "SUBMIT", "ErasePersonal": "SUBMIT", "SupplyMaterial": "SUBMIT", "CheckOverduePledges": "SUBMIT",
			"IssueLicence": "SUBMIT", "Get": "EVALUATE", "List": "EVALUATE", "History": "EVALUATE", "ListPledges": "EVALUATE",
			"Credit": "EVALUATE", "Licence": "EVALUATE", "VerifyLicence": "EVALUATE"},
		"invoice": {"Issue": "SUBMIT", "Reverse": "SUBMIT", "ClaimReimbursement": "SUBMIT", "ReleaseReimbursement": "SUBMIT",
			"Get": "EVALUATE", "List": "EVALUATE", "History": "EVALUATE"},
		"evidence": {"Deposit": "SUBMIT", "DepositBatch": "SUBMIT", "Certify": "SUBMIT", "Revoke": "SUBMIT",
			"Get": "EVALUATE", "VerifyByHash": "EVALUATE", "History": "EVALUATE"},
		"personal": {"Stage": "SUBMIT", "Prune": "SUBMIT", "Erase": "SUBMIT", "Read": "EVALUATE", "Verify": "EVALUATE"},
		"grant":    {"Create": "SUBMIT", "Revoke": "SUBMIT", "Get": "EVALUATE", "List": "EVALUATE", "History": "EVALUATE"},
		"access":   {"RecordRead": "SUBMIT", "RecordVerify": "SUBMIT", "Get": "EVALUATE", "List": "EVALUATE"},
	}
	require.Len(t, meta.Contracts, 7, "six contracts and the system contract")
	for name, txs := range want {
		t.Run(name, func(t *testing.T) {
			c, ok := meta.Contracts[name]
			require.True(t, ok)
			require.Equal(t, name == "business", c.Default, "business is the default contract")
			require.Equal(t, "1.0.0", c.Info.Version)
			require.NotEmpty(t, c.Info.Title)
			got := map[string]string{}
			for _, tx := range c.Transactions {
				require.Len(t, tx.Tag, 2)
				got[tx.Name] = tx.Tag[1]
			}
			require.Equal(t, txs, got)
		})
	}
}
