package main

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/govchain/govchain/test/internal/loadkit"
)

// RunResult is one run: one workload at one concurrency (or rate), every path measured
// back to back.
type RunResult struct {
	Spec   phaseSpec
	Repeat int          // phases per path, merged
	HTTP   *PhaseResult // nil when not measured
	Direct *PhaseResult
}

// runJSON is the -json object of one run.
type runJSON struct {
	Workload      string                        `json:"workload"`
	Mode          string                        `json:"mode"` // closed|rate
	Clients       int                           `json:"clients"`
	Rate          float64                       `json:"rate,omitempty"`
	DurationS     float64                       `json:"duration_s"`
	HTTPTPS       float64                       `json:"http_tps"`
	DirectTPS     float64                       `json:"direct_tps"`
	TPSRatio      *float64                      `json:"tps_ratio"`
	HTTPP50       float64                       `json:"http_p50_ms"`
	HTTPP90       float64                       `json:"http_p90_ms"`
	HTTPP99       float64                       `json:"http_p99_ms"`
	HTTPMax       float64                       `json:"http_max_ms"`
	DirectP50     float64                       `json:"direct_p50_ms"`
	DirectP90     float64                       `json:"direct_p90_ms"`
	DirectP99     float64                       `json:"direct_p99_ms"`
	DirectMax     float64                       `json:"direct_max_ms"`
	P50Overhead   *float64                      `json:"p50_overhead_ms"` // http − direct
	P50Ratio      *float64                      `json:"p50_ratio"`
	P99Ratio      *float64                      `json:"p99_ratio"`
	HTTPOK        int                           `json:"http_ok"`
	DirectOK      int                           `json:"direct_ok"`
	Failed        map[string]int                `json:"failed"` // by kind, both paths
	HTTPFailed    map[string]int                `json:"http_failed"`
	DirectFailed  map[string]int                `json:"direct_failed"`
	FailureDetail map[string]map[string]string  `json:"failure_detail,omitempty"`
	CPUmsPerTx    map[string]map[string]float64 `json:"cpu_ms_per_tx"` // path → kind → ms
	CoresBusy     map[string]float64            `json:"cores_busy"`    // path → busy cores
	OtherCores    map[string]float64            `json:"other_cores"`   // path → cores used by processes outside the network
	CapacityTPS   map[string]float64            `json:"cpu_bound_tps"` // path → all cores / CPU per tx of the measured processes
	Speed         map[string]float64            `json:"cpu_speed_mbs"` // path → mean SHA-256 MB/s on one core before its phases
	Machine       string                        `json:"machine"`
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

func failMap(r *PhaseResult) map[string]int {
	m := map[string]int{}
	if r != nil {
		for k, v := range r.Failed {
			m[k] = v
		}
	}
	return m
}

// otherCores is the CPU (in cores) that processes outside the network and the benchmark used
// during the window: other people's builds and tests on a shared machine depress TPS.
func (r *PhaseResult) otherCores() float64 {
	if r.Window <= 0 {
		return 0
	}
	return r.CPU.Seconds[kindOther] / r.Window.Seconds()
}

// capacity is the TPS the measured processes could reach with every core of the machine:
// cores × 1000 / (CPU ms per tx of peer + orderer + chaincode + gateway + load generator).
// It ignores "other", so it is a noise-free ceiling estimate.
func (r *PhaseResult) capacity() float64 {
	if r.OK == 0 {
		return 0
	}
	var s float64
	for _, k := range cpuKinds {
		if k != kindOther {
			s += r.CPU.Seconds[k]
		}
	}
	if s == 0 {
		return 0
	}
	return float64(runtime.NumCPU()) * float64(r.OK) / s
}

// cpuPerTx is CPU milliseconds per successful op for each kind (and "total").
func cpuPerTx(r *PhaseResult) map[string]float64 {
	m := map[string]float64{}
	if r == nil || r.OK == 0 {
		return m
	}
	var total float64
	for _, k := range cpuKinds {
		s := r.CPU.Seconds[k]
		m[k] = round3(s * 1000 / float64(r.OK))
		total += s
	}
	m["total"] = round3(total * 1000 / float64(r.OK))
	return m
}

func (rr *RunResult) JSON(machine string) runJSON {
	j := runJSON{
		Workload: rr.Spec.Workload, Mode: "closed", Clients: rr.Spec.Clients, DurationS: rr.Spec.Duration.Seconds() * float64(max(rr.Repeat, 1)),
		Failed: map[string]int{}, HTTPFailed: failMap(rr.HTTP), DirectFailed: failMap(rr.Direct),
		FailureDetail: map[string]map[string]string{}, CPUmsPerTx: map[string]map[string]float64{},
		CoresBusy: map[string]float64{}, OtherCores: map[string]float64{}, CapacityTPS: map[string]float64{}, Speed: map[string]float64{}, Machine: machine,
	}
	if rr.Spec.Rate > 0 {
		j.Mode, j.Rate, j.Clients = "rate", rr.Spec.Rate, rr.Spec.MaxFlight
	}
	for _, k := range failKinds {
		j.Failed[k] = j.HTTPFailed[k] + j.DirectFailed[k]
	}
	if r := rr.HTTP; r != nil {
		j.HTTPTPS, j.HTTPOK = round1(r.TPS()), r.OK
		j.HTTPP50, j.HTTPP90, j.HTTPP99, j.HTTPMax = loadkit.Millis(r.Lat.Percentile(50)), loadkit.Millis(r.Lat.Percentile(90)), loadkit.Millis(r.Lat.Percentile(99)), loadkit.Millis(r.Lat.Max())
	}
	if r := rr.Direct; r != nil {
		j.DirectTPS, j.DirectOK = round1(r.TPS()), r.OK
		j.DirectP50, j.DirectP90, j.DirectP99, j.DirectMax = loadkit.Millis(r.Lat.Percentile(50)), loadkit.Millis(r.Lat.Percentile(90)), loadkit.Millis(r.Lat.Percentile(99)), loadkit.Millis(r.Lat.Max())
	}
	for path, r := range map[string]*PhaseResult{pathHTTP: rr.HTTP, pathDirect: rr.Direct} {
		if r == nil {
			continue
		}
		j.CPUmsPerTx[path] = cpuPerTx(r)
		j.CoresBusy[path] = round3(r.CPU.Cores)
		j.OtherCores[path] = round3(r.otherCores())
		j.CapacityTPS[path] = round1(r.capacity())
		j.Speed[path] = round1(mean(r.Speed))
		if len(r.FailDetail) > 0 {
			j.FailureDetail[path] = r.FailDetail
		}
	}
	if rr.HTTP != nil && rr.Direct != nil {
		j.TPSRatio = ratio(rr.HTTP.TPS(), rr.Direct.TPS())
		if rr.HTTP.OK > 0 && rr.Direct.OK > 0 {
			o := round1(j.HTTPP50 - j.DirectP50)
			j.P50Overhead = &o
			j.P50Ratio = ratio(j.HTTPP50, j.DirectP50)
			j.P99Ratio = ratio(j.HTTPP99, j.DirectP99)
		}
	}
	if len(j.FailureDetail) == 0 {
		j.FailureDetail = nil
	}
	return j
}

func fmtRatio(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *p)
}

