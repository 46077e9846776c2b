// Package metrics holds the gateway's Prometheus metrics: HTTP requests by route and status,
// and Fabric call latencies by phase (evaluate, endorse, submit, commit).
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is a private registry with the gateway's collectors.
type Metrics struct {
	reg          *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	fabric       *prometheus.HistogramVec
	retries      *prometheus.CounterVec
	sseClients   prometheus.Gauge
}

// New registers the collectors (and the Go and process collectors) in a new registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "govchain_gateway", Name: "http_requests_total",
			Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "govchain_gateway", Name: "http_request_duration_seconds",
			Help:    "HTTP request latency by route, method and status.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"route", "method", "status"}),
		fabric: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "govchain_gateway", Name: "fabric_call_duration_seconds",
			Help:    "Fabric call latency by phase (evaluate, endorse, submit, commit) and outcome.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"phase", "outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "govchain_gateway", Name: "fabric_retries_total",
			Help: "Retries with a fresh transaction (by validation code) and resubmissions of the same transaction (resubmit).",
		}, []string{"reason"}),
		sseClients: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "govchain_gateway", Name: "event_streams",
			Help: "Open Server-Sent Events streams.",
		}),
	}
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.fabric, m.retries, m.sseClients,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveHTTP records one HTTP request. route must come from a fixed set (the matched route
// template, or a fixed word for none); the method is reduced to MethodLabel.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	s := strconv.Itoa(status)
	method = MethodLabel(method)
	m.httpRequests.WithLabelValues(route, method, s).Inc()
	m.httpDuration.WithLabelValues(route, method, s).Observe(d.Seconds())
}

// OtherMethod is the method label of every method outside the standard set.
const OtherMethod = "other"

// MethodLabel is the label of an HTTP method: the method itself for the standard ones a
// client of this API may send, OtherMethod for anything else. Go's HTTP server accepts any
// token as a method, so a raw method label would let any client add series (and memory)
// without limit.
func MethodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return OtherMethod
}

// ObserveFabric records one Fabric call (fabric.Observer).
func (m *Metrics) ObserveFabric(phase, outcome string, d time.Duration) {
	m.fabric.WithLabelValues(phase, outcome).Observe(d.Seconds())
}

// ObserveRetry counts one retry (fabric.Observer).
func (m *Metrics) ObserveRetry(reason string) {
	m.retries.WithLabelValues(reason).Inc()
}

// StreamOpened and StreamClosed track open event streams.
func (m *Metrics) StreamOpened() { m.sseClients.Inc() }

// StreamClosed see StreamOpened.
func (m *Metrics) StreamClosed() { m.sseClients.Dec() }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// WatchIndex exports the searchable index's position, read by position at each scrape:
// govchain_gateway_index_height_blocks and govchain_gateway_index_behind_blocks. A failed
// read reports -1.
func (m *Metrics) WatchIndex(position func() (height, behind uint64, err error)) {
	read := func(pick func(h, b uint64) uint64) func() float64 {
		return func() float64 {
			h, b, err := position()
			if err != nil {
				return -1
			}
			return float64(pick(h, b))
		}
	}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "govchain_gateway", Name: "index_height_blocks",
			Help: "Blocks in the searchable index (-1: its database cannot be read)."}, read(func(h, _ uint64) uint64 { return h })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "govchain_gateway", Name: "index_behind_blocks",
			Help: "Blocks the searchable index is behind the ledger (-1: its database cannot be read)."}, read(func(_, b uint64) uint64 { return b })),
	)
}
