package proofbundle

import (
	"bytes"
	"encoding/hex"
	"strings"
)

// Result is what a verified bundle proves.
type Result struct {
	Bundle *Bundle
	// Valid: the peer marked the transaction VALID, so its writes took effect.
	// A bundle of an invalid transaction verifies too (it proves the block
	// holds the transaction so marked), with Valid false.
	Valid bool
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// TrustAnchor, when set, is the hex header hash the first config block
	// must have (the audit office's published hash of it).
	TrustAnchor string
}

// derive is Derive; tests memoise it (it is a pure function of its inputs).
var derive = Derive

// Verify checks a bundle file offline. On failure the error is a *Failure.
func Verify(raw []byte, opts VerifyOptions) (*Result, error) {
	b, err := decode(raw)
	if err != nil {
		return nil, fail("format", -1, "not a proof bundle: %v", err)
	}
	if b.Format != Format {
		return nil, fail("format", -1, "format %q, want %q", b.Format, Format)
	}
	raws := make([][]byte, len(b.Blocks))
	for i, blk := range b.Blocks {
		raws[i] = blk.Bytes
	}
	d, err := derive(raws, b.Summary.TxID)
	if err != nil {
		return nil, err
	}
	want, err := Encode(d)
	if err != nil {
		return nil, fail("format", -1, "%v", err)
	}
	if !bytes.Equal(want, raw) {
		if diff := firstDifference(b, d); diff != "" {
			return nil, fail("mismatch", -1, "%s", diff)
		}
		return nil, fail("encoding", -1, "the file is not the canonical encoding of its contents (whitespace, escapes, base64 or field order differ at byte %d)", firstByte(raw, want))
	}
	if opts.TrustAnchor != "" {
		got := d.Summary.TrustAnchor.HeaderHash
		if want := strings.ToLower(strings.TrimSpace(opts.TrustAnchor)); got != want {
			if _, err := hex.DecodeString(want); err != nil {
				return nil, fail("trust-anchor", -1, "the expected trust anchor %q is not hex", opts.TrustAnchor)
			}
			return nil, fail("trust-anchor", int64(d.Summary.TrustAnchor.Block), "header hash %s, the published one is %s", got, want)
		}
	}
	return &Result{Bundle: d, Valid: d.Summary.ValidationCode == "VALID"}, nil
}

func firstByte(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