// PrintTable writes the run's table.
func (rr *RunResult) PrintTable(w io.Writer, machine string) {
	j := rr.JSON(machine)
	title := fmt.Sprintf("%s, %d clients (closed loop)", rr.Spec.Workload, rr.Spec.Clients)
	if rr.Spec.Rate > 0 {
		title = fmt.Sprintf("%s, fixed rate %g/s (≤ %d in flight)", rr.Spec.Workload, rr.Spec.Rate, rr.Spec.MaxFlight)
	}
	reps := ""
	if rr.Repeat > 1 {
		reps = fmt.Sprintf(" × %d alternating phases per path", rr.Repeat)
	}
	fmt.Fprintf(w, "\n== %s, %s measured (+%s warm-up)%s ==\n", title, rr.Spec.Duration, rr.Spec.Warmup, reps)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "path\tok\tTPS\tp50 ms\tp90 ms\tp99 ms\tmax ms\tfailed\tcores busy\tof them other\tCPU-bound TPS\tCPU speed MB/s\t")
	rows := []*PhaseResult{rr.HTTP, rr.Direct}
	for _, r := range rows {
		if r == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%s\t%.2f\t%.2f\t%.0f\t%.0f\t\n", r.Path, r.OK, r.TPS(),
			loadkit.Millis(r.Lat.Percentile(50)), loadkit.Millis(r.Lat.Percentile(90)), loadkit.Millis(r.Lat.Percentile(99)), loadkit.Millis(r.Lat.Max()),
			failSummary(r), r.CPU.Cores, r.otherCores(), r.capacity(), mean(r.Speed))
	}
	tw.Flush()
	if rr.HTTP != nil && rr.Direct != nil {
		over := "-"
		if j.P50Overhead != nil {
			over = fmt.Sprintf("%+.1f ms", *j.P50Overhead)
		}
		fmt.Fprintf(w, "http/direct: TPS %s   p50 %s (%s)   p99 %s\n", fmtRatio(j.TPSRatio), fmtRatio(j.P50Ratio), over, fmtRatio(j.P99Ratio))
	}
	// CPU ms per committed transaction, by process kind.
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	hdr := "CPU ms/tx"
	for _, k := range cpuKinds {
		hdr += "\t" + k
	}
	fmt.Fprintln(tw, hdr+"\ttotal\t")
	for _, r := range rows {
		if r == nil {
			continue
		}
		m := cpuPerTx(r)
		line := r.Path
		for _, k := range cpuKinds {
			line += fmt.Sprintf("\t%.2f", m[k])
		}
		fmt.Fprintf(tw, "%s\t%.2f\t\n", line, m["total"])
	}
	tw.Flush()
	for _, r := range rows {
		if r == nil {
			continue
		}
		if oc := r.otherCores(); oc > 0.15 {
			fmt.Fprintf(w, "%s: warning: %.2f cores were used by processes outside the network and the benchmark (builds, other tests?): TPS is depressed; CPU ms/tx is still exact\n", r.Path, oc)
		}
		if r.Late > 0 {
			fmt.Fprintf(w, "%s: %d of %d scheduled ops started late (> 10 ms): the load generator or the in-flight cap could not keep the rate\n", r.Path, r.Late, r.Started)
		}
		for _, k := range sortedKeys(r.FailDetail) {
			fmt.Fprintf(w, "%s %s: %s\n", r.Path, k, r.FailDetail[k])
		}
	}
}

func failSummary(r *PhaseResult) string {
	if r.FailedTotal() == 0 {
		return "0"
	}
	var parts []string
	for _, k := range failKinds {
		if n := r.Failed[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, n))
		}
	}
	return strings.Join(parts, ",")
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
