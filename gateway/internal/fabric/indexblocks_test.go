package fabric

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/index"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// devnetBlocks are blocks 0-7 of a real network (internal/ledgerverify/testdata/devnet):
// genesis, lifecycle (approvals, commit), a personal-data staging (private data only), a
// registration, a grant, a logged read of personal data and the grant's revocation.
func devnetBlocks(t *testing.T) []*common.Block {
	t.Helper()
	paths, err := filepath.Glob("../../../internal/ledgerverify/testdata/devnet/*.block")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no devnet blocks: %v", err)
	}
	var out []*common.Block
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b := &common.Block{}
		if err := proto.Unmarshal(raw, b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestDecodeDevnetBlocks(t *testing.T) {
	var got []index.Block
	for _, b := range devnetBlocks(t) {
		blk, err := DecodeBlock(b, "govchain")
		require.NoError(t, err)
		got = append(got, blk)
	}
	require.Len(t, got, 8)
	// Genesis: one configuration transaction.
	require.Equal(t, "CONFIG", got[0].Txs[0].Function)
	require.True(t, got[0].Txs[0].Valid())
	// Lifecycle: each org approves, then one commit endorsed by all four.
	require.Len(t, got[1].Txs, 4)
	for _, tx := range got[1].Txs {
		require.Equal(t, "_lifecycle:ApproveChaincodeDefinitionForMyOrg", tx.Function)
		require.Equal(t, []string{tx.CreatorMSP}, tx.Endorsers)
	}
	require.Equal(t, []string{"AuditMSP", "MarketMSP", "NotaryMSP", "TaxMSP"}, got[2].Txs[0].Endorsers)
	require.Empty(t, got[1].Records)
	require.Empty(t, got[2].Records)
	// The staging of personal data writes private data only: no record.
	require.Equal(t, "personal:Stage", got[3].Txs[0].Function)
	require.Empty(t, got[3].Records)
	// The registration: one business record, endorsed by the market bureau and the notary.
	tx := got[4].Txs[0]
	require.Equal(t, "business:RegisterWithPersonal", tx.Function)
	require.Equal(t, "MarketMSP", tx.CreatorMSP)
	require.Equal(t, []string{"MarketMSP", "NotaryMSP"}, tx.Endorsers)
	require.Equal(t, "VALID", tx.ValidationName)
	require.Len(t, got[4].Records, 1)
	r := got[4].Records[0]
	require.Equal(t, "business", r.Kind)
	require.Equal(t, "91350200MA2Y00010L", r.ID)
	require.Equal(t, "Xiamen Harbour Trading Co., Ltd.", r.Name)
	require.Equal(t, "MarketMSP", r.Agency)
	require.Equal(t, int64(500000000), *r.AmountFen)
	require.Equal(t, "ACTIVE", r.Status)
	require.Equal(t, tx.TxID, r.TxID)
	require.EqualValues(t, 4, r.Block)
	require.Equal(t, got[4].Time, tx.Timestamp)
	require.False(t, r.CreatedAt.IsZero())
	// Nothing personal from the record reaches the index: the row has no field for it.

	// The grant (endorsed by the owner and the grantee), the logged read, the revocation.
	g := got[5].Txs[0]
	require.Equal(t, "grant:Create", g.Function)
	require.Equal(t, []string{"MarketMSP", "TaxMSP"}, g.Endorsers)
	require.Len(t, got[5].Records, 1)
	require.Equal(t, "grant", got[5].Records[0].Kind)
	require.Equal(t, "ACTIVE", got[5].Records[0].Status)
	require.Equal(t, "access:RecordRead", got[6].Txs[0].Function)
	require.Equal(t, "TaxMSP", got[6].Txs[0].CreatorMSP)
	require.Equal(t, "grant:Revoke", got[7].Txs[0].Function)
	require.Len(t, got[7].Records, 1)
	require.Equal(t, got[5].Records[0].ID, got[7].Records[0].ID)
	require.Equal(t, "REVOKED", got[7].Records[0].Status)
}

// write is one public write of a synthetic transaction.
type write struct {
	ns, key, value string
	delete         bool
}

// endorserTx builds an endorser transaction envelope of chaincode cc (function fn) by
// creator, endorsed by endorsers, writing ws publicly and one private (hashed) write.
func endorserTx(t testing.TB, txID, creator, cc, fn string, endorsers []string, ws []write) []byte {
	t.Helper()
	mustMarshal := func(m proto.Message) []byte {
		b, err := proto.Marshal(m)
		require.NoError(t, err)
		return b
	}
	id := func(mspID string) []byte {
		return mustMarshal(&msp.SerializedIdentity{Mspid: mspID, IdBytes: []byte("not a certificate")})
	}
	byNS := map[string]*kvrwset.KVRWSet{}
	var order []string
	for _, w := range ws {
		if byNS[w.ns] == nil {
			byNS[w.ns] = &kvrwset.KVRWSet{}
			order = append(order, w.ns)
		}
		byNS[w.ns].Writes = append(byNS[w.ns].Writes, &kvrwset.KVWrite{Key: w.key, Value: []byte(w.value), IsDelete: w.delete})
	}
	rws := &rwset.TxReadWriteSet{DataModel: rwset.TxReadWriteSet_KV}
	for _, ns := range order {
		rws.NsRwset = append(rws.NsRwset, &rwset.NsReadWriteSet{Namespace: ns, Rwset: mustMarshal(byNS[ns]),
			CollectionHashedRwset: []*rwset.CollectionHashedReadWriteSet{{CollectionName: "personalMarket", HashedRwset: []byte("hashes only")}}})
	}
	ca := &peer.ChaincodeAction{Results: mustMarshal(rws), ChaincodeId: &peer.ChaincodeID{Name: cc}}
	prp := &peer.ProposalResponsePayload{ProposalHash: []byte("h"), Extension: mustMarshal(ca)}
	var ends []*peer.Endorsement
	for _, e := range endorsers {
		ends = append(ends, &peer.Endorsement{Endorser: id(e), Signature: []byte("sig")})
	}
	spec := &peer.ChaincodeInvocationSpec{ChaincodeSpec: &peer.ChaincodeSpec{ChaincodeId: &peer.ChaincodeID{Name: cc},
		Input: &peer.ChaincodeInput{Args: [][]byte{[]byte(fn), []byte(`{"personal":{"id_number":"11010519491231002X"}}`)}}}}
	cpp := &peer.ChaincodeProposalPayload{Input: mustMarshal(spec)}
	cap := &peer.ChaincodeActionPayload{ChaincodeProposalPayload: mustMarshal(cpp),
		Action: &peer.ChaincodeEndorsedAction{ProposalResponsePayload: mustMarshal(prp), Endorsements: ends}}
	body := &peer.Transaction{Actions: []*peer.TransactionAction{{Payload: mustMarshal(cap)}}}
	chdr := &common.ChannelHeader{Type: int32(common.HeaderType_ENDORSER_TRANSACTION), ChannelId: "govchannel", TxId: txID,
		Timestamp: timestamppb.New(time.Date(2026, 11, 27, 8, 0, 0, 123456789, time.UTC))}
	shdr := &common.SignatureHeader{Creator: id(creator), Nonce: []byte("n")}
	payload := &common.Payload{Header: &common.Header{ChannelHeader: mustMarshal(chdr), SignatureHeader: mustMarshal(shdr)}, Data: mustMarshal(body)}
	return mustMarshal(&common.Envelope{Payload: mustMarshal(payload), Signature: []byte("sig")})
}

func TestDecodeSyntheticBlock(t *testing.T) {
	biz := `{"uscc":"91350200MA2Y00010L","name":"Harbour","registered_capital_fen":7,"status":"ACTIVE","owner_org":"MarketMSP","created_at":"2026-11-27T08:00:00Z","updated_at":"2026-11-27T08:00:00Z"}`
	inv := `{"number":"26350200000000000001","seller_uscc":"91350200MA2Y00010L","buyer_name":"City Library","total_fen":395500,"status":"ISSUED","owner_org":"TaxMSP"}`
	data := [][]byte{
		endorserTx(t, "t0", "MarketMSP", "govchain", "business:Register", []string{"NotaryMSP", "MarketMSP", "MarketMSP"}, []write{
			{ns: "govchain", key: "biz~91350200MA2Y00010L", value: biz},
			{ns: "govchain", key: "bizname~Harbour\x0191350200MA2Y00010L", value: "91350200MA2Y00010L"},
			{ns: "govchain", key: "acc~0123", value: `{"id":"0123"}`},
			{ns: "govchain", key: "bizstatus~x", delete: true},
		}),
		// Invalid: its writes never happened.
		endorserTx(t, "t1", "TaxMSP", "govchain", "invoice:Issue", []string{"TaxMSP", "MarketMSP"}, []write{{ns: "govchain", key: "inv~26350200000000000001", value: inv}}),
		// Another chaincode writing a key that looks like a record: not govchain's.
		endorserTx(t, "t2", "TaxMSP", "other", "Put", []string{"TaxMSP"}, []write{{ns: "other", key: "inv~26350200000000000001", value: inv}}),
		// Valid invoice.
		endorserTx(t, "t3", "TaxMSP", "govchain", "invoice:Issue", []string{"TaxMSP", "NotaryMSP"}, []write{{ns: "govchain", key: "inv~26350200000000000001", value: inv}}),
	}
	filter := []byte{byte(peer.TxValidationCode_VALID), byte(peer.TxValidationCode_MVCC_READ_CONFLICT), byte(peer.TxValidationCode_VALID), byte(peer.TxValidationCode_VALID)}
	b := &common.Block{Header: &common.BlockHeader{Number: 12}, Data: &common.BlockData{Data: data},
		Metadata: &common.BlockMetadata{Metadata: [][]byte{{}, {}, filter, {}, {}}}}
	got, err := DecodeBlock(b, "govchain")
	require.NoError(t, err)
	require.EqualValues(t, 12, got.Number)
	require.Len(t, got.Txs, 4)
	ts := time.Date(2026, 11, 27, 8, 0, 0, 123456000, time.UTC)
	require.Equal(t, index.Tx{TxID: "t0", Block: 12, TxIndex: 0, Timestamp: ts, CreatorMSP: "MarketMSP", Endorsers: []string{"MarketMSP", "NotaryMSP"},
		Function: "business:Register", ValidationCode: 0, ValidationName: "VALID"}, got.Txs[0])
	require.Equal(t, "MVCC_READ_CONFLICT", got.Txs[1].ValidationName)
	require.EqualValues(t, 11, got.Txs[1].ValidationCode)
	require.Equal(t, "other:Put", got.Txs[2].Function)
	require.Equal(t, ts, got.Time)

	require.Len(t, got.Records, 2)
	require.Equal(t, "business", got.Records[0].Kind)
	require.Equal(t, 0, got.Records[0].TxIndex)
	require.Equal(t, "t0", got.Records[0].TxID)
	inv0 := got.Records[1]
	require.Equal(t, "invoice", inv0.Kind)
	require.Equal(t, 3, inv0.TxIndex)
	require.Equal(t, "t3", inv0.TxID)
	// No time in the value: the transaction's.
	require.Equal(t, ts, inv0.UpdatedAt)
	require.Equal(t, ts, inv0.CreatedAt)

	// A block without a transactions filter (not yet validated) decodes as NOT_VALIDATED, no records.
	b.Metadata = nil
	got, err = DecodeBlock(b, "govchain")
	require.NoError(t, err)
	require.Equal(t, "NOT_VALIDATED", got.Txs[0].ValidationName)
	require.Empty(t, got.Records)

	// Garbage is an error naming the block and transaction.
	b.Data.Data = append(b.Data.Data, []byte{0xff, 0xff})
	_, err = DecodeBlock(b, "govchain")
	require.ErrorContains(t, err, "block 12 transaction 4")
}
