package metrics

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMethodLabel(t *testing.T) {
	cases := []struct{ method, want string }{
		{"GET", "GET"},
		{"HEAD", "HEAD"},
		{"POST", "POST"},
		{"PUT", "PUT"},
		{"PATCH", "PATCH"},
		{"DELETE", "DELETE"},
		{"OPTIONS", "OPTIONS"},
		{"get", OtherMethod},
		{"CONNECT", OtherMethod},
		{"TRACE", OtherMethod},
		{"", OtherMethod},
		{strings.Repeat("X", 1<<16), OtherMethod},
	}
	for _, c := range cases {
		t.Run(c.want+"/"+c.method[:min(len(c.method), 16)], func(t *testing.T) {
			require.Equal(t, c.want, MethodLabel(c.method))
		})
	}
}

func TestObserveHTTPBoundsMethods(t *testing.T) {
	m := New()
	for i := 0; i < 50; i++ {
		m.ObserveHTTP("unmatched", strings.Repeat("M", 1000+i), 405, time.Millisecond)
	}
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	body := w.Body.String()
	require.Equal(t, 1, strings.Count(body, `govchain_gateway_http_requests_total{method="other",route="unmatched",status="405"} 50`))
	require.NotContains(t, body, "MMMM")
}

func TestWatchIndex(t *testing.T) {
	m := New()
	fail := false
	m.WatchIndex(func() (uint64, uint64, error) {
		if fail {
			return 0, 0, errors.New("database is locked")
		}
		return 140, 3, nil
	})
	scrape := func() string {
		w := httptest.NewRecorder()
		m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		return w.Body.String()
	}
	body := scrape()
	require.Contains(t, body, "govchain_gateway_index_height_blocks 140")
	require.Contains(t, body, "govchain_gateway_index_behind_blocks 3")
	fail = true
	require.Contains(t, scrape(), "govchain_gateway_index_behind_blocks -1")
}
