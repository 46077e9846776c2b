package main

import "math"

// ratio is a/b rounded to 3 decimals, or nil when b is 0.
func ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	r := math.Round(a/b*1000) / 1000
	return &r
}
