package ledgerverify

import (
	"bytes"
	"encoding/json"
	"errors"
	"syscall"
	"testing"
	"time"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// reseal recomputes data hashes, previous hashes and orderer signatures from
// block from on, so that a change to one block's content is the only fault.
func reseal(t testing.TB, n *network, blocks []*cb.Block, from int) {
	for i := from; i < len(blocks); i++ {
		b := blocks[i]
		b.Header.DataHash = DataHash(b.Data)
		b.Header.PreviousHash = HeaderHash(blocks[i-1].Header)
		resign(t, b, n.orderer)
	}
}

// swapped encodes an envelope with signature (field 2) before payload
// (field 1): it decodes to the same message, but is not what a deterministic
// marshal produces.
func swapped(t testing.TB, raw []byte) []byte {
	env := &cb.Envelope{}
	if err := proto.Unmarshal(raw, env); err != nil {
		t.Fatal(err)
	}
	var out []byte
	out = protowire.AppendTag(out, 2, protowire.BytesType)
	out = protowire.AppendBytes(out, env.Signature)
	out = protowire.AppendTag(out, 1, protowire.BytesType)
	out = protowire.AppendBytes(out, env.Payload)
	again := &cb.Envelope{}
	if err := proto.Unmarshal(out, again); err != nil || !proto.Equal(env, again) {
		t.Fatalf("swapped encoding does not decode to the same envelope: %v", err)
	}
	return out
}

func TestValidChain(t *testing.T) {
	n := newNetwork(t)
	blocks := n.chain(t, n.goodBlock(t, 1, 3), n.goodBlock(t, 2, 3), n.goodBlock(t, 3, 3))
	var seen []Progress
	v := New(Options{ProgressEvery: 2, OnProgress: func(p Progress) { seen = append(seen, p) }})
	if err := v.VerifyBlocks(blocks); err != nil {
		t.Fatal(err)
	}
	st := v.Stats()
	if st.Blocks != 5 || st.Transactions != 10 || st.Block != 4 {
		t.Fatalf("stats %+v", st)
	}
	if len(seen) != 2 || seen[0].Block != 1 || seen[1].Block != 3 || seen[1].Transactions != 7 {
		t.Fatalf("progress %+v", seen)
	}
	if cp := v.Checkpoint(); cp.Number != 4 || !bytes.Equal(cp.HeaderHash, HeaderHash(blocks[4].Header)) {
		t.Fatalf("checkpoint %+v", cp)
	}
}

func TestFaults(t *testing.T) {
	n := newNetwork(t)
	type fault struct {
		block       uint64
		tx, endorse int
		kind        FaultKind
	}
	cases := []struct {
		name   string
		mutate func(blocks []*cb.Block)
		want   *fault
	}{
		{"data byte flipped", func(bs []*cb.Block) { bs[3].Data.Data[1][10] ^= 1 }, &fault{3, -1, -1, FaultDataHash}},
		{"data hash field changed", func(bs []*cb.Block) { bs[3].Header.DataHash[0] ^= 1 }, &fault{3, -1, -1, FaultDataHash}},
		{"previous hash changed", func(bs []*cb.Block) { bs[3].Header.PreviousHash[31] ^= 1 }, &fault{3, -1, -1, FaultPreviousHash}},
		{"earlier block changed under an intact chain", func(bs []*cb.Block) {
			// block 1 re-sealed consistently, but block 2 still links to the old block 1
			bs[2].Data.Data = bs[2].Data.Data[:2]
			bs[2].Metadata.Metadata[cb.BlockMetadataIndex_TRANSACTIONS_FILTER] = []byte{0, 0}
			bs[2].Header.DataHash = DataHash(bs[2].Data)
			resign(t, bs[2], n.orderer)
		}, &fault{3, -1, -1, FaultPreviousHash}},
		{"block skipped", func(bs []*cb.Block) { bs[3] = bs[4] }, &fault{4, -1, -1, FaultSequence}},
		{"orderer signature flipped", func(bs []*cb.Block) {
			md := &cb.Metadata{}
			_ = proto.Unmarshal(bs[3].Metadata.Metadata[0], md)
			s := md.Signatures[0].Signature
			s[len(s)-1] ^= 1
			bs[3].Metadata.Metadata[0] = mustMarshal(t, md)
		}, &fault{3, -1, -1, FaultOrdererSignature}},
		{"orderer signatures missing", func(bs []*cb.Block) { bs[3].Metadata.Metadata[0] = nil }, &fault{3, -1, -1, FaultOrdererSignature}},
		{"orderer cert from unknown CA", func(bs []*cb.Block) { resign(t, bs[3], n.rogueOrderer) }, &fault{3, -1, -1, FaultOrdererSignature}},
		{"block signed by a client, not an orderer", func(bs []*cb.Block) { resign(t, bs[3], n.client) }, &fault{3, -1, -1, FaultOrdererSignature}},
		{"creator signature bad", func(bs []*cb.Block) {
			bs[3].Data.Data[1] = n.tx(t, "tx-2-1", txSpec{creator: n.client, endorsers: []*signer{n.peer1}, badCreatorSig: true, badEndorsementAt: -1})
			reseal(t, n, bs, 3)
		}, &fault{3, 1, -1, FaultCreatorSignature}},
		{"tx id not bound to nonce and creator", func(bs []*cb.Block) {
			bs[3].Data.Data[1] = n.tx(t, "tx-2-1", txSpec{creator: n.client, endorsers: []*signer{n.peer1}, forgedTxID: true, badEndorsementAt: -1})
			reseal(t, n, bs, 3)
		}, &fault{3, 1, -1, FaultTxID}},
		{"creator cert from unknown CA", func(bs []*cb.Block) {
			bs[3].Data.Data[1] = n.tx(t, "tx-2-1", txSpec{creator: n.rogueClient, endorsers: []*signer{n.peer1}, badEndorsementAt: -1})
			reseal(t, n, bs, 3)
		}, &fault{3, 1, -1, FaultCreatorCertificate}},
		{"endorsement signature bad", func(bs []*cb.Block) {
			bs[3].Data.Data[2] = n.tx(t, "tx-2-2", txSpec{creator: n.client, endorsers: []*signer{n.peer1, n.peer1}, badEndorsementAt: 1})
			reseal(t, n, bs, 3)
		}, &fault{3, 2, 1, FaultEndorsementSignature}},
		{"endorser cert from unknown CA", func(bs []*cb.Block) {
			bs[3].Data.Data[0] = n.tx(t, "tx-2-0", txSpec{creator: n.client, endorsers: []*signer{n.peer1, n.rogueClient}, badEndorsementAt: -1})
			reseal(t, n, bs, 3)
		}, &fault{3, 0, 1, FaultEndorserCertificate}},
		{"endorser MSP not yet in the config", func(bs []*cb.Block) {
			bs[3].Data.Data[0] = n.tx(t, "tx-2-0", txSpec{creator: n.client, endorsers: []*signer{n.peer4}, badEndorsementAt: -1})
			reseal(t, n, bs, 3)
		}, &fault{3, 0, 0, FaultEndorserCertificate}},
		{"endorsements for another proposal", func(bs []*cb.Block) {
			bs[3].Data.Data[1] = n.tx(t, "tx-2-1", txSpec{creator: n.client, endorsers: []*signer{n.peer1, n.peer2}, otherProposal: true, badEndorsementAt: -1})
			reseal(t, n, bs, 3)
		}, &fault{3, 1, -1, FaultProposalHash}},
		{"non-canonical envelope encoding", func(bs []*cb.Block) {
			bs[3].Data.Data[1] = swapped(t, bs[3].Data.Data[1])
			reseal(t, n, bs, 3)
		}, &fault{3, 1, -1, FaultNonCanonical}},
		{"invalid-marked tx with a bad signature is not judged", func(bs []*cb.Block) {
			bs[3].Data.Data[1] = n.tx(t, "tx-2-1", txSpec{creator: n.client, endorsers: []*signer{n.peer1}, badCreatorSig: true, badEndorsementAt: -1})
			bs[3].Metadata.Metadata[cb.BlockMetadataIndex_TRANSACTIONS_FILTER][1] = byte(pb.TxValidationCode_ENDORSEMENT_POLICY_FAILURE)
			reseal(t, n, bs, 3)
		}, nil},
		{"filter shorter than the data", func(bs []*cb.Block) {
			bs[3].Metadata.Metadata[cb.BlockMetadataIndex_TRANSACTIONS_FILTER] = []byte{0}
		}, &fault{3, -1, -1, FaultMalformed}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			blocks := n.chain(t, n.goodBlock(t, 1, 3), n.goodBlock(t, 2, 3), n.goodBlock(t, 3, 3))
			tc.mutate(blocks)
			err := New(Options{}).VerifyBlocks(blocks)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("want no fault, got %v", err)
				}
				return
			}
			var f *Fault
			if !errors.As(err, &f) {
				t.Fatalf("want a *Fault, got %v", err)
			}
			got := fault{f.Block, f.TxIndex, f.Endorsement, f.Kind}
			if got != *tc.want {
				t.Fatalf("fault %+v, want %+v (%v)", got, *tc.want, err)
			}
			if f.TxIndex >= 0 && f.Kind != FaultNonCanonical && f.TxID == "" {
				t.Fatalf("fault names no tx id: %v", err)
			}
		})
	}
}

