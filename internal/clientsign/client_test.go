package clientsign

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeGateway answers the three steps, verifying each signature with pub.
func fakeGateway(t *testing.T, c *Client) *httptest.Server {
	digest := func(s string) []byte { d := sha256.Sum256([]byte(s)); return d[:] }
	mux := http.NewServeMux()
	var proposal map[string]any
	check := func(w http.ResponseWriter, r *http.Request, d []byte) bool {
		var body struct{ Signature string }
		require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		sig, err := base64.StdEncoding.DecodeString(body.Signature)
		require.NoError(t, err)
		if _, err := Verify(&c.Key.PublicKey, d, sig); err != nil {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":{"code":"BAD_SIGNATURE","message":"no"}}`))
			return false
		}
		return true
	}
	mux.HandleFunc("POST /api/v1/signing/proposals", func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "k", r.Header.Get("X-API-Key"))
		require.NoError(t, json.NewDecoder(r.Body).Decode(&proposal))
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(map[string]string{"transaction_id": "tx1", "digest": base64.StdEncoding.EncodeToString(digest("p"))})
	})
	mux.HandleFunc("POST /api/v1/signing/proposals/tx1/endorsement", func(w http.ResponseWriter, r *http.Request) {
		if check(w, r, digest("p")) {
			_ = json.NewEncoder(w).Encode(map[string]string{"transaction_id": "tx1", "digest": base64.StdEncoding.EncodeToString(digest("t"))})
		}
	})
	mux.HandleFunc("POST /api/v1/signing/transactions/tx1", func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "true", r.URL.Query().Get("async"))
		require.Equal(t, "idem", r.Header.Get("Idempotency-Key"))
		if check(w, r, digest("t")) {
			w.WriteHeader(202)
			_, _ = w.Write([]byte(`{"transaction_id":"tx1","status":"PENDING"}`))
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestClientDo(t *testing.T) {
	c := &Client{APIKey: "k", Key: newKey(t)}
	srv := fakeGateway(t, c)
	c.API = srv.URL + "/api/v1/"
	res, err := c.Do(context.Background(), "post", "businesses", []byte(`{"uscc":"x"}`), Options{Async: true, IdempotencyKey: "idem"})
	require.NoError(t, err)
	require.True(t, res.OK(), string(res.Body))
	require.Equal(t, 202, res.Status)
	require.Equal(t, "tx1", res.TransactionID)

	t.Run("a refusal is returned as the step's answer", func(t *testing.T) {
		c2 := &Client{API: srv.URL, APIKey: "k", Key: newKey(t)} // not the key the server checks
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
