package clientsign

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// APIPrefix is the gateway's API prefix.
const APIPrefix = "/api/v1"

// Client runs client-signed writes against a govchain gateway: it holds the identity's key,
// which never leaves it, and the API key of that identity.
type Client struct {
	// API is the gateway's base URL, e.g. http://127.0.0.1:8080 (a trailing /api/v1 is
	// accepted).
	API    string
	APIKey string
	Key    *ecdsa.PrivateKey
	HTTP   *http.Client // nil: http.DefaultClient
	// Confirm, when set, sees the chaincode call read from the proposal's bytes before they
	// are signed; an error stops the write unsigned.
	Confirm func(*Call) error
}

// Options are the final step's options, as for an ordinary write.
type Options struct {
	Async          bool   // ?async=true: answered 202 once the signed transaction is persisted
	IdempotencyKey string // sent with the final step
}

// Response is the gateway's answer to the last step made: the write's answer when all three
// steps passed, otherwise the refusal of the step that failed (Step says which).
type Response struct {
	Step          string // "proposal", "endorsement" or "transaction"
	Status        int
	Body          []byte
	TransactionID string
}

// OK reports whether the write was accepted (2xx on the final step).
func (r *Response) OK() bool { return r.Step == "transaction" && r.Status >= 200 && r.Status < 300 }

type unsigned struct {
	TransactionID string `json:"transaction_id"`
	Digest        string `json:"digest"`
	Message       string `json:"message"`
}

// decode reads the digest and message of an answer.
func (u *unsigned) decode() (digest, message []byte, err error) {
	digest, err = base64.StdEncoding.DecodeString(u.Digest)
	if err != nil || len(digest) != DigestSize {
		return nil, nil, fmt.Errorf("the gateway's digest %q is not base64 of %d bytes", u.Digest, DigestSize)
	}
	message, err = base64.StdEncoding.DecodeString(u.Message)
	if err != nil {
		return nil, nil, fmt.Errorf("the gateway's message is not base64")
	}
	return digest, message, nil
}

// Do makes the write method path (e.g. POST /api/v1/businesses) with the JSON body, signing
// the proposal and the transaction with c.Key. An error is a failure to talk to the gateway
// or to sign; a refusal by the gateway is a Response with its status and body.
func (c *Client) Do(ctx context.Context, method, path string, body []byte, opt Options) (*Response, error) {
	if !strings.HasPrefix(path, APIPrefix+"/") {
		path = APIPrefix + "/" + strings.TrimPrefix(path, "/")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = nil
	}
	req := map[string]any{"method": strings.ToUpper(method), "path": path}
	if body != nil {
		if !json.Valid(body) {
			return nil, fmt.Errorf("the body is not JSON")
		}
		req["body"] = json.RawMessage(body)
	}
	prop, res, err := c.step(ctx, "proposal", APIPrefix+"/signing/proposals", req, http.StatusCreated, "")
	if err != nil || prop == nil {
		return res, err
	}
	// Read what is to be signed before signing it: the digest is of these bytes, they ask
	// as this key's identity, and (Confirm) for the expected call.
	digest, message, err := prop.decode()
	if err != nil {
		return nil, err
	}
	signed, err := InspectProposal(message, digest, prop.TransactionID, &c.Key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("proposal %s not signed: %w", prop.TransactionID, err)
	}
	if c.Confirm != nil {
		if err := c.Confirm(&signed.Call); err != nil {
			return nil, fmt.Errorf("proposal %s not signed: %w", prop.TransactionID, err)
		}
	}
	sig, err := c.sign(digest)
	if err != nil {
		return nil, err
	}
	tx, res, err := c.step(ctx, "endorsement", APIPrefix+"/signing/proposals/"+prop.TransactionID+"/endorsement", map[string]string{"signature": sig}, http.StatusOK, "")
	if err != nil || tx == nil {
		return res, err
	}
	if tx.TransactionID != prop.TransactionID {
		return nil, fmt.Errorf("the endorsement answered transaction %s for proposal %s", tx.TransactionID, prop.TransactionID)
	}
	if digest, message, err = tx.decode(); err != nil {
		return nil, err
	}
	if err := InspectTransaction(message, digest, signed, &c.Key.PublicKey); err != nil {
		return nil, fmt.Errorf("transaction %s not signed: %w", tx.TransactionID, err)
	}
	if sig, err = c.sign(digest); err != nil {
		return nil, err
	}
	p := APIPrefix + "/signing/transactions/" + tx.TransactionID
	if opt.Async {
		p += "?async=true"
	}
	_, res, err = c.step(ctx, "transaction", p, map[string]string{"signature": sig}, 0, opt.IdempotencyKey)
	if res != nil && res.TransactionID == "" {
		res.TransactionID = tx.TransactionID
	}
	return res, err
}

func (c *Client) sign(d []byte) (string, error) {
	sig, err := Sign(c.Key, d)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// step posts v to path. With want set, an answer with that status is decoded as the next
// digest to sign; any other answer is returned as the Response.
func (c *Client) step(ctx context.Context, name, path string, v any, want int, idemKey string) (*unsigned, *Response, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	base := strings.TrimSuffix(strings.TrimSuffix(c.API, "/"), APIPrefix)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(raw))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", c.APIKey)
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	res := &Response{Step: name, Status: resp.StatusCode, Body: body}
	var ids struct {
		TransactionID string `json:"transaction_id"`
		Error         struct {
			TransactionID string `json:"transaction_id"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &ids) == nil {
		res.TransactionID = ids.TransactionID
		if res.TransactionID == "" {
			res.TransactionID = ids.Error.TransactionID
		}
	}
	if want == 0 || resp.StatusCode != want {
		return nil, res, nil
	}
	var u unsigned
	if err := json.Unmarshal(body, &u); err != nil || u.TransactionID == "" || u.Digest == "" {
		return nil, nil, fmt.Errorf("%s: unexpected answer %s", name, body)
	}
	return &u, res, nil
}