// A config block adds Org4MSP: a transaction created and endorsed by Org4
// fails before it and verifies after it.
func TestConfigUpdate(t *testing.T) {
	n := newNetwork(t)
	org4tx := func(id string) []byte {
		return n.tx(t, id, txSpec{creator: n.org4Client, endorsers: []*signer{n.peer4, n.peer1, n.peer2}, badEndorsementAt: -1})
	}
	blocks := n.chain(t,
		n.goodBlock(t, 1, 2),
		[][]byte{n.configEnvelope(t, true, n.orderer)},
		[][]byte{n.goodTx(t, "tx-3-0"), org4tx("tx-3-1")},
	)
	if err := New(Options{}).VerifyBlocks(blocks); err != nil {
		t.Fatal(err)
	}

	// The same Org4 transaction in block 2, before the update, fails.
	early := n.chain(t, [][]byte{org4tx("tx-1-0")})
	err := New(Options{}).VerifyBlocks(early)
	var f *Fault
	if !errors.As(err, &f) || f.Block != 2 || f.TxIndex != 0 || f.Kind != FaultCreatorCertificate {
		t.Fatalf("got %v", err)
	}

	// A config update signed by an unknown orderer is refused.
	bad := n.chain(t, [][]byte{n.configEnvelope(t, true, n.rogueOrderer)})
	err = New(Options{}).VerifyBlocks(bad)
	if !errors.As(err, &f) || f.Block != 2 || f.TxIndex != 0 || f.Kind != FaultCreatorCertificate {
		t.Fatalf("got %v", err)
	}
}

