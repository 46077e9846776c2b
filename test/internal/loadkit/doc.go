// Package loadkit holds what the load generators under test/ share: the API keys file,
// unique valid request values, latency percentiles and the machine description. The
// benchmark (test/bench) and the fault suite (test/fault) both use it.
package loadkit
