package main

import (
	"github.com/govchain/govchain/internal/gatewayconfig"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseIntList(t *testing.T) {
	got, err := parseIntList("1, 8,32,128")
	require.NoError(t, err)
	require.Equal(t, []int{1, 8, 32, 128}, got)
	got, err = parseIntList("16")
	require.NoError(t, err)
	require.Equal(t, []int{16}, got)
	for _, bad := range []string{"", ",", "0", "-3", "8,x", "1.5"} {
		_, err := parseIntList(bad)
		require.Error(t, err, bad)
	}
}

func TestParseFloatList(t *testing.T) {
	got, err := parseFloatList("50,100.5")
	require.NoError(t, err)
	require.Equal(t, []float64{50, 100.5}, got)
	_, err = parseFloatList("0")
	require.Error(t, err)
}

func TestParseWorkloadsAndMix(t *testing.T) {
	got, err := parseWorkloads("invoice,register")
	require.NoError(t, err)
	require.Equal(t, []string{"invoice", "register"}, got)
	got, err = parseWorkloads("all")
	require.NoError(t, err)
	require.Equal(t, workloads, got)
	_, err = parseWorkloads("invoices")
	require.Error(t, err)

	m, err := parseMix("register=1,read=3,invoice=0")
	require.NoError(t, err)
	require.Equal(t, map[string]int{"register": 1, "read": 3, "invoice": 0}, m)
	for _, bad := range []string{"register", "write=1", "read=-1", "read=0"} {
		_, err := parseMix(bad)
		require.Error(t, err, bad)
	}
}

func TestParseFlags(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		o, err := parseFlags(nil, io.Discard)
		require.NoError(t, err)
		require.Equal(t, []string{wlInvoice}, o.Workloads)
		require.Equal(t, []int{1, 8, 32, 128}, o.Clients)
		require.Nil(t, o.Rates)
		require.Equal(t, []string{pathHTTP, pathDirect}, o.paths())
		require.Equal(t, "data/gateway.yaml", o.Config)
	})
	t.Run("a sweep, fixed rate and one path", func(t *testing.T) {
		o, err := parseFlags([]string{"-workload", "mixed", "-clients", "4,16", "-duration", "30s", "-rate", "100,200", "-path", "direct", "-json"}, io.Discard)
		require.NoError(t, err)
		require.Equal(t, []int{4, 16}, o.Clients)
		require.Equal(t, []float64{100, 200}, o.Rates)
		require.Equal(t, 30*time.Second, o.Duration)
		require.True(t, o.JSON)
		require.Equal(t, []string{pathDirect}, o.paths())
		specs := o.specs(wlMixed)
		require.Len(t, specs, 2) // one per rate
		require.Equal(t, 200.0, specs[1].Rate)
	})
	t.Run("closed-loop specs follow the client list", func(t *testing.T) {
		o, err := parseFlags([]string{"-clients", "1,32"}, io.Discard)
		require.NoError(t, err)
		specs := o.specs(wlRegister)
		require.Len(t, specs, 2)
		require.Equal(t, 32, specs[1].Clients)
		require.Zero(t, specs[1].Rate)
	})
	t.Run("bad values are refused", func(t *testing.T) {
		for _, args := range [][]string{
			{"-clients", "0"}, {"-workload", "x"}, {"-path", "grpc"}, {"-duration", "0s"}, {"-rate", "abc"}, {"extra"},
		} {
			_, err := parseFlags(args, io.Discard)
			require.Error(t, err, args)
		}
	})
}

func TestParseKeysEnv(t *testing.T) {
	keys := gatewayconfig.ParseKeys("# comment\nGOVCHAIN_API=http://127.0.0.1:8080\n\nexport GOVCHAIN_KEY_TAX_INVOICE_ISSUER='gck_abc'\n")
	require.Equal(t, "http://127.0.0.1:8080", keys["GOVCHAIN_API"])
	require.Equal(t, "gck_abc", keys[gatewayconfig.KeyVar("tax", "invoice-issuer")])
}
