package licenceimg

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strconv"

	"github.com/skip2/go-qrcode"
	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/f64"
	"golang.org/x/image/math/fixed"

	"github.com/govchain/govchain/internal/domain"
)

// Size of the rendered image (landscape, about the A4-like proportions of the paper licence).
const (
	Width  = 1600
	Height = 1130
)

var (
	cream    = color.RGBA{0xFB, 0xF6, 0xE8, 0xFF}
	border   = color.RGBA{0x9E, 0x2A, 0x1E, 0xFF} // red-brown
	titleRed = color.RGBA{0xB0, 0x1E, 0x18, 0xFF}
	ink      = color.RGBA{0x1E, 0x1A, 0x16, 0xFF}
	labelInk = color.RGBA{0x4A, 0x3A, 0x2E, 0xFF}
	greyInk  = color.RGBA{0x6B, 0x62, 0x58, 0xFF}
	stampRed = color.RGBA{0xD0, 0x10, 0x20, 0xFF}
)

// Layout (pixels).
const (
	marginX     = 110 // left edge of the labels
	labelWidth  = 160 // labels are spread across this width (名　　称)
	valueX      = marginX + labelWidth + 36
	valueRight  = 1110 // right edge of the values column
	qrX         = 1160 // left edge of the QR code (with its quiet zone)
	qrY         = 250
	qrMinSize   = 340 // the QR code with its quiet zone is at least this wide
	fieldSize   = 30  // label and value text size
	fieldLead   = 46  // line height of a value
	fieldGap    = 14  // extra space between fields
	scopeSize   = 26
	scopeLead   = 38
	scopeBottom = 975 // the business scope box ends here
)

// faces are the sizes one Render draws with.
type faces struct {
	title, sub, field, scope, small, mono, stamp, stampSmall font.Face
	src                                                      *sfnt.Font
}

func (r *Renderer) faces() (*faces, error) {
	fs := faces{src: r.main}
	for _, x := range []struct {
		dst  *font.Face
		mono bool
		size float64
	}{
		{&fs.title, false, 104}, {&fs.sub, false, 30}, {&fs.field, false, fieldSize}, {&fs.scope, false, scopeSize},
		{&fs.small, false, 22}, {&fs.mono, true, 21}, {&fs.stamp, false, 64}, {&fs.stampSmall, false, 26},
	} {
		f := r.main
		if x.mono {
			f = r.mono
		}
		fc, err := face(f, x.size)
		if err != nil {
			return nil, err
		}
		*x.dst = fc
	}
	return &fs, nil
}

