// Package licenceimg renders an electronic business licence (电子营业执照) as a PNG image with
// a QR code carrying its verification payload.
package licenceimg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

// DefaultFontPaths lists where CJK fonts are looked for (Debian fonts-wqy-microhei, fonts-noto-cjk, ...).
var DefaultFontPaths = []string{
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",            // fonts-wqy-microhei
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",              // fonts-wqy-zenhei
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",    // fonts-noto-cjk
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",   // fonts-noto-cjk
	"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",         // Arch, Fedora
	"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  // Fedora
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", // fonts-droid-fallback
	"/System/Library/Fonts/PingFang.ttc",                        // macOS
	"/System/Library/Fonts/STHeiti Medium.ttc",                  // macOS
	"C:\\Windows\\Fonts\\msyh.ttc",                              // Windows (Microsoft YaHei)
	"C:\\Windows\\Fonts\\simsun.ttc",                            // Windows (SimSun)
}

// probeRunes must all have glyphs in a usable font: the CJK of the licence and the digits
// and letters of its codes.
const probeRunes = "营业执照统一社会信用代码0A"

// Renderer draws licences with one loaded font. It is safe for concurrent use: every Render
// makes its own faces.
type Renderer struct {
	path string
	main *sfnt.Font // draws everything
	mono *sfnt.Font // the verification code: a monospaced face of the same file when it has one
}

// New loads a font that can draw Chinese: fontPath "" searches DefaultFontPaths; the error names every path tried and says to install fonts-wqy-microhei.
func New(fontPath string) (*Renderer, error) {
	paths := DefaultFontPaths
	if fontPath != "" {
		paths = []string{fontPath}
	}
	var tried []string
	for _, p := range paths {
		r, err := load(p)
		if err == nil {
			return r, nil
		}
		tried = append(tried, fmt.Sprintf("%s (%v)", p, err))
	}
	what := "no font that can draw Chinese was found"
	if fontPath != "" {
		what = "font " + fontPath + " cannot be used"
	}
	return nil, fmt.Errorf("licenceimg: %s; tried: %s; install a CJK font, e.g. `apt-get install fonts-wqy-microhei` (Debian/Ubuntu)",
		what, strings.Join(tried, "; "))
}

// load parses the font file at p (a single font or a .ttc/.otc collection) and picks the
// first face that has glyphs for every probe rune, preferring a Simplified Chinese one.
func load(p string) (*Renderer, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("not found")
		}
		return nil, err
	}
	var fonts []*sfnt.Font
	var parseErr error
	coll, err := opentype.ParseCollection(data)
	if err == nil {
		for i := 0; i < coll.NumFonts(); i++ {
			f, err := coll.Font(i)
			if err != nil {
				parseErr = err
				continue
			}
			fonts = append(fonts, f)
		}
	} else {
		parseErr = err
	}
	if len(fonts) == 0 {
		// Perhaps tables that are not four-byte aligned: copy each font aligned and retry.
		for _, off := range fontOffsets(data) {
			b, err := realign(data, off)
			if err != nil {
				continue
			}
			if f, err := opentype.Parse(b); err == nil {
				fonts = append(fonts, f)
			}
		}
	}
	if len(fonts) == 0 {
		return nil, fmt.Errorf("not a usable TrueType/OpenType font or collection: %v", parseErr)
	}
	var buf sfnt.Buffer
	var chosen, mono *sfnt.Font
	chosenSC := false
	for _, f := range fonts {
		if !hasGlyphs(f, &buf, probeRunes) {
			continue
		}
		family, _ := f.Name(&buf, sfnt.NameIDFamily)
		if mono == nil && strings.Contains(strings.ToLower(family), "mono") {
			mono = f
			continue
		}
		sc := strings.HasSuffix(family, " SC")
		if chosen == nil || (sc && !chosenSC) {
			chosen, chosenSC = f, sc
		}
	}
	if chosen == nil {
		chosen = mono
	}
	if chosen == nil {
		return nil, fmt.Errorf("no face with Chinese glyphs (none draws %q)", '营')
	}
	if mono == nil {
		mono = chosen
	}
	return &Renderer{path: p, main: chosen, mono: mono}, nil
}

func hasGlyphs(f *sfnt.Font, buf *sfnt.Buffer, s string) bool {
	for _, r := range s {
		if gi, err := f.GlyphIndex(buf, r); err != nil || gi == 0 {
			return false
		}
	}
	return true
}

// FontPath is the file the renderer's font was loaded from.
func (r *Renderer) FontPath() string { return r.path }

// face makes a face of f at size pixels (72 DPI: points are pixels).
func face(f *sfnt.Font, size float64) (font.Face, error) {
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

// realign copies the font whose table directory starts at offset in data (a font file or a
// collection) into a standalone font file with every table starting on a four-byte boundary.
// The sfnt package refuses unaligned tables (golang/go#46384), which the WenQuanYi fonts
// (fonts-wqy-microhei, fonts-wqy-zenhei) have; FreeType accepts them.
func realign(data []byte, offset int) ([]byte, error) {
	bad := errors.New("truncated font table directory")
	if offset < 0 || offset+12 > len(data) {
		return nil, bad
	}
	numTables := int(binary.BigEndian.Uint16(data[offset+4:]))
	dirLen := 12 + 16*numTables
	if offset+dirLen > len(data) {
		return nil, bad
	}
	out := make([]byte, dirLen, len(data))
	copy(out, data[offset:offset+dirLen])
	for i := 0; i < numTables; i++ {
		rec := out[12+16*i:]
		o, n := int(binary.BigEndian.Uint32(rec[8:])), int(binary.BigEndian.Uint32(rec[12:]))
		if o < 0 || n < 0 || o+n > len(data) || o+n < o {
			return nil, errors.New("font table outside the file")
		}
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		out = append(out, data[o:o+n]...)
	}
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	return out, nil
}

// fontOffsets are the offsets of the table directories of the fonts in data: one per font
// of a TrueType/OpenType collection ("ttcf"), else just 0.
func fontOffsets(data []byte) []int {
	if len(data) < 12 || string(data[:4]) != "ttcf" {
		return []int{0}
	}
	n := int(binary.BigEndian.Uint32(data[8:]))
	var offs []int
	for i := 0; i < n && 12+4*i+4 <= len(data); i++ {
		offs = append(offs, int(binary.BigEndian.Uint32(data[12+4*i:])))
	}
	return offs
}
