package httpapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/clientsign"
	"github.com/stretchr/testify/require"
)

const (
	keyClerkCS  = "key-registrar-cs"  // market/registrar/registrar-cs, signs on the client
	keyClerkCS2 = "key-registrar-cs2" // another API key of the same identity
)

// signingLedger is a fakeLedger that also implements ledger.Signing for one client-signed
// identity, market/registrar/registrar-cs.
type signingLedger struct {
	*fakeLedger
	cert      *x509.Certificate
	mu        sync.Mutex
	endorsed  [][]byte // signatures the ledger was given, proposals
	submitted [][]byte // and transactions
}

var clerkCS = ledger.Caller{Org: "market", Role: "registrar", Name: "registrar-cs"}

func (s *signingLedger) SigningCertificate(c ledger.Caller) (*x509.Certificate, bool) {
	return s.cert, c == clerkCS
}

func (s *signingLedger) Propose(_ context.Context, call ledger.Call) (*ledger.Unsigned, error) {
	tx := s.nextTx()
	b := []byte("proposal:" + tx + ":" + call.Name())
	d := sha256.Sum256(b)
	return &ledger.Unsigned{TxID: tx, Bytes: b, Digest: d[:], Message: b}, nil
}

func (s *signingLedger) EndorseSigned(_ context.Context, call ledger.Call, proposal, sig []byte) (*ledger.Unsigned, error) {
	s.mu.Lock()
	s.endorsed = append(s.endorsed, sig)
	s.mu.Unlock()
	d := sha256.Sum256(proposal)
	if !ecdsa.VerifyASN1(s.cert.PublicKey.(*ecdsa.PublicKey), d[:], sig) {
		panic("the ledger was given a signature that does not verify")
	}
	tx := string(proposal[len("proposal:") : len("proposal:")+64])
	b := []byte("transaction:" + tx)
	td := sha256.Sum256(b)
	return &ledger.Unsigned{TxID: tx, Bytes: b, Digest: td[:], Message: b, Result: []byte(`{"uscc":"` + uscc + `"}`)}, nil
}

func (s *signingLedger) SubmitSigned(_ context.Context, call ledger.Call, tx *ledger.Unsigned, sig []byte, hooks ...ledger.PreparedHook) (*ledger.Committed, error) {
	s.record(call)
	s.mu.Lock()
	s.submitted = append(s.submitted, sig)
	s.mu.Unlock()
	for _, h := range hooks {
		if err := h(tx.TxID); err != nil {
			return nil, err
		}
	}
	return &ledger.Committed{TransactionID: tx.TxID, BlockNumber: 9, Result: tx.Result}, nil
}

func (s *signingLedger) SubmitSignedAsync(_ context.Context, call ledger.Call, tx *ledger.Unsigned, sig []byte, hooks ...ledger.PreparedHook) (string, error) {
	s.record(call)
	for _, h := range hooks {
		if err := h(tx.TxID); err != nil {
			return "", err
		}
	}
	return tx.TxID, nil
}

type signingHarness struct {
	*harness
	sl  *signingLedger
	key *ecdsa.PrivateKey
}

func newSigningHarness(t *testing.T) *signingHarness {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "registrar-cs"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	sl := &signingLedger{fakeLedger: &fakeLedger{}, cert: cert}
	h := newHarness(t, sl.fakeLedger, func(c *Config) {
		c.Ledger = sl
		for _, k := range []string{keyClerkCS, keyClerkCS2} {
			c.Keys[hashKey(k)] = Principal{Org: "market", Role: "registrar", Name: "registrar-cs", MSPID: "MarketMSP", KeyHash: hashKey(k), ClientSigned: true}
		}
	})
	return &signingHarness{harness: h, sl: sl, key: key}
}

func (h *signingHarness) sign(digestB64 string) string {
	d, err := base64.StdEncoding.DecodeString(digestB64)
	require.NoError(h.t, err)
	sig, err := clientsign.Sign(h.key, d)
	require.NoError(h.t, err)
	return base64.StdEncoding.EncodeToString(sig)
}

