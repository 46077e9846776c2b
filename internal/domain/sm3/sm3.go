// Package sm3 implements the SM3 cryptographic hash function (GB/T 32905-2016), China's
// national hash, with the standard library only. SM3 produces a 32-byte digest over 64-byte
// blocks, with Merkle–Damgård padding like SHA-256.
package sm3

import (
	"encoding/binary"
	"hash"
	"math/bits"
)

// Size is the size of an SM3 digest in bytes.
const Size = 32

// BlockSize is the block size of SM3 in bytes.
const BlockSize = 64

var iv = [8]uint32{
	0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600,
	0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
}

// digest is the running state of an SM3 computation.
type digest struct {
	h   [8]uint32
	x   [BlockSize]byte // pending bytes of an incomplete block
	nx  int
	len uint64 // message length in bytes
}

// New returns a new hash.Hash computing the SM3 checksum.
func New() hash.Hash {
	d := new(digest)
	d.Reset()
	return d
}

// Sum returns the SM3 checksum of data.
func Sum(data []byte) [Size]byte {
	var d digest
	d.Reset()
	_, _ = d.Write(data)
	return d.checkSum()
}

func (d *digest) Reset() {
	d.h = iv
	d.nx = 0
	d.len = 0
}

func (d *digest) Size() int { return Size }

func (d *digest) BlockSize() int { return BlockSize }

func (d *digest) Write(p []byte) (int, error) {
	n := len(p)
	d.len += uint64(n)
	if d.nx > 0 {
		c := copy(d.x[d.nx:], p)
		d.nx += c
		p = p[c:]
		if d.nx == BlockSize {
			block(&d.h, d.x[:])
			d.nx = 0
		}
	}
	for len(p) >= BlockSize {
		block(&d.h, p[:BlockSize])
		p = p[BlockSize:]
	}
	if len(p) > 0 {
		d.nx = copy(d.x[:], p)
	}
	return n, nil
}

// Sum appends the current digest to b without changing the running state.
func (d *digest) Sum(b []byte) []byte {
	d0 := *d
	s := d0.checkSum()
	return append(b, s[:]...)
}

func (d *digest) checkSum() [Size]byte {
	bitLen := d.len << 3
	// Padding: 0x80, zeros up to 56 mod 64, then the 64-bit big-endian bit length.
	var pad [BlockSize + 8]byte
	pad[0] = 0x80
	padLen := 56 - int(d.len%BlockSize)
	if padLen <= 0 {
		padLen += BlockSize
	}
	binary.BigEndian.PutUint64(pad[padLen:], bitLen)
	_, _ = d.Write(pad[:padLen+8])
	if d.nx != 0 {
		panic("sm3: padding did not complete a block")
	}
	var out [Size]byte
	for i, v := range d.h {
		binary.BigEndian.PutUint32(out[i*4:], v)
	}
	return out
}

func p0(x uint32) uint32 { return x ^ bits.RotateLeft32(x, 9) ^ bits.RotateLeft32(x, 17) }

func p1(x uint32) uint32 { return x ^ bits.RotateLeft32(x, 15) ^ bits.RotateLeft32(x, 23) }

// block runs the compression function CF over one 64-byte block.
func block(h *[8]uint32, p []byte) {
	var w [68]uint32
	var w1 [64]uint32
	for j := 0; j < 16; j++ {
		w[j] = binary.BigEndian.Uint32(p[4*j:])
	}
	for j := 16; j < 68; j++ {
		w[j] = p1(w[j-16]^w[j-9]^bits.RotateLeft32(w[j-3], 15)) ^ bits.RotateLeft32(w[j-13], 7) ^ w[j-6]
	}
	for j := 0; j < 64; j++ {
		w1[j] = w[j] ^ w[j+4]
	}

	a, b, c, dd, e, f, g, hh := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
	for j := 0; j < 64; j++ {
		var t, ff, gg uint32
		if j < 16 {
			t = 0x79cc4519
			ff = a ^ b ^ c
			gg = e ^ f ^ g
		} else {
			t = 0x7a879d8a
			ff = (a & b) | (a & c) | (b & c)
			gg = (e & f) | (^e & g)
		}
		a12 := bits.RotateLeft32(a, 12)
		ss1 := bits.RotateLeft32(a12+e+bits.RotateLeft32(t, j%32), 7)
		ss2 := ss1 ^ a12
		tt1 := ff + dd + ss2 + w1[j]
		tt2 := gg + hh + ss1 + w[j]
		dd = c
		c = bits.RotateLeft32(b, 9)
		b = a
		a = tt1
		hh = g
		g = bits.RotateLeft32(f, 19)
		f = e
		e = p0(tt2)
	}
	h[0] ^= a
	h[1] ^= b
	h[2] ^= c
	h[3] ^= dd
	h[4] ^= e
	h[5] ^= f
	h[6] ^= g
	h[7] ^= hh
}
