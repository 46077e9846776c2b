package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/govchain/govchain/internal/gatewayconfig"
	"github.com/govchain/govchain/test/internal/loadkit"
)

// httpPath sends ops to the HTTP gateway with one tuned, keep-alive http.Client. The gateway
// answers 2xx to a write only once it committed VALID.
type httpPath struct {
	base string // …/api/v1
	keys map[string]string
	c    *http.Client
}

// newHTTPPath prepares the client for up to conns concurrent requests: every one of them
// keeps its connection (MaxIdleConnsPerHost), so no request pays for a new TCP connection.
func newHTTPPath(api string, keys map[string]string, conns int, keepAlive bool) (*httpPath, error) {
	if strings.TrimRight(api, "/") == "" {
		return nil, errors.New("no gateway URL: set -api or GOVCHAIN_API in the keys file")
	}
	tr := loadkit.Transport(conns, 5*time.Second)
	tr.WriteBufferSize, tr.ReadBufferSize = 16<<10, 16<<10
	tr.DisableKeepAlives = !keepAlive
	return &httpPath{base: loadkit.APIBase(api), keys: keys, c: &http.Client{Transport: tr}}, nil
}

func (h *httpPath) Name() string { return pathHTTP }

func (h *httpPath) key(org, role string) (string, error) {
	k := h.keys[gatewayconfig.KeyVar(org, role)]
	if k == "" {
		return "", fmt.Errorf("no API key %s in the keys file", gatewayconfig.KeyVar(org, role))
	}
	return k, nil
}

// check verifies that every API key the op kinds use is present.
func (h *httpPath) check() error {
	for _, or := range identityFor {
		if _, err := h.key(or[0], or[1]); err != nil {
			return err
		}
	}
	return nil
}

// errorBody is the gateway's error answer.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (h *httpPath) Do(ctx context.Context, op *Op) outcome {
	key, err := h.key(op.Org, op.Role)
	if err != nil {
		return outcome{failOther, err.Error()}
	}
	var body io.Reader
	if op.Body != nil {
		body = bytes.NewReader(op.Body)
	}
	req, err := http.NewRequestWithContext(ctx, op.Method, h.base+op.Path, body)
	if err != nil {
		return outcome{failOther, err.Error()}
	}
	req.Header.Set("X-API-Key", key)
	if op.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := h.c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return outcome{failTimeout, err.Error()}
		}
		return outcome{failTransport, err.Error()}
	}
	defer res.Body.Close()
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		// Drain the body so that the connection is reused.
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			return outcome{failTransport, err.Error()}
		}
		if op.Write && res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
			return outcome{failOther, fmt.Sprintf("write answered %s, want 201 (committed)", res.Status)}
		}
		return ok
	}
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	var eb errorBody
	_ = json.Unmarshal(raw, &eb)
	msg := eb.Error.Message
	if msg == "" {
		msg = strings.TrimSpace(string(raw))
	}
	return classifyHTTP(res.StatusCode, eb.Error.Code, res.Status+" "+msg)
}

func (h *httpPath) Close() { h.c.CloseIdleConnections() }