// Render draws the licence as a PNG.
func (r *Renderer) Render(v domain.LicenceView) ([]byte, error) {
	if v.QRPayload == "" {
		return nil, errors.New("licenceimg: the licence view has no QR payload")
	}
	qr, err := qrcode.New(v.QRPayload, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("licenceimg: QR code: %w", err)
	}
	fs, err := r.faces()
	if err != nil {
		return nil, fmt.Errorf("licenceimg: font: %w", err)
	}
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	fill(img, img.Bounds(), cream)
	drawFrame(img)

	l := v.Licence
	// Title and subtitle.
	centred(img, fs.title, "营业执照", Width/2, 178, titleRed, 36, 2)
	centred(img, fs.sub, "（电子营业执照 · Electronic Business Licence）", Width/2, 232, labelInk, 0, 0)

	// 统一社会信用代码 on its own line at the top, as on the paper licence.
	y := 318
	text(img, fs.field, "统一社会信用代码", marginX, y, labelInk)
	text(img, fs.field, orDash(l.USCC), marginX+font.MeasureString(fs.field, "统一社会信用代码").Round()+30, y, ink)
	y += fieldLead + fieldGap + 14

	field := func(label, value string, maxLines int) {
		spread(img, fs.field, label, marginX, y, labelWidth, labelInk)
		lines := wrap(fs.field, orDash(value), fixed.I(valueRight-valueX), maxLines)
		for i, ln := range lines {
			text(img, fs.field, ln, valueX, y+i*fieldLead, ink)
		}
		y += len(lines)*fieldLead + fieldGap
	}
	field("名称", l.Name, 2)
	field("类型", l.EntityType, 1)
	field("法定代表人", l.LegalRepresentative, 1)
	field("注册资本", formatCapital(l.RegisteredCapitalFen), 1)
	field("成立日期", formatDate(l.EstablishedOn), 1)
	field("住所", l.Address, 2)

	// 经营范围: as many lines as fit above scopeBottom.
	spread(img, fs.field, "经营范围", marginX, y, labelWidth, labelInk)
	scopeTop := y - fs.scope.Metrics().Ascent.Round()
	maxLines := max(1, (scopeBottom-scopeTop)/scopeLead)
	for i, ln := range wrap(fs.scope, orDash(l.BusinessScope), fixed.I(valueRight-valueX), maxLines) {
		text(img, fs.scope, ln, valueX, y+i*scopeLead, ink)
	}

	// QR code, top right, with its caption.
	qrBottom := drawQR(img, qr, qrX, qrY, qrMinSize)
	qrMid := qrX + qrMinSize/2
	centred(img, fs.field, "扫码核验 Scan to verify", qrMid, qrBottom+42, labelInk, 0, 0)

	// 登记机关 and 发证日期 under the QR code, where the paper licence has its seal.
	ry := qrBottom + 130
	rightW := Width - 100 - qrX
	text(img, fs.field, "登记机关", qrX, ry, labelInk)
	for i, ln := range wrap(fs.field, orDash(l.IssuingAuthority), fixed.I(rightW), 2) {
		text(img, fs.field, ln, qrX, ry+fieldLead+i*fieldLead, ink)
	}
	ry += 3*fieldLead + fieldGap + 10
	text(img, fs.field, "发证日期", qrX, ry, labelInk)
	text(img, fs.field, formatIssued(l.IssuedAt), qrX, ry+fieldLead, ink)

	// Bottom lines: licence number and version, then the verification code.
	hline(img, marginX, Width-marginX, 998, color.RGBA{0xC9, 0xA8, 0x8E, 0xFF}, 1)
	text(img, fs.small, "执照编号 Licence No.  "+orDash(l.LicenceNumber), marginX, 1032, labelInk)
	ver := "版本 Version  " + strconv.Itoa(l.Version)
	text(img, fs.small, ver, Width-marginX-font.MeasureString(fs.small, ver).Round(), 1032, labelInk)
	code := "核验码 Verification code: " + orDash(l.VerificationCode)
	centred(img, fs.mono, code, Width/2, 1068, greyInk, 0, 0)

	// Stamps for a licence that no longer stands or has been replaced, over the fields
	// (never over the QR code, which must stay scannable).
	var stamps [][2]string
	if s := statusStamp(v.Status); s != "" {
		stamps = append(stamps, [2]string{s, v.StatusReason})
	}
	if !v.Current {
		s := "已被取代 SUPERSEDED"
		if v.SupersededBy != nil {
			s = fmt.Sprintf("已被第%d版取代 SUPERSEDED by version %d", *v.SupersededBy, *v.SupersededBy)
		}
		stamps = append(stamps, [2]string{s, ""})
	}
	for i, s := range stamps {
		cy := 640
		if len(stamps) == 2 {
			cy = 520 + i*260
		}
		stamp(img, fs, s[0], s[1], (marginX+valueRight)/2, cy)
	}

	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return nil, fmt.Errorf("licenceimg: PNG: %w", err)
	}
	return out.Bytes(), nil
}

// statusStamp is the stamp text for a business status other than ACTIVE ("" for ACTIVE).
func statusStamp(status string) string {
	switch status {
	case domain.StatusActive:
		return ""
	case domain.StatusSuspended:
		return "已暂停 SUSPENDED"
	case domain.StatusRevoked:
		return "已吊销 REVOKED"
	case domain.StatusDeregistered:
		return "已注销 DEREGISTERED"
	case "":
		return "状态未知 STATUS UNKNOWN"
	default:
		return "非有效 " + status
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	xdraw.Draw(img, r, image.NewUniform(c), image.Point{}, xdraw.Src)
}

func hline(img *image.RGBA, x0, x1, y int, c color.Color, w int) {
	fill(img, image.Rect(x0, y, x1, y+w), c)
}

// rectOutline draws the outline of r, w pixels wide, inside r.
func rectOutline(img *image.RGBA, r image.Rectangle, c color.Color, w int) {
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+w), c)
	fill(img, image.Rect(r.Min.X, r.Max.Y-w, r.Max.X, r.Max.Y), c)
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+w, r.Max.Y), c)
	fill(img, image.Rect(r.Max.X-w, r.Min.Y, r.Max.X, r.Max.Y), c)
}

// drawFrame draws the double border with small corner ornaments.
func drawFrame(img *image.RGBA) {
	b := img.Bounds()
	rectOutline(img, b.Inset(26), border, 10)
	rectOutline(img, b.Inset(46), border, 3)
	// Corner ornaments: a small square set in each corner between the two lines.
	for _, p := range []image.Point{{46, 46}, {Width - 46, 46}, {46, Height - 46}, {Width - 46, Height - 46}} {
		sq := image.Rect(p.X-14, p.Y-14, p.X+14, p.Y+14)
		fill(img, sq, cream)
		rectOutline(img, sq, border, 3)
		fill(img, sq.Inset(8), border)
	}
}

