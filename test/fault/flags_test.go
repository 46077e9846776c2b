package main

import (
	"bytes"
	"errors"
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseFlags(t *testing.T) {
	t.Run("defaults: every fault, the leader 5 times, 2 sync + 2 async writers, its own network", func(t *testing.T) {
		o, err := parseFlags(nil, &bytes.Buffer{})
		require.NoError(t, err)
		require.Equal(t, allFaults, o.Faults)
		require.Equal(t, 5, o.RepeatLeader)
		require.Equal(t, 2, o.syncWriters())
		require.Equal(t, 2, o.asyncWriters())
		require.Equal(t, 10*time.Second, o.During)
		require.Equal(t, 30*time.Second, o.CatchUpMax)
		require.Equal(t, "data/fault", o.Data)
		require.Equal(t, 27000, o.BasePort)
		require.Equal(t, "127.0.0.1:27800", o.GatewayAddr)
		require.Equal(t, []string{"leader", "leader", "leader", "leader", "leader", "follower", "peer", "entry-peer", "chaincode", "gateway"}, o.plan())
	})
	t.Run("a chosen list keeps its order and drops repeats", func(t *testing.T) {
		o, err := parseFlags([]string{"-faults", "gateway, leader,gateway", "-repeat-leader", "2", "-clients", "3", "-before", "1s", "-json", "-keep"}, &bytes.Buffer{})
		require.NoError(t, err)
		require.Equal(t, []string{"gateway", "leader"}, o.Faults)
		require.Equal(t, []string{"gateway", "leader", "leader"}, o.plan())
		require.Equal(t, 2, o.syncWriters())
		require.Equal(t, 1, o.asyncWriters())
		require.Equal(t, time.Second, o.Before)
		require.True(t, o.JSON)
		require.True(t, o.Keep)
	})
	t.Run("all is every fault", func(t *testing.T) {
		o, err := parseFlags([]string{"-faults", "all"}, &bytes.Buffer{})
		require.NoError(t, err)
		require.Equal(t, allFaults, o.Faults)
	})
	for _, bad := range [][]string{
		{"-faults", "orderer"},
		{"-faults", ","},
		{"-repeat-leader", "0"},
		{"-clients", "0"},
		{"-async-rate", "0"},
		{"-during", "-1s"},
		{"-poll", "0s"},
		{"-base-port", "80"},
		{"extra"},
	} {
		t.Run("refused: "+bad[0], func(t *testing.T) {
			_, err := parseFlags(bad, &bytes.Buffer{})
			require.Error(t, err)
		})
	}
	t.Run("-h is help, not an error exit", func(t *testing.T) {
		var out bytes.Buffer
		_, err := parseFlags([]string{"-h"}, &out)
		require.True(t, errors.Is(err, flag.ErrHelp))
		require.Contains(t, out.String(), "usage: go run ./test/fault")
		require.Equal(t, 0, run([]string{"-h"}, &bytes.Buffer{}, &bytes.Buffer{}))
		require.Equal(t, 2, run([]string{"-faults", "nope"}, &bytes.Buffer{}, &bytes.Buffer{}))
	})
}
