package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRatio(t *testing.T) {
	require.Nil(t, ratio(1, 0))
	require.Equal(t, 0.333, *ratio(1, 3))
}