// text draws s with its baseline starting at (x, y).
func text(img *image.RGBA, f font.Face, s string, x, y int, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: f, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// centred draws s centred on x with extra tracking pixels between runes, emboldened by
// drawing it bold+1 times shifted right.
func centred(img *image.RGBA, f font.Face, s string, x, y int, c color.Color, tracking, bold int) {
	rs := []rune(s)
	w := font.MeasureString(f, s).Round() + tracking*(len(rs)-1)
	cx := x - w/2
	for k := 0; k <= bold; k++ {
		px := cx + k
		for _, r := range rs {
			text(img, f, string(r), px, y, c)
			px += font.MeasureString(f, string(r)).Round() + tracking
		}
	}
}

// spread draws a label with its runes spread evenly across width (名　　称 style).
func spread(img *image.RGBA, f font.Face, s string, x, y, width int, c color.Color) {
	rs := []rune(s)
	if len(rs) < 2 {
		text(img, f, s, x, y, c)
		return
	}
	total := 0
	for _, r := range rs {
		total += font.MeasureString(f, string(r)).Round()
	}
	gap := float64(width-total) / float64(len(rs)-1)
	if gap < 0 {
		gap = 0
	}
	px := float64(x)
	for _, r := range rs {
		text(img, f, string(r), int(math.Round(px)), y, c)
		px += float64(font.MeasureString(f, string(r)).Round()) + gap
	}
}

// drawQR draws the QR code (quiet zone included, white) with its top-left corner at (x, y),
// at a whole number of pixels per module and at least minSize wide; it returns the bottom.
func drawQR(img *image.RGBA, q *qrcode.QRCode, x, y, minSize int) int {
	bm := q.Bitmap()
	n := len(bm)
	scale := (minSize + n - 1) / n
	size := n * scale
	// Centre the code on the box of minSize.
	x -= (size - minSize) / 2
	fill(img, image.Rect(x, y, x+size, y+size), color.White)
	for my, row := range bm {
		for mx, on := range row {
			if on {
				fill(img, image.Rect(x+mx*scale, y+my*scale, x+(mx+1)*scale, y+(my+1)*scale), color.Black)
			}
		}
	}
	// A thin frame around the white square so it reads as part of the design.
	rectOutline(img, image.Rect(x-6, y-6, x+size+6, y+size+6), border, 2)
	return y + size
}

// stamp draws a red, slightly rotated, stamp-like banner centred on (cx, cy): a double
// outlined box with the text and, when given, a smaller second line.
func stamp(img *image.RGBA, fs *faces, s, sub string, cx, cy int) {
	const pad = 34
	maxW := 860
	tw := font.MeasureString(fs.stamp, s).Round()
	f := fs.stamp
	if tw > maxW-2*pad {
		// Long banners (SUPERSEDED by version N) use a smaller size rather than overflow.
		var err error
		if f, err = shrink(fs, s, maxW-2*pad); err != nil {
			f = fs.stamp
		}
		tw = font.MeasureString(f, s).Round()
	}
	if sub != "" {
		sub = wrap(fs.stampSmall, "原因 Reason: "+sub, fixed.I(maxW-2*pad), 1)[0]
	}
	m := f.Metrics()
	h := (m.Ascent + m.Descent).Round() + 2*pad
	if sub != "" {
		h += 44
	}
	w := max(tw, font.MeasureString(fs.stampSmall, sub).Round()) + 2*pad
	layer := image.NewRGBA(image.Rect(0, 0, w, h))
	// A translucent paper-coloured ground keeps the banner legible over the fields.
	fill(layer, layer.Bounds(), color.NRGBA{cream.R, cream.G, cream.B, 0xC8})
	rectOutline(layer, layer.Bounds(), stampRed, 7)
	rectOutline(layer, layer.Bounds().Inset(13), stampRed, 3)
	for k := 0; k < 2; k++ { // emboldened
		text(layer, f, s, (w-tw)/2+k, pad+m.Ascent.Round(), stampRed)
	}
	if sub != "" {
		sw := font.MeasureString(fs.stampSmall, sub).Round()
		text(layer, fs.stampSmall, sub, (w-sw)/2, h-pad-4, stampRed)
	}
	// Translucent, so the fields beneath stay legible.
	faded := image.NewRGBA(layer.Bounds())
	xdraw.DrawMask(faded, faded.Bounds(), layer, image.Point{}, image.NewUniform(color.Alpha{0xE8}), image.Point{}, xdraw.Over)
	// Rotate by -8° about the layer's centre and place it at (cx, cy).
	a := -8 * math.Pi / 180
	sin, cos := math.Sin(a), math.Cos(a)
	hw, hh := float64(w)/2, float64(h)/2
	s2d := f64.Aff3{
		cos, -sin, float64(cx) - cos*hw + sin*hh,
		sin, cos, float64(cy) - sin*hw - cos*hh,
	}
	xdraw.BiLinear.Transform(img, s2d, faded, faded.Bounds(), xdraw.Over, nil)
}

// shrink returns a face of the main font at which s fits width.
func shrink(fs *faces, s string, width int) (font.Face, error) {
	cur := font.MeasureString(fs.stamp, s).Round()
	size := 64 * float64(width) / float64(cur)
	return face(fs.src, size)
}