func TestCheckpointResume(t *testing.T) {
	n := newNetwork(t)
	blocks := n.chain(t,
		n.goodBlock(t, 1, 2),
		[][]byte{n.configEnvelope(t, true, n.orderer)},
		n.goodBlock(t, 3, 2),
		[][]byte{n.tx(t, "tx-4-0", txSpec{creator: n.org4Client, endorsers: []*signer{n.peer4, n.peer1, n.peer3}, badEndorsementAt: -1})},
	)
	v := New(Options{})
	if err := v.VerifyBlocks(blocks[:5]); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(v.Checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	var cp Checkpoint
	if err := json.Unmarshal(raw, &cp); err != nil {
		t.Fatal(err)
	}
	if cp.Number != 4 {
		t.Fatalf("checkpoint at %d", cp.Number)
	}

	// Resuming verifies only block 5, under the config of block 3 (Org4 known).
	r, err := Resume(cp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.VerifyBlock(blocks[5]); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Blocks != 1 || st.Transactions != 1 {
		t.Fatalf("stats %+v", st)
	}

	// A checkpoint whose hash is not block 4's: block 5 does not link.
	cp.HeaderHash[0] ^= 1
	r, err = Resume(cp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var f *Fault
	if err := r.VerifyBlock(blocks[5]); !errors.As(err, &f) || f.Kind != FaultPreviousHash || f.Block != 5 {
		t.Fatalf("got %v", err)
	}
	// Resuming expects the next block only.
	cp.HeaderHash[0] ^= 1
	r, _ = Resume(cp, Options{})
	if err := r.VerifyBlock(blocks[4]); !errors.As(err, &f) || f.Kind != FaultSequence {
		t.Fatalf("got %v", err)
	}
}

// The header hash mirrors Fabric: SHA-256 of DER SEQUENCE { INTEGER, OCTET
// STRING, OCTET STRING }. Checked against a hand-built encoding.
func TestHeaderBytesDER(t *testing.T) {
	h := &cb.BlockHeader{Number: 300, PreviousHash: []byte{1, 2}, DataHash: []byte{3}}
	want := []byte{0x30, 0x0b, 0x02, 0x02, 0x01, 0x2c, 0x04, 0x02, 1, 2, 0x04, 0x01, 3}
	if got := HeaderBytes(h); !bytes.Equal(got, want) {
		t.Fatalf("got %x want %x", got, want)
	}
	// Block 0 with nil hashes: empty OCTET STRINGs.
	want0 := []byte{0x30, 0x07, 0x02, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00}
	if got := HeaderBytes(&cb.BlockHeader{}); !bytes.Equal(got, want0) {
		t.Fatalf("got %x want %x", got, want0)
	}
}

// BenchmarkVerify100TxBlocks verifies 10 blocks of 100 transactions (each a
// creator signature and two endorsements by two orgs under the chaincode's
// 2-of-3 policy). Besides wall-clock rates it reports tx/cpu-s, transactions
// per second of process CPU time, which other load on the machine disturbs
// less: on an idle machine tx/s approaches tx/cpu-s times the cores used.
func BenchmarkVerify100TxBlocks(b *testing.B) {
	n := newNetwork(b)
	const perBlock, numBlocks = 100, 10
	var data [][][]byte
	for i := range numBlocks {
		data = append(data, n.goodBlock(b, i+1, perBlock))
	}
	blocks := n.chain(b, data...)
	cpu0 := cpuTime()
	b.ResetTimer()
	for range b.N {
		v := New(Options{})
		if err := v.VerifyBlocks(blocks); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds()
	cpu := (cpuTime() - cpu0).Seconds()
	b.ReportMetric(float64(b.N*numBlocks)/sec, "blocks/s")
	b.ReportMetric(float64(b.N*numBlocks*perBlock)/sec, "tx/s")
	b.ReportMetric(float64(b.N*numBlocks*perBlock)/cpu, "tx/cpu-s")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
