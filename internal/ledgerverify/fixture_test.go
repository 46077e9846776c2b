package ledgerverify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"testing"
	"time"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	mspb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// ca is a synthetic certificate authority.
type ca struct {
	cert *x509.Certificate
	pem  []byte
	key  *ecdsa.PrivateKey
}

// signer is a synthetic MSP identity.
type signer struct {
	mspid      string
	key        *ecdsa.PrivateKey
	serialized []byte
}

var serial int64 = 1

func mustKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newCA(t testing.TB, name string) *ca {
	k := mustKey(t)
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "ca." + name, Organization: []string{name}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &ca{cert: c, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key: k}
}

func (c *ca) issue(t testing.TB, mspid, cn string) *signer {
	k := mustKey(t)
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(12 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &k.PublicKey, c.key)
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := proto.Marshal(&mspb.SerializedIdentity{Mspid: mspid, IdBytes: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})})
	return &signer{mspid: mspid, key: k, serialized: sid}
}

func (s *signer) sign(t testing.TB, msg []byte) []byte {
	d := sha256.Sum256(msg)
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func mustMarshal(t testing.TB, m proto.Message) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// network is a synthetic channel: an orderer org, two application orgs and
// a CA no configuration knows.
type network struct {
	ordererCA, org1CA, org2CA, rogueCA *ca
	orderer, client, peer1, peer2      *signer
	org2Client                         *signer // Org2MSP: only in the config after an update
	rogueOrderer, rogueClient          *signer // issued by rogueCA
}

func newNetwork(t testing.TB) *network {
	n := &network{ordererCA: newCA(t, "orderer"), org1CA: newCA(t, "org1"), org2CA: newCA(t, "org2"), rogueCA: newCA(t, "rogue")}
	n.orderer = n.ordererCA.issue(t, "OrdererMSP", "orderer0")
	n.client = n.org1CA.issue(t, "Org1MSP", "client")
	n.peer1 = n.org1CA.issue(t, "Org1MSP", "peer0.org1")
	n.peer2 = n.org2CA.issue(t, "Org2MSP", "peer0.org2")
	n.org2Client = n.org2CA.issue(t, "Org2MSP", "client.org2")
	n.rogueOrderer = n.rogueCA.issue(t, "OrdererMSP", "orderer0")
	n.rogueClient = n.rogueCA.issue(t, "Org1MSP", "client")
	return n
}

func mspGroup(t testing.TB, mspid string, c *ca) *cb.ConfigGroup {
	fc := mustMarshal(t, &mspb.FabricMSPConfig{Name: mspid, RootCerts: [][]byte{c.pem}})
	mc := mustMarshal(t, &mspb.MSPConfig{Type: 0, Config: fc})
	return &cb.ConfigGroup{Values: map[string]*cb.ConfigValue{"MSP": {Value: mc}}}
}

// configEnvelope builds a CONFIG envelope; with org2 the Application section
// also holds Org2MSP. A nil signer leaves it unsigned, as a genesis block is.
func (n *network) configEnvelope(t testing.TB, org2 bool, by *signer) []byte {
	app := map[string]*cb.ConfigGroup{"Org1": mspGroup(t, "Org1MSP", n.org1CA)}
	if org2 {
		app["Org2"] = mspGroup(t, "Org2MSP", n.org2CA)
	}
	cfg := &cb.ConfigEnvelope{Config: &cb.Config{ChannelGroup: &cb.ConfigGroup{Groups: map[string]*cb.ConfigGroup{
		"Orderer":     {Groups: map[string]*cb.ConfigGroup{"OrdererOrg": mspGroup(t, "OrdererMSP", n.ordererCA)}},
		"Application": {Groups: app},
	}}}}
	shdr := &cb.SignatureHeader{Nonce: []byte("n")}
	if by != nil {
		shdr.Creator = by.serialized
	}
	pay := mustMarshal(t, &cb.Payload{
		Header: &cb.Header{
			ChannelHeader:   mustMarshal(t, &cb.ChannelHeader{Type: int32(cb.HeaderType_CONFIG), ChannelId: "govchain"}),
			SignatureHeader: mustMarshal(t, shdr),
		},
		Data: mustMarshal(t, cfg),
	})
	env := &cb.Envelope{Payload: pay}
	if by != nil {
		env.Signature = by.sign(t, pay)
	}
	return mustMarshal(t, env)
}

// txSpec says how to build one endorser transaction.
type txSpec struct {
	creator          *signer
	endorsers        []*signer
	badCreatorSig    bool
	forgedTxID       bool // tx id not bound to nonce and creator
	badEndorsementAt int  // index of the endorsement to corrupt; -1 none
}

// tx builds an endorser transaction. Its id is Fabric's hex(SHA-256(nonce ||
// creator)); the nonce is the label, so labels must be unique.
func (n *network) tx(t testing.TB, label string, s txSpec) []byte {
	sum := sha256.Sum256(append([]byte(label), s.creator.serialized...))
	id := hex.EncodeToString(sum[:])
	if s.forgedTxID {
		id = "forged-" + label
	}
	prp := []byte("proposal-response-payload:" + id)
	var ends []*pb.Endorsement
	for i, e := range s.endorsers {
		sig := e.sign(t, append(append([]byte{}, prp...), e.serialized...))
		if i == s.badEndorsementAt {
			sig = e.sign(t, []byte("something else"))
		}
		ends = append(ends, &pb.Endorsement{Endorser: e.serialized, Signature: sig})
	}
	cap := mustMarshal(t, &pb.ChaincodeActionPayload{
		ChaincodeProposalPayload: []byte("input:" + id),
		Action:                   &pb.ChaincodeEndorsedAction{ProposalResponsePayload: prp, Endorsements: ends},
	})
	txb := mustMarshal(t, &pb.Transaction{Actions: []*pb.TransactionAction{{Header: []byte("shdr"), Payload: cap}}})
	pay := mustMarshal(t, &cb.Payload{
		Header: &cb.Header{
			ChannelHeader:   mustMarshal(t, &cb.ChannelHeader{Type: int32(cb.HeaderType_ENDORSER_TRANSACTION), ChannelId: "govchain", TxId: id}),
			SignatureHeader: mustMarshal(t, &cb.SignatureHeader{Creator: s.creator.serialized, Nonce: []byte(label)}),
		},
		Data: txb,
	})
	sig := s.creator.sign(t, pay)
	if s.badCreatorSig {
		sig = s.creator.sign(t, []byte("not the payload"))
	}
	return mustMarshal(t, &cb.Envelope{Payload: pay, Signature: sig})
}

func (n *network) goodTx(t testing.TB, id string) []byte {
	return n.tx(t, id, txSpec{creator: n.client, endorsers: []*signer{n.peer1, n.peer1}, badEndorsementAt: -1})
}

// seal fills in header hashes, the transactions filter (all VALID unless
// filter is given) and one orderer signature by ord.
func seal(t testing.TB, num uint64, prev []byte, data [][]byte, filter []byte, ord *signer) *cb.Block {
	b := &cb.Block{
		Header:   &cb.BlockHeader{Number: num, PreviousHash: prev},
		Data:     &cb.BlockData{Data: data},
		Metadata: &cb.BlockMetadata{Metadata: make([][]byte, 5)},
	}
	b.Header.DataHash = DataHash(b.Data)
	if filter == nil {
		filter = make([]byte, len(data)) // TxValidationCode_VALID == 0
	}
	b.Metadata.Metadata[cb.BlockMetadataIndex_TRANSACTIONS_FILTER] = filter
	if ord != nil {
		resign(t, b, ord)
	}
	return b
}

// resign replaces the block's orderer signatures with one by ord.
func resign(t testing.TB, b *cb.Block, ord *signer) {
	value := mustMarshal(t, &cb.OrdererBlockMetadata{LastConfig: &cb.LastConfig{Index: 0}})
	shdr := mustMarshal(t, &cb.SignatureHeader{Creator: ord.serialized, Nonce: []byte("nonce")})
	msg := append(append(append([]byte{}, value...), shdr...), HeaderBytes(b.Header)...)
	b.Metadata.Metadata[cb.BlockMetadataIndex_SIGNATURES] = mustMarshal(t, &cb.Metadata{
		Value: value, Signatures: []*cb.MetadataSignature{{SignatureHeader: shdr, Signature: ord.sign(t, msg)}},
	})
}

// chain builds genesis plus blocks; each entry of txs is one block's
// envelopes. Blocks are sealed by the genuine orderer.
func (n *network) chain(t testing.TB, txs ...[][]byte) []*cb.Block {
	g := seal(t, 0, nil, [][]byte{n.configEnvelope(t, false, nil)}, nil, nil)
	blocks := []*cb.Block{g}
	for i, data := range txs {
		blocks = append(blocks, seal(t, uint64(i+1), HeaderHash(blocks[i].Header), data, nil, n.orderer))
	}
	return blocks
}

func (n *network) goodBlock(t testing.TB, num, count int) [][]byte {
	var d [][]byte
	for i := range count {
		d = append(d, n.goodTx(t, fmt.Sprintf("tx-%d-%d", num, i)))
	}
	return d
}
