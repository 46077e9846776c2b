package loadkit

import (
	"net"
	"net/http"
	"strings"
	"time"
)

// APIBase is the gateway's API base URL (…/api/v1) for a URL given with or without it.
func APIBase(api string) string {
	api = strings.TrimRight(api, "/")
	if !strings.HasSuffix(api, "/api/v1") {
		api += "/api/v1"
	}
	return api
}

// Transport is an HTTP/1.1 transport for conns concurrent clients of the gateway: every one
// keeps its connection (MaxIdleConnsPerHost), so no request pays for a new TCP connection.
func Transport(conns int, dialTimeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns + 16,
		MaxIdleConnsPerHost: conns + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}
