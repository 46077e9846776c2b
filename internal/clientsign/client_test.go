package clientsign

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

func mustProto(t *testing.T, m proto.Message) []byte {
	b, err := proto.Marshal(m)
	require.NoError(t, err)
	return b
}

// messages builds a proposal and its transaction payload as Fabric does, created by key.
func messages(t *testing.T, txID string, key *ecdsa.PrivateKey, args ...string) (proposal, transaction []byte) {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "registrar-cs"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	hdr := &common.Header{
		ChannelHeader: mustProto(t, &common.ChannelHeader{Type: int32(common.HeaderType_ENDORSER_TRANSACTION), ChannelId: "govchannel", TxId: txID}),
		SignatureHeader: mustProto(t, &common.SignatureHeader{Creator: mustProto(t, &msp.SerializedIdentity{Mspid: "MarketMSP",
			IdBytes: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})})}),
	}
	var in [][]byte
	for _, a := range args {
		in = append(in, []byte(a))
	}
	input := mustProto(t, &peer.ChaincodeInvocationSpec{ChaincodeSpec: &peer.ChaincodeSpec{
		ChaincodeId: &peer.ChaincodeID{Name: "govchain"}, Input: &peer.ChaincodeInput{Args: in}}})
	cpp := mustProto(t, &peer.ChaincodeProposalPayload{Input: input})
	proposal = mustProto(t, &peer.Proposal{Header: mustProto(t, hdr), Payload: cpp})
	cap := mustProto(t, &peer.ChaincodeActionPayload{ChaincodeProposalPayload: cpp, Action: &peer.ChaincodeEndorsedAction{}})
	transaction = mustProto(t, &common.Payload{Header: hdr, Data: mustProto(t, &peer.Transaction{Actions: []*peer.TransactionAction{{Payload: cap}}})})
	return proposal, transaction
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func sum(b []byte) []byte { d := sha256.Sum256(b); return d[:] }

// fakeGateway answers the three steps, verifying each signature with the key of who.
func fakeGateway(t *testing.T, who **ecdsa.PrivateKey, prop, txn *[]byte) *httptest.Server {
	mux := http.NewServeMux()
	check := func(w http.ResponseWriter, r *http.Request, d []byte) bool {
		var body struct{ Signature string }
		require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		sig, err := base64.StdEncoding.DecodeString(body.Signature)
		require.NoError(t, err)
		if _, err := Verify(&(*who).PublicKey, d, sig); err != nil {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":{"code":"BAD_SIGNATURE","message":"no"}}`))
			return false
		}
		return true
	}
	mux.HandleFunc("POST /api/v1/signing/proposals", func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "k", r.Header.Get("X-API-Key"))
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(map[string]string{"transaction_id": "tx1", "digest": b64(sum(*prop)), "message": b64(*prop)})
	})
	mux.HandleFunc("POST /api/v1/signing/proposals/tx1/endorsement", func(w http.ResponseWriter, r *http.Request) {
		if check(w, r, sum(*prop)) {
			_ = json.NewEncoder(w).Encode(map[string]string{"transaction_id": "tx1", "digest": b64(sum(*txn)), "message": b64(*txn)})
		}
	})
	mux.HandleFunc("POST /api/v1/signing/transactions/tx1", func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "true", r.URL.Query().Get("async"))
		require.Equal(t, "idem", r.Header.Get("Idempotency-Key"))
		if check(w, r, sum(*txn)) {
			w.WriteHeader(202)
			_, _ = w.Write([]byte(`{"transaction_id":"tx1","status":"PENDING"}`))
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestClientDo(t *testing.T) {
	key := newKey(t)
	prop, txn := messages(t, "tx1", key, "business:Register", `{"uscc":"x"}`)
	srv := fakeGateway(t, &key, &prop, &txn)
	var seen *Call
	c := &Client{API: srv.URL + "/api/v1/", APIKey: "k", Key: key, Confirm: func(c *Call) error { seen = c; return nil }}
	res, err := c.Do(context.Background(), "post", "businesses", []byte(`{"uscc":"x"}`), Options{Async: true, IdempotencyKey: "idem"})
	require.NoError(t, err)
	require.True(t, res.OK(), string(res.Body))
	require.Equal(t, 202, res.Status)
	require.Equal(t, "tx1", res.TransactionID)
	require.Equal(t, []string{"business:Register", `{"uscc":"x"}`}, seen.Args)
	require.Equal(t, "govchain", seen.Chaincode)
	require.Equal(t, "govchannel", seen.Channel)
	require.Equal(t, "MarketMSP", seen.MSPID)

	t.Run("Confirm can refuse to sign", func(t *testing.T) {
		c2 := *c
		c2.Confirm = func(*Call) error { return errors.New("not what I asked") }
		_, err := c2.Do(context.Background(), "POST", "/api/v1/businesses", []byte(`{}`), Options{Async: true, IdempotencyKey: "idem"})
		require.ErrorContains(t, err, "not what I asked")
	})
	t.Run("a refusal is returned as the step's answer", func(t *testing.T) {
		orig := key
		key = newKey(t) // the gateway now checks another key (and the messages name the old one)
		defer func() { key = orig }()
		c2 := *c
		c2.Key = orig
		res, err := c2.Do(context.Background(), "POST", "/api/v1/businesses", []byte(`{}`), Options{Async: true, IdempotencyKey: "idem"})
		require.NoError(t, err)
		require.False(t, res.OK())
		require.Equal(t, "endorsement", res.Step)
		require.Equal(t, 400, res.Status)
	})
	t.Run("a body that is not JSON is refused before anything is sent", func(t *testing.T) {
		_, err := c.Do(context.Background(), "POST", "/api/v1/businesses", []byte(`{`), Options{})
		require.Error(t, err)
	})
}

func TestInspect(t *testing.T) {
	key, other := newKey(t), newKey(t)
	prop, txn := messages(t, "tx1", key, "business:Register", `{"uscc":"x"}`)
	p, err := InspectProposal(prop, sum(prop), "tx1", &key.PublicKey)
	require.NoError(t, err)
	require.NoError(t, InspectTransaction(txn, sum(txn), p, &key.PublicKey))

	_, err = InspectProposal(prop, sum(txn), "tx1", &key.PublicKey)
	require.ErrorContains(t, err, "digest", "a digest of other bytes")
	_, err = InspectProposal(prop, sum(prop), "tx2", &key.PublicKey)
	require.ErrorContains(t, err, "transaction", "another transaction id")
	_, err = InspectProposal(prop, sum(prop), "tx1", &other.PublicKey)
	require.ErrorContains(t, err, "someone else", "a proposal of another identity")
	_, err = InspectProposal([]byte("garbage"), sum([]byte("garbage")), "tx1", &key.PublicKey)
	require.Error(t, err)

	_, txOther := messages(t, "tx1", key, "business:Register", `{"uscc":"y"}`)
	require.ErrorContains(t, InspectTransaction(txOther, sum(txOther), p, &key.PublicKey), "chaincode call", "a transaction of another call")
	require.ErrorContains(t, InspectTransaction(txn, sum(prop), p, &key.PublicKey), "digest")
}