func (h *signingHarness) propose(key string) (txID, digest string) {
	h.t.Helper()
	body := `{"method":"POST","path":"/api/v1/businesses","body":` + registerBody + `}`
	w := h.do(request{method: "POST", path: "/api/v1/signing/proposals", key: key, body: body})
	require.Equal(h.t, http.StatusCreated, w.Code, w.Body.String())
	m := jsonOf(h.t, w)
	msg, err := base64.StdEncoding.DecodeString(m["message"].(string))
	require.NoError(h.t, err)
	d := sha256.Sum256(msg)
	require.Equal(h.t, base64.StdEncoding.EncodeToString(d[:]), m["digest"], "the digest is SHA-256 of the message")
	return m["transaction_id"].(string), m["digest"].(string)
}

func (h *signingHarness) endorse(key, txID, sig string) map[string]any {
	h.t.Helper()
	w := h.do(request{method: "POST", path: "/api/v1/signing/proposals/" + txID + "/endorsement", key: key, body: `{"signature":"` + sig + `"}`})
	require.Equal(h.t, http.StatusOK, w.Code, w.Body.String())
	return jsonOf(h.t, w)
}

func TestClientSignedWrite(t *testing.T) {
	h := newSigningHarness(t)
	txID, digest := h.propose(keyClerkCS)
	require.Len(t, txID, 64)
	require.Empty(t, h.sl.Calls(), "nothing written yet")
	m := h.endorse(keyClerkCS, txID, h.sign(digest))
	require.Equal(t, txID, m["transaction_id"])
	require.Equal(t, uscc, m["result"].(map[string]any)["uscc"], "the client sees the result it signs for")
	w := h.do(request{method: "POST", path: "/api/v1/signing/transactions/" + txID, key: keyClerkCS, body: `{"signature":"` + h.sign(m["digest"].(string)) + `"}`})
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	require.JSONEq(t, `{"uscc":"`+uscc+`","transaction_id":"`+txID+`","block_number":9}`, w.Body.String())
	require.Contains(t, h.logs.String(), `"signing_proposal":true`, "the route run inside the proposal is logged as such")
	require.Contains(t, h.logs.String(), `"identity":"registrar-cs"`)
	calls := h.sl.Calls()
	require.Len(t, calls, 1)
	require.Equal(t, "business:Register", calls[0].Name())
	require.Equal(t, clerkCS, calls[0].Caller)
}

func TestClientSignedWriteAsyncAndIdempotent(t *testing.T) {
	h := newSigningHarness(t)
	txID, digest := h.propose(keyClerkCS)
	m := h.endorse(keyClerkCS, txID, h.sign(digest))
	sig := h.sign(m["digest"].(string))
	req := request{method: "POST", path: "/api/v1/signing/transactions/" + txID + "?async=true", key: keyClerkCS,
		body: `{"signature":"` + sig + `"}`, header: map[string]string{"Idempotency-Key": "k1"}}
	w := h.do(req)
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	require.Equal(t, txID, jsonOf(t, w)["transaction_id"])
	w = h.do(req)
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	require.Equal(t, "true", w.Header().Get("Idempotent-Replayed"))
	require.Len(t, h.sl.Calls(), 1, "replayed, not submitted twice")
}

func TestClientSignedHighSIsNormalised(t *testing.T) {
	h := newSigningHarness(t)
	txID, digest := h.propose(keyClerkCS)
	d, _ := base64.StdEncoding.DecodeString(digest)
	low, err := clientsign.Sign(h.key, d)
	require.NoError(t, err)
	var rs struct{ R, S *big.Int }
	_, err = asn1.Unmarshal(low, &rs)
	require.NoError(t, err)
	rs.S = new(big.Int).Sub(elliptic.P256().Params().N, rs.S)
	high, err := asn1.Marshal(rs)
	require.NoError(t, err)
	h.endorse(keyClerkCS, txID, base64.StdEncoding.EncodeToString(high))
	require.Equal(t, [][]byte{low}, h.sl.endorsed, "the ledger gets the low-S form")
}

