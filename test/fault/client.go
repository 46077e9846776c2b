package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/govchain/govchain/test/internal/loadkit"
)

// client speaks HTTP to the gateway as the market registrar (writes) and the audit
// auditor (read-back), like a clerk's application would.
type client struct {
	base      string // http://host:port/api/v1
	registrar string // API keys
	auditor   string
	hc        *http.Client
}

func newClient(api, registrar, auditor string, timeout time.Duration, conns int) *client {
	tr := loadkit.Transport(conns, 3*time.Second)
	return &client{base: loadkit.APIBase(api), registrar: registrar, auditor: auditor, hc: &http.Client{Transport: tr, Timeout: timeout}}
}

// answer is one HTTP exchange as the client saw it.
type answer struct {
	Status   int    // 0: no HTTP answer (Err says why)
	Code     string // the error body's error.code
	Message  string
	TxID     string // transaction_id of a 2xx answer
	Replayed bool   // Idempotent-Replayed: true
	Err      error  // transport error or client timeout
}

// Error classes besides "STATUS CODE" (e.g. "503 UNAVAILABLE").
const (
	classTransport = "transport"        // connection refused, reset, EOF: the gateway is gone
	classTimeout   = "timeout (client)" // no answer within -timeout
)

// class names what went wrong, for the errors column: "503 UNAVAILABLE", "502
// ENDORSEMENT_FAILED", "transport"…
func (a answer) class() string {
	if a.Err != nil {
		var ne net.Error
		if errors.Is(a.Err, context.DeadlineExceeded) || (errors.As(a.Err, &ne) && ne.Timeout()) {
			return classTimeout
		}
		return classTransport
	}
	if a.Code == "" {
		return fmt.Sprint(a.Status)
	}
	return fmt.Sprintf("%d %s", a.Status, a.Code)
}

// retryable reports whether a client should send the same request (same Idempotency-Key)
// again: after no answer, a 5xx, a commit conflict, or a 409 saying the first request with
// this key is still being processed. Other 4xx answers are deterministic refusals.
func (a answer) retryable() bool {
	switch {
	case a.Err != nil, a.Status >= 500:
		return true
	case a.Status == http.StatusConflict:
		return a.Code != "CONFLICT" || strings.Contains(a.Message, "still being processed")
	}
	return false
}

// errorBody is the gateway's error answer.
type errorBody struct {
	Error struct {
		Code          string `json:"code"`
		Message       string `json:"message"`
		TransactionID string `json:"transaction_id"`
		Details       []struct {
			Org     string `json:"org"`
			Message string `json:"message"`
		} `json:"details"`
	} `json:"error"`
}

func (c *client) do(ctx context.Context, method, path, key, idemKey string, body []byte) (answer, []byte) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return answer{Err: err}, nil
	}
	req.Header.Set("X-API-Key", key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return answer{Err: err}, nil
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return answer{Err: err}, nil
	}
	a := answer{Status: res.StatusCode, Replayed: res.Header.Get("Idempotent-Replayed") == "true"}
	if res.StatusCode >= 300 {
		var eb errorBody
		if json.Unmarshal(raw, &eb) == nil {
			a.Code, a.Message, a.TxID = eb.Error.Code, eb.Error.Message, eb.Error.TransactionID
			for _, d := range eb.Error.Details {
				a.Message += fmt.Sprintf("; %s: %s", d.Org, d.Message)
			}
		}
		if a.Message == "" {
			a.Message = strings.TrimSpace(string(raw))
		}
		return a, raw
	}
	var ok struct {
		TransactionID string `json:"transaction_id"`
	}
	_ = json.Unmarshal(raw, &ok)
	a.TxID = ok.TransactionID
	return a, raw
}

// register posts a business registration, synchronously (201 once committed VALID) or with
// ?async=true (202 once endorsed and recorded by the gateway).
func (c *client) register(ctx context.Context, body []byte, idemKey string, async bool) answer {
	path := "/businesses"
	if async {
		path += "?async=true"
	}
	a, _ := c.do(ctx, http.MethodPost, path, c.registrar, idemKey, body)
	return a
}

// txStatus is GET /transactions/{id}: PENDING, VALID, another validation code, EXPIRED or
// FAILED, and the transaction that superseded it after a conflict.
type txStatus struct {
	Status       string `json:"status"`
	SupersededBy string `json:"superseded_by"`
}

func (c *client) transaction(ctx context.Context, txID string) (txStatus, answer) {
	a, raw := c.do(ctx, http.MethodGet, "/transactions/"+txID, c.registrar, "", nil)
	var st txStatus
	if a.Status == http.StatusOK {
		if err := json.Unmarshal(raw, &st); err != nil {
			a.Err = fmt.Errorf("transaction %s: %w", txID, err)
		}
	}
	return st, a
}

// business reads a registration back as the audit auditor.
func (c *client) business(ctx context.Context, uscc string) answer {
	a, _ := c.do(ctx, http.MethodGet, "/businesses/"+uscc, c.auditor, "", nil)
	return a
}

// ready is GET /readyz (outside /api/v1).
func (c *client) ready(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(c.base, "/api/v1")+"/readyz", nil)
	if err != nil {
		return err
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("readyz: %s", res.Status)
	}
	return nil
}

// newIdempotencyKey is a random key, one per logical write.
func newIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "fault-" + hex.EncodeToString(b)
}