func TestClientSignedRefusals(t *testing.T) {
	t.Run("bad signatures are 400 BAD_SIGNATURE and the step can be signed again", func(t *testing.T) {
		h := newSigningHarness(t)
		txID, digest := h.propose(keyClerkCS)
		other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		d, _ := base64.StdEncoding.DecodeString(digest)
		wrongKey, _ := clientsign.Sign(other, d)
		wd := sha256.Sum256([]byte("another digest"))
		wrongDigest, _ := clientsign.Sign(h.key, wd[:])
		for name, sig := range map[string]string{
			"wrong key":    base64.StdEncoding.EncodeToString(wrongKey),
			"wrong digest": base64.StdEncoding.EncodeToString(wrongDigest),
			"garbage":      base64.StdEncoding.EncodeToString([]byte("garbage")),
			"not base64":   "!!!",
		} {
			w := h.do(request{method: "POST", path: "/api/v1/signing/proposals/" + txID + "/endorsement", key: keyClerkCS, body: `{"signature":"` + sig + `"}`})
			require.Equal(t, http.StatusBadRequest, w.Code, name)
			require.Equal(t, "BAD_SIGNATURE", errorOf(t, w).Code, name)
		}
		w := h.do(request{method: "POST", path: "/api/v1/signing/proposals/" + txID + "/endorsement", key: keyClerkCS, body: `{}`})
		require.Equal(t, http.StatusBadRequest, w.Code)
		require.Empty(t, h.sl.endorsed, "nothing unverified reached the ledger")
		h.endorse(keyClerkCS, txID, h.sign(digest))
	})

	t.Run("steps run in order", func(t *testing.T) {
		h := newSigningHarness(t)
		txID, digest := h.propose(keyClerkCS)
		w := h.do(request{method: "POST", path: "/api/v1/signing/transactions/" + txID, key: keyClerkCS, body: `{"signature":"` + h.sign(digest) + `"}`})
		require.Equal(t, http.StatusConflict, w.Code, w.Body.String())
		m := h.endorse(keyClerkCS, txID, h.sign(digest))
		w = h.do(request{method: "POST", path: "/api/v1/signing/proposals/" + txID + "/endorsement", key: keyClerkCS, body: `{"signature":"` + h.sign(digest) + `"}`})
		require.Equal(t, http.StatusConflict, w.Code, "endorsed once")
		// The transaction's digest is not the proposal's: the proposal's signature is refused.
		w = h.do(request{method: "POST", path: "/api/v1/signing/transactions/" + txID, key: keyClerkCS, body: `{"signature":"` + h.sign(digest) + `"}`})
		require.Equal(t, "BAD_SIGNATURE", errorOf(t, w).Code)
		w = h.do(request{method: "POST", path: "/api/v1/signing/transactions/" + txID, key: keyClerkCS, body: `{"signature":"` + h.sign(m["digest"].(string)) + `"}`})
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	})

	t.Run("unsigned steps expire: 410 SIGNING_EXPIRED, unknown ids 404", func(t *testing.T) {
		h := newSigningHarness(t)
		now := time.Now()
		h.srv.steps.now = func() time.Time { return now }
		txID, digest := h.propose(keyClerkCS)
		now = now.Add(signingTTL + time.Second)
		w := h.do(request{method: "POST", path: "/api/v1/signing/proposals/" + txID + "/endorsement", key: keyClerkCS, body: `{"signature":"` + h.sign(digest) + `"}`})
		require.Equal(t, http.StatusGone, w.Code, w.Body.String())
		require.Equal(t, "SIGNING_EXPIRED", errorOf(t, w).Code)

		txID, digest = h.propose(keyClerkCS)
		m := h.endorse(keyClerkCS, txID, h.sign(digest))
		now = now.Add(signingTTL - time.Second)
		w = h.do(request{method: "POST", path: "/api/v1/signing/transactions/" + txID, key: keyClerkCS, body: `{"signature":"` + h.sign(m["digest"].(string)) + `"}`})
		require.Equal(t, http.StatusCreated, w.Code, "each step has its own time: "+w.Body.String())

		w = h.do(request{method: "POST", path: "/api/v1/signing/proposals/" + txID[:63] + "0/endorsement", key: keyClerkCS, body: `{"signature":"` + h.sign(digest) + `"}`})
		require.Equal(t, http.StatusNotFound, w.Code)
	})

	t.Run("only the API key that began a write continues it", func(t *testing.T) {
		h := newSigningHarness(t)
		txID, digest := h.propose(keyClerkCS)
		for _, k := range []string{keyClerkCS2, keyRegistrar} {
			w := h.do(request{method: "POST", path: "/api/v1/signing/proposals/" + txID + "/endorsement", key: k, body: `{"signature":"` + h.sign(digest) + `"}`})
			require.Contains(t, []int{http.StatusNotFound, http.StatusForbidden}, w.Code, k)
		}
		h.endorse(keyClerkCS, txID, h.sign(digest))
	})

	t.Run("a server-signed identity cannot use the signing routes; a client-signed one cannot use the ordinary writes", func(t *testing.T) {
		h := newSigningHarness(t)
		w := h.do(request{method: "POST", path: "/api/v1/signing/proposals", key: keyRegistrar, body: `{"method":"POST","path":"/api/v1/businesses","body":` + registerBody + `}`})
		require.Equal(t, http.StatusForbidden, w.Code, w.Body.String())
		w = h.do(request{method: "POST", path: "/api/v1/businesses", key: keyClerkCS, body: registerBody})
		require.Equal(t, http.StatusForbidden, w.Code, w.Body.String())
		require.Empty(t, h.sl.Calls())
	})

	t.Run("the call is validated and authorised by its own route", func(t *testing.T) {
		h := newSigningHarness(t)
		for name, c := range map[string]struct {
			body   string
			status int
		}{
			"invalid body":              {`{"method":"POST","path":"/api/v1/businesses","body":{"uscc":"bad"}}`, http.StatusBadRequest},
			"role may not":              {`{"method":"POST","path":"/api/v1/invoices","body":` + issueBody + `}`, http.StatusForbidden},
			"a read":                    {`{"method":"POST","path":"/api/v1/ledger/verification"}`, http.StatusBadRequest},
			"a read by GET":             {`{"method":"GET","path":"/api/v1/businesses"}`, http.StatusBadRequest},
			"the signing routes":        {`{"method":"POST","path":"/api/v1/signing/proposals","body":{}}`, http.StatusBadRequest},
			"unknown route":             {`{"method":"POST","path":"/api/v1/nothing","body":{}}`, http.StatusNotFound},
			"a query string":            {`{"method":"POST","path":"/api/v1/businesses?async=true","body":{}}`, http.StatusBadRequest},
			"personal data":             {`{"method":"POST","path":"/api/v1/businesses","body":` + registerBody[:len(registerBody)-1] + `,"personal":{"mobile":"13912345678"}}}`, http.StatusBadRequest},
			"verification of a value":   {`{"method":"POST","path":"/api/v1/businesses/` + uscc + `/personal/verify","body":{"field":"mobile","value":"13912345678"}}`, http.StatusBadRequest},
			"unknown field in envelope": {`{"method":"POST","path":"/api/v1/businesses","body":{},"x":1}`, http.StatusBadRequest},
		} {
			w := h.do(request{method: "POST", path: "/api/v1/signing/proposals", key: keyClerkCS, body: c.body})
			require.Equal(t, c.status, w.Code, name+": "+w.Body.String())
			var b errorBody
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b), name)
		}
		require.Empty(t, h.sl.Calls())
	})
}
